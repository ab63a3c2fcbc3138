"""One HTTP/1.1 connection to JumpCloud (http11.py pools them): a request written in one piece,
its answer parsed by httptools as it arrives, one exchange at a time.

What an answer may be: a head of at most 64 KiB, a body of at most `max_body` bytes, framed by
Content-Length, chunks or the connection's end; interim 1xx answers are skipped; a HEAD answer
ends with its head. Anything else (bytes nobody asked for, a second answer, bad HTTP) closes the
connection, and the exchange in progress fails with httpx's exception for it.
"""

from __future__ import annotations

import asyncio
import re
from typing import cast

import httptools
import httpx

MAX_HEAD_BYTES = 65_536
MAX_BODY_BYTES = 256 * 1024 * 1024
_CONTROL = re.compile(rb"[\r\n\x00]")  # a header or target holding one could smuggle a second request

Answer = tuple[int, list[tuple[bytes, bytes]], bytes, bool]  # status, headers, body, connection reusable


def request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """The request line, headers and body as one buffer; CR, LF or NUL in a header or the target is refused."""
    target = request.url.raw_path
    lines = [request.method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    fields = [target]
    chunked = host = False
    for name, value in request.headers.raw:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            chunked = True  # the body was read whole: it goes with a Content-Length instead
            continue
        host = host or lowered == b"host"
        lines += (name, b": ", value, b"\r\n")
        fields += (name, value)
    if not host:  # httpx adds it to requests it builds; HTTP/1.1 requires it of every request
        lines += (b"Host: ", request.url.netloc, b"\r\n")
    if chunked:
        lines += (b"Content-Length: ", str(len(body)).encode("ascii"), b"\r\n")
    if _CONTROL.search(b"\t".join(fields)) or b" " in target:
        raise httpx.LocalProtocolError("A request header or the URL holds a control character", request=request)
    lines += (b"\r\n", body)
    return b"".join(lines)


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one exchange at a time, each answer parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._lost = False
        self._answer: asyncio.Future[Answer] | None = None
        self._status = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._size = 0
        self._head_size = 0  # bytes of the current answer's head: parsed headers, or received while incomplete
        self._head_done = False
        self._keep_alive = False
        self._head_only = False
        self._max_body = MAX_BODY_BYTES
        self._last_read = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def usable(self, idle_after: float) -> bool:
        """Open, quiet, and idle since after `idle_after` (a loop time)."""
        transport = self.transport
        return not self._lost and transport is not None and not transport.is_closing() and self.idle_since >= idle_after

    def close(self) -> None:
        self._lost = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    async def exchange(self, head: bytes, head_only: bool, read_timeout: float | None, max_body: int) -> Answer:
        """Send one request; its answer's status, headers, body, and whether the connection may be reused."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Answer] = loop.create_future()
        self._answer = answer
        self._head_only, self._max_body = head_only, max_body
        self._last_read = loop.time()
        if read_timeout is not None:
            self._timer = loop.call_at(self._last_read + read_timeout, self._check_read, read_timeout)
        self.transport.write(head)
        try:
            return await answer
        except BaseException:
            self.close()  # a failure or a cancellation: what is still on the wire belongs to no one
            raise
        finally:
            self._answer = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        if self._answer is None or self._answer.done():
            return
        framed = any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self._headers)
        if self._head_done and not framed:
            self._finish(reusable=False)  # a body that ends with the connection (no length, not chunked)
        else:
            self._fail(httpx.RemoteProtocolError("JumpCloud closed the connection before its answer was complete"))

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            self.close()  # bytes nobody asked for: the connection cannot be trusted with another request
            return
        self._last_read = asyncio.get_running_loop().time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"JumpCloud's answer is not valid HTTP/1.1: {exc}"))
            return
        if not self._head_done:
            self._head_size += len(data)  # a head trickling in, counted while it is incomplete
            if self._head_size > MAX_HEAD_BYTES:
                self._fail(httpx.RemoteProtocolError("JumpCloud's answer has a head larger than 64 KiB"))

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self._answer is None or self._answer.done():
            self.close()  # a second answer after ours: bytes nobody asked for
            return
        self._status, self._headers, self._body, self._size, self._head_size = 0, [], [], 0, 0
        self._head_done = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        self._head_size += len(name) + len(value) + 4  # a head that arrived in one read is counted here

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()
        self._keep_alive = self._parser.should_keep_alive()  # read here: llhttp resets it once the message ends
        self._head_done = True
        if self._head_size > MAX_HEAD_BYTES:
            self._fail(httpx.RemoteProtocolError("JumpCloud's answer has a head larger than 64 KiB"))
        elif self._head_only and self._status >= 200:
            self._finish(reusable=False)  # no body follows a HEAD answer, whatever its Content-Length says

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self._max_body:
            self._fail(httpx.RemoteProtocolError(f"JumpCloud's answer is larger than {self._max_body} bytes"))
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:
            return  # an interim answer (100 Continue, 103 Early Hints): the real one follows
        self._finish(reusable=self._keep_alive)

    # outcome

    def _finish(self, *, reusable: bool) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((self._status, self._headers, b"".join(self._body), reusable))

    def _fail(self, failure: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(failure)
        self.close()

    def _check_read(self, read_timeout: float) -> None:
        if self._answer is None or self._answer.done():
            return
        loop = asyncio.get_running_loop()
        due = self._last_read + read_timeout
        if loop.time() >= due:
            self._fail(httpx.ReadTimeout(f"JumpCloud sent nothing for {read_timeout} s"))
        else:
            self._timer = loop.call_at(due, self._check_read, read_timeout)
