"""The HTTP/1.1 protocol uvicorn runs for us: httptools, plus the limits uvicorn does not have.

uvicorn bounds only the idle time between two requests (`timeout_keep_alive`), and its
keep-alive timer is cancelled by the first byte of the next request: a client that trickles
a request head one byte at a time, or connects and sends nothing, holds its connection (and
a file descriptor) forever; `limit_concurrency` counts those connections but still accepts
new ones. This subclass adds, per connection (the rules hyper and Node apply):

- `header_timeout`: the request head (request line and headers) must be complete within
  this many seconds of connecting, or of its first byte on a reused connection; else 408
  and close;
- `max_header_bytes`: a head larger than this is answered 431 and the connection closed,
  counted both on the bytes received while a head is incomplete (httptools itself buffers
  heads without limit) and on the parsed request line and headers (a head sent in one read);
- `body_timeout`: the body must have arrived within this many seconds of the head;
  else the connection is closed (the app sees a disconnect);
- `max_requests_per_connection`: the response that reaches it says `Connection: close`;
- `max_connections`: a new connection beyond the cap closes the connection that has been
  idle longest (no request in progress: fresh, between requests, or still sending its
  head), or, when every connection is busy with a request, is itself answered 503 and closed.

It also sends each response head together with the first bytes of its body, in one write:
uvicorn writes them apart, and a write to a socket was a tenth of a SCIM request's CPU.

So a slowloris costs its sender one connection slot for at most `header_timeout` seconds,
and cannot push out connections that are serving requests.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import weakref
from collections.abc import Callable
from typing import Any

import attrs
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

_REFUSALS = {
    408: b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    503: b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\nretry-after: 1\r\n\r\n",
}


_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

_IDLE: weakref.WeakKeyDictionary[ServerState, collections.OrderedDict[BoundedHttpProtocol, None]] = (
    weakref.WeakKeyDictionary()
)


class _HeadTooLarge(Exception):
    """Raised inside a parser callback: the head is larger than max_header_bytes."""


@attrs.frozen(kw_only=True)
class ServerLimits:
    """Per-connection limits (seconds, bytes, counts); see the module docstring."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_header_bytes: int = 32_768
    max_connections: int = 1000
    max_requests_per_connection: int = 1000


def bounded_http(limits: ServerLimits) -> Callable[..., asyncio.Protocol]:
    """uvicorn's `http=` argument: our protocol with `limits` (a partial, so `--workers` can pickle it)."""
    return functools.partial(BoundedHttpProtocol, limits=limits)


class BoundedHttpProtocol(HttpToolsProtocol):
    """httptools' protocol with the limits above; uvicorn's own behaviour is otherwise unchanged."""

    def __init__(self, *args: Any, limits: ServerLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        # Connections with no request in progress, longest idle first, shared by this server's connections.
        self._idle = _IDLE.setdefault(self.server_state, collections.OrderedDict())
        self._head_bytes: int | None = None  # bytes received while a request head is incomplete
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._requests = 0
        self._head_size = 0  # bytes of request line and headers the parser has handed over
        self._head_too_large = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]  # uvicorn's own signature narrows it
        self._expect_head()
        if len(self.connections) > self.limits.max_connections:
            self._make_room()
        if not self.transport.is_closing():
            self._idle[self] = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        self._idle.pop(self, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is not None:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._head_bytes is not None and self._head_bytes > self.limits.max_header_bytes:
            self._refuse(431)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_size = 0
        if self._head_bytes is None:
            self._expect_head()

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._head_size > self.limits.max_header_bytes:
            # The head arrived in one read, under the byte count above: refuse it before the app runs.
            # httptools turns this into a parser error, which uvicorn answers with send_400_response.
            self._head_too_large = True
            raise _HeadTooLarge
        self._head_bytes = None
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._idle.pop(self, None)
        super().on_headers_complete()
        if self.cycle is not None:
            self.cycle.transport = _HeadWithBody(self.transport)  # type: ignore[assignment]  # duck-typed
        self._requests += 1
        if self._requests >= self.limits.max_requests_per_connection and self.cycle is not None:
            self.cycle.keep_alive = False
        self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_timed_out)

    def on_message_complete(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        if self.cycle is not None and isinstance(self.cycle.transport, _HeadWithBody):
            self.cycle.transport.flush()  # a response without body bytes (HEAD, 204): its head alone
        next_queued = bool(self.pipeline)  # uvicorn starts it now: the connection stays busy
        super().on_response_complete()
        if not next_queued and not self.transport.is_closing():
            self._idle[self] = None  # to the end: idle since now

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse(431)
            return
        super().send_400_response(msg)

    def _expect_head(self) -> None:
        self._head_bytes = 0
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._head_bytes is not None:
            self._drop()

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: int) -> None:
        """Answer `status` without a body and close; mid-response only close (the bytes would interleave)."""
        self._cancel_timers()
        self._head_bytes = None
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_REFUSALS[status])
        self.transport.close()

    def _make_room(self) -> None:
        """Over the cap: close the longest-idle connection (O(1)), or refuse this one when none is idle."""
        if not self._idle:
            self._refuse(503)
            return
        oldest = next(iter(self._idle))
        self._idle.pop(oldest)
        oldest._drop()

    def _drop(self) -> None:
        """Close a connection with no request in progress: 408 if it began sending one, else silently."""
        if self._head_bytes:
            self._refuse(408)
            return
        self._cancel_timers()
        self._head_bytes = None
        if not self.transport.is_closing():
            self.transport.close()

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None


class _HeadWithBody:
    """The socket as one response sees it: the head is held until the body's first bytes, then both go
    in one write. `100 Continue` goes at once (the client waits for it); close() sends what is held first."""

    __slots__ = ("_held", "_started", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._started = False

    def write(self, data: bytes) -> None:
        if not self._started and data != _CONTINUE:
            self._started = True
            self._held = data
            return
        if self._held is not None:
            data, self._held = self._held + data, None
        self._transport.write(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def close(self) -> None:
        self.flush()
        self._transport.close()
