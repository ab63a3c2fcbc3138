"""The production transport under httpx: HTTP/1.1 over asyncio, answers parsed by httptools.

JumpCloud calls are small JSON exchanges on kept-alive connections, and that is all this
does, at a fraction of the CPU of the general clients (`make bench`: ~40 µs per call against
~130 for aiohttp and ~210 for aiohttp under httpx-aiohttp, which was a fifth of the proxy's CPU):

- one write per request (head and body together), one httptools parser per connection;
- connections kept alive per origin, the most recently used first; at most `max_connections`
  open, at most `max_keepalive_connections` idle, an idle one older than `keepalive_expiry`
  closed when next looked at;
- nothing is ever sent twice: a request that fails on a kept-alive connection the server
  closed meanwhile is the caller's to retry (JumpCloudClient counts and records every attempt);
- httpx's timeouts: `connect`, `pool` (waiting for a free connection), `read` (the longest
  wait for the next bytes of the answer, from the send on);
- bounded answers: a head of at most 64 KiB, a body of at most `max_body_bytes`;
- failures as httpx's exceptions (ConnectError, ConnectTimeout, PoolTimeout, ReadTimeout,
  RemoteProtocolError, LocalProtocolError, UnsupportedProtocol), so the client maps them once.

The body comes back whole (httpx decodes a gzip or deflate answer as usual).
"""

from __future__ import annotations

import asyncio
import collections
import re
import ssl
from typing import Any, cast

import httptools
import httpx

MAX_HEAD_BYTES = 65_536
MAX_BODY_BYTES = 256 * 1024 * 1024
_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(rb"[\r\n\x00]")  # a header or target holding one could smuggle a second request

Origin = tuple[str, str, int]
_Answer = tuple[int, list[tuple[bytes, bytes]], bytes, bool]  # status, headers, body, connection reusable


class Http11Transport(httpx.AsyncBaseTransport):
    """httpx's transport contract over pooled HTTP/1.1 connections (see the module docstring)."""

    def __init__(
        self,
        *,
        limits: httpx.Limits | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        limits = limits or httpx.Limits()
        self._max_open = max(1, limits.max_connections or 100)
        idle = limits.max_keepalive_connections
        self._max_idle = self._max_open if idle is None else min(max(0, idle), self._max_open)
        self._expiry = limits.keepalive_expiry if limits.keepalive_expiry is not None else float("inf")
        self._ssl = ssl_context
        self._max_body = max_body_bytes
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in _PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}://'.")
        origin = (scheme, url.host, url.port or _PORTS[scheme])
        timeout = request.extensions.get("timeout") or {}
        head = _head(request, await request.aread())
        connection = await self._acquire(origin, request, timeout)
        answer = None
        try:
            answer = await connection.exchange(head, request.method == "HEAD", timeout.get("read"), self._max_body)
        finally:
            self._release(origin, connection, reusable=answer is not None and answer[3])
        status, headers, body, _ = answer
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(body), extensions={"http_version": b"HTTP/1.1"}
        )

    async def aclose(self) -> None:
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    async def _acquire(self, origin: Origin, request: httpx.Request, timeout: dict[str, Any]) -> _Connection:
        """A kept-alive connection to `origin`, else a new one once the cap allows (PoolTimeout after `pool`)."""
        if self._closed:
            raise RuntimeError("the transport is closed")
        loop = asyncio.get_running_loop()
        pool_timeout = timeout.get("pool")
        deadline = None if pool_timeout is None else loop.time() + pool_timeout
        while True:
            idle = self._idle.get(origin)
            while idle:
                connection = idle.pop()
                if connection.usable(loop.time() - self._expiry):
                    return connection
                self._forget(connection)
            if self._open < self._max_open:
                break
            if not self._close_oldest_idle():
                await self._wait_for_room(deadline)
        self._open += 1
        try:
            return await self._connect(origin, request, timeout.get("connect"))
        except BaseException:
            self._open -= 1
            self._wake()
            raise

    async def _connect(self, origin: Origin, request: httpx.Request, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        context = None
        if scheme == "https":
            context = self._ssl = self._ssl or httpx.create_ssl_context()
        server_hostname = request.extensions.get("sni_hostname") or host if context else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    _Connection, host, port, ssl=context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"No connection to {host}:{port} within {timeout} s", request=request) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"Could not connect to {host}:{port}: {exc}", request=request) from exc
        return connection

    def _release(self, origin: Origin, connection: _Connection, *, reusable: bool) -> None:
        if reusable and not self._closed and connection.usable(float("-inf")):
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                connection.idle_since = asyncio.get_running_loop().time()
                idle.append(connection)
                self._wake()
                return
        connection.close()
        self._forget(connection)

    def _forget(self, connection: _Connection) -> None:
        connection.close()
        self._open -= 1
        self._wake()

    def _close_oldest_idle(self) -> bool:
        """At the cap: make room by closing the longest-idle connection of any origin."""
        oldest: list[_Connection] | None = None
        for connections in self._idle.values():
            if connections and (oldest is None or connections[0].idle_since < oldest[0].idle_since):
                oldest = connections
        if oldest is None:
            return False
        self._forget(oldest.pop(0))
        return True

    async def _wait_for_room(self, deadline: float | None) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._wake()  # woken just as it gave up: the turn goes to the next waiter
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise httpx.PoolTimeout("Every connection to JumpCloud stayed busy") from exc
            raise

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


def _head(request: httpx.Request, body: bytes) -> bytes:
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


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one exchange at a time, each answer parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._lost = False
        self._answer: asyncio.Future[_Answer] | None = None
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

    async def exchange(self, head: bytes, head_only: bool, read_timeout: float | None, max_body: int) -> _Answer:
        """Send one request; its answer's status, headers, body, and whether the connection may be reused."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[_Answer] = loop.create_future()
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
