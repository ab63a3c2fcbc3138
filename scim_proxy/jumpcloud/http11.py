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

The body comes back whole (httpx decodes a gzip or deflate answer as usual). One connection's
exchange, the request's bytes and the answer's parsing: connection.py.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from typing import Any

import httpx

from scim_proxy.jumpcloud.connection import MAX_BODY_BYTES, Connection, request_bytes

_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


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
        self._idle: dict[Origin, list[Connection]] = {}
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
        head = request_bytes(request, await request.aread())
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

    async def _acquire(self, origin: Origin, request: httpx.Request, timeout: dict[str, Any]) -> Connection:
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

    async def _connect(self, origin: Origin, request: httpx.Request, timeout: float | None) -> Connection:
        scheme, host, port = origin
        context = None
        if scheme == "https":
            context = self._ssl = self._ssl or httpx.create_ssl_context()
        server_hostname = request.extensions.get("sni_hostname") or host if context else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    Connection, host, port, ssl=context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"No connection to {host}:{port} within {timeout} s", request=request) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"Could not connect to {host}:{port}: {exc}", request=request) from exc
        return connection

    def _release(self, origin: Origin, connection: Connection, *, reusable: bool) -> None:
        if reusable and not self._closed and connection.usable(float("-inf")):
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                connection.idle_since = asyncio.get_running_loop().time()
                idle.append(connection)
                self._wake()
                return
        self._forget(connection)

    def _forget(self, connection: Connection) -> None:
        connection.close()
        self._open -= 1
        self._wake()

    def _close_oldest_idle(self) -> bool:
        """At the cap: make room by closing the longest-idle connection of any origin."""
        oldest: list[Connection] | None = None
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
