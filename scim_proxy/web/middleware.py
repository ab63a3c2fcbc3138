"""Pure-ASGI middleware: request id, upstream bookkeeping, one log event per request, forwarded headers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from scim_proxy.jumpcloud import budget
from scim_proxy.web.requests import is_host

log = structlog.get_logger("scim_proxy")
_REQUEST_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")
# Polled constantly: no log line, no request metrics, no span, and no wait for the JumpCloud client.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

RequestObserver = Callable[[dict[str, Any]], None]
StartObserver = Callable[[], None]


class RequestContextMiddleware:
    """Honours or generates X-Request-ID, echoes it, and logs `scim_request` when the response is done."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        deadline: float,
        observers: list[RequestObserver] | None = None,
        on_start: list[StartObserver] | None = None,
        record: bool = False,
    ) -> None:
        self.on_start = on_start or []
        self.app = app
        self.deadline = deadline
        self.observers = observers or []
        self.record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        stats = budget.begin_request(self.deadline, record=self.record)
        started = time.perf_counter()
        status = [500]
        for hook in self.on_start:
            hook()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            endpoint = scope.get("endpoint")
            summary = {
                "request_id": request_id,
                "method": scope["method"],
                "path": scope["path"],
                "operation": getattr(endpoint, "__name__", "unknown"),
                "status": status[0],
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "upstream_calls": stats.calls,
                "upstream_ms": round(stats.seconds * 1000, 2),
                "retries": stats.retries,
                "jc_user_id": stats.user_id,
                "user_name": stats.user_name,
                "org_id": scope.get("path_params", {}).get("org_id"),
            }
            for observer in self.observers:
                observer(summary)
            if scope["path"] not in PROBE_PATHS:
                log.info("scim_request", **{k: v for k, v in summary.items() if k != "request_id"})


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if 0 < len(candidate) <= 128 and _REQUEST_ID_CHARS.issuperset(candidate):
                return candidate
    return uuid.uuid4().hex


class UpstreamClientGate:
    """Holds SCIM requests until the lifespan's JumpCloud client exists; probes pass straight through.

    The client is built off the event loop (its transport is slow to import), so liveness
    answers immediately after start-up while requests that need JumpCloud wait for it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in PROBE_PATHS:
            state = scope["app"].state
            pending = getattr(state, "jumpcloud_pending", None)
            if state.jumpcloud is None and pending is not None:
                state.jumpcloud = await asyncio.shield(pending)
        await self.app(scope, receive, send)


class ForwardedHeadersMiddleware:
    """X-Forwarded-For and -Proto by uvicorn's rules, plus X-Forwarded-Host, only from trusted proxies.

    uvicorn's own proxy-headers middleware ignores X-Forwarded-Host, and once it has run the
    connecting address is gone from the scope, so the trust check for the host happens here
    first. A trusted proxy's X-Forwarded-Host (its last value: what that proxy saw) replaces
    the Host header when it is a well-formed host; from anyone else it is ignored.
    """

    def __init__(self, app: ASGIApp, *, trusted: str) -> None:
        self.app = app
        self._uvicorn = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            if client and client[0] in self._uvicorn.trusted_hosts:
                forwarded = _forwarded_host(scope["headers"])
                if forwarded is not None:
                    headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
                    scope["headers"] = [*headers, (b"host", forwarded.encode("ascii"))]
        await self._uvicorn(scope, receive, send)  # type: ignore[arg-type]


def _forwarded_host(headers: list[tuple[bytes, bytes]]) -> str | None:
    values = [value for name, value in headers if name == b"x-forwarded-host"]
    if not values:
        return None
    last = values[-1].decode("latin-1").rsplit(",", 1)[-1].strip()
    return last if is_host(last) else None


class TrailingSlashMiddleware:
    """Serves `/scim/v2/Users/` as `/scim/v2/Users` instead of redirecting.

    Starlette's redirect builds an absolute URL from the Host header, i.e. a host the client
    chose; routing the trimmed path needs no URL at all (and keeps a POST body).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope["path"] = path.rstrip("/") or "/"  # in place: outer middleware reads this scope's route
        await self.app(scope, receive, send)
