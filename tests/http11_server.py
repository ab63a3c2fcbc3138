"""A scripted HTTP/1.1 server on loopback for the transport tests: it records what arrives and answers
with the bytes each test gives it, so a test sees exactly what went over the wire both ways."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import attrs

WAIT = 5.0  # seconds: a bound on every wait here, so a broken transport fails the test instead of hanging it


@attrs.define
class Received:
    """One request as it arrived: its head, its body, and which connection (0, 1, ...) carried it."""

    head: bytes
    body: bytes
    connection: int

    @property
    def request_line(self) -> bytes:
        return self.head.split(b"\r\n", 1)[0]

    def header(self, name: bytes) -> bytes | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None


# An answer is the bytes to send for one request, or a coroutine that is given the writer (to stall, close, ...).
Answer = bytes | Callable[[asyncio.StreamWriter], Awaitable[None]]


@attrs.define
class Scripted:
    """The server's state: the answers still to give, in order, and every request received."""

    answers: list[Answer]
    received: list[Received] = attrs.Factory(list)
    connections: int = 0
    url: str = ""

    async def arrived(self, count: int) -> None:
        """Return once `count` requests have reached the server (a test's sign that a call is in flight)."""
        async with asyncio.timeout(WAIT):
            while len(self.received) < count:
                await asyncio.sleep(0.001)


async def hang_up(writer: asyncio.StreamWriter) -> None:
    """No answer: the server closes the connection at once."""
    writer.close()


async def never_answer(writer: asyncio.StreamWriter) -> None:
    """No answer and no close: the server stays silent (until the test ends and cancels it)."""
    await asyncio.sleep(WAIT)


def answer(status: int = 200, body: bytes = b'{"ok":true}', *headers: tuple[str, str]) -> bytes:
    """A complete answer with a Content-Length; `headers` are added as given."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@contextlib.asynccontextmanager
async def scripted(*answers: Answer, tls: ssl.SSLContext | None = None) -> AsyncIterator[Scripted]:
    """A loopback server answering each request with the next of `answers` (then closing the connection)."""
    state = Scripted(list(answers))
    handlers: list[asyncio.Task[None]] = []
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        current = asyncio.current_task()
        assert current is not None
        handlers.append(current)  # type: ignore[arg-type]  # the server runs each handler as a task
        writers.append(writer)
        number = state.connections
        state.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request = Received(head, b"", number)
                length = request.header(b"content-length")
                request.body = await reader.readexactly(int(length)) if length else b""
                state.received.append(request)
                if not state.answers:
                    break
                reply = state.answers.pop(0)
                if isinstance(reply, bytes):
                    writer.write(reply)
                    await writer.drain()
                else:
                    await reply(writer)
                if writer.is_closing():
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client left, or the test is over (cancelled below): end quietly
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    async with server:
        try:
            yield state
        finally:
            server.close()
            for writer in writers:
                writer.close()
            for handler in handlers:
                handler.cancel()  # a handler still waiting (for a request, or in a stalling answer) ends now
            if handlers:
                await asyncio.wait(handlers, timeout=WAIT)
