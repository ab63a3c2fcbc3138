"""Our HTTP protocol (web/protocol.py) sends a response head and its body in one write, and
still sends a head alone when no body follows, `100 Continue` at once, and a head before a close."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from scim_proxy.web.protocol import BoundedHttpProtocol, ServerLimits

WAIT = 5.0


class RecordingTransport(asyncio.Transport):
    """A socket stand-in: what the protocol writes, write by write, and whether it closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def get_write_buffer_size(self) -> int:
        return 0


async def exchange(app: Any, request: bytes, *, until: bytes) -> RecordingTransport:
    """Feed `request` to a fresh connection of our protocol running `app`; the writes once `until` was sent."""
    config = Config(app=app, lifespan="off", log_level="critical")
    protocol = BoundedHttpProtocol(config=config, server_state=ServerState(), app_state={}, limits=ServerLimits())
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    async with asyncio.timeout(WAIT):
        while until not in b"".join(transport.writes) and not transport.closed:
            await asyncio.sleep(0.001)
    await asyncio.sleep(0.01)  # anything written after `until` would show too
    protocol.connection_lost(None)
    return transport


async def answer_json(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"11")]})
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


async def test_a_response_head_and_body_go_in_one_write() -> None:
    """Status line, headers and body leave in a single write."""
    transport = await exchange(answer_json, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", until=b'{"ok":true}')

    assert 1 == len(transport.writes)
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b'\r\n\r\n{"ok":true}')


async def test_a_head_request_gets_its_head_alone() -> None:
    """A HEAD response, which sends no body bytes, still gets its head (once the response is complete)."""
    transport = await exchange(answer_json, b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", until=b"\r\n\r\n")

    assert 1 == len(transport.writes)
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b"content-length: 11\r\n\r\n")


async def test_100_continue_is_sent_before_the_body_is_read() -> None:
    """A client that expects 100-continue gets it at once, then the response in one write."""

    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        body = (await receive())["body"]
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": body})

    config = Config(app=echo, lifespan="off", log_level="critical")
    protocol = BoundedHttpProtocol(config=config, server_state=ServerState(), app_state={}, limits=ServerLimits())
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
    async with asyncio.timeout(WAIT):
        while not transport.writes:
            await asyncio.sleep(0.001)
    continued = list(transport.writes)
    protocol.data_received(b"{}")
    async with asyncio.timeout(WAIT):
        while len(transport.writes) < 2:
            await asyncio.sleep(0.001)
    protocol.connection_lost(None)

    assert [b"HTTP/1.1 100 Continue\r\n\r\n"] == continued
    assert 2 == len(transport.writes)
    assert transport.writes[1].startswith(b"HTTP/1.1 201 Created\r\n")
    assert transport.writes[1].endswith(b"\r\n\r\n{}")


async def test_a_head_is_sent_before_the_connection_closes_on_a_crash() -> None:
    """An app that fails after starting its response: the head still goes out, then the connection closes."""

    async def crash(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
        raise RuntimeError("a bug after the head")

    transport = await exchange(crash, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", until=b"\r\n\r\n")

    assert transport.closed
    assert 1 == len(transport.writes)
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
