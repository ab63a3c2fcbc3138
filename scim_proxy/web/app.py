"""create_app(settings, *, jumpcloud=None): routes, middleware, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route

from scim_proxy.errors import FeatureDisabled, ProxyError
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.client import JumpCloudClient, RetryPolicy
from scim_proxy.jumpcloud.responses import CookielessTransport
from scim_proxy.ops.recording import CassetteWriter, RecordingMiddleware
from scim_proxy.settings import Settings
from scim_proxy.web import discovery, groups, users
from scim_proxy.web.metrics import Metrics
from scim_proxy.web.middleware import RequestContextMiddleware, RequestObserver, UpstreamClientGate
from scim_proxy.web.responses import http_error_handler, proxy_error_handler, unexpected_error_handler

READ_ONLY = ["GET"]


async def _root_search(request: Any) -> Any:
    raise FeatureDisabled("Search across resource types is not supported; use /Users/.search")


def scim_routes() -> list[BaseRoute]:
    """The SCIM endpoints, mounted at /scim/v2 and at /orgs/{org_id}/scim/v2."""
    return [
        Route("/Users", users.list_users, methods=["GET"]),
        Route("/Users", users.create_user, methods=["POST"]),
        Route("/Users/.search", users.search_users, methods=["POST"]),
        Route("/Users/{id}", users.get_user, methods=["GET"]),
        Route("/Users/{id}", users.replace_user, methods=["PUT"]),
        Route("/Users/{id}", users.patch_user, methods=["PATCH"]),
        Route("/Users/{id}", users.delete_user, methods=["DELETE"]),
        Route("/Groups", groups.list_groups, methods=["GET"]),
        Route("/Groups", groups.create_group, methods=["POST"]),
        Route("/Groups/{id}", groups.group_by_id, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route("/ServiceProviderConfig", discovery.service_provider_config, methods=READ_ONLY),
        Route("/Schemas", discovery.list_schemas, methods=READ_ONLY),
        Route("/Schemas/{id:path}", discovery.get_schema, methods=READ_ONLY),
        Route("/ResourceTypes", discovery.list_resource_types, methods=READ_ONLY),
        Route("/ResourceTypes/{id}", discovery.get_resource_type, methods=READ_ONLY),
        Route("/.search", _root_search, methods=["POST"]),
    ]


def create_app(
    settings: Settings | None = None,
    *,
    jumpcloud: JumpCloudClient | None = None,
    observers: list[RequestObserver] | None = None,
) -> Starlette:
    """The proxy as an ASGI app. Pass `jumpcloud` to inject a client (tests); else the lifespan opens one."""
    settings = settings or Settings()
    metrics = Metrics()
    routes: list[BaseRoute] = [
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        Route("/healthz", discovery.healthz, methods=["GET"]),
        Route("/readyz", discovery.readyz, methods=["GET"]),
        Mount("/scim/v2", routes=scim_routes()),
        Mount("/orgs/{org_id}/scim/v2", routes=scim_routes()),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pending: asyncio.Future[JumpCloudClient] | None = None
        if app.state.jumpcloud is None:
            # Built off the event loop (aiohttp takes ~0.5 s to import): /healthz answers at once,
            # /readyz and SCIM requests wait for the client (UpstreamClientGate).
            pending = asyncio.ensure_future(
                asyncio.to_thread(make_jumpcloud_client, settings, on_call=metrics.upstream_call)
            )
            app.state.jumpcloud_pending = pending
        try:
            yield
        finally:
            if pending is not None:
                owned = await pending
                await owned.aclose()
                app.state.jumpcloud = None

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                RequestContextMiddleware,
                deadline=settings.request_deadline,
                observers=[metrics.request_finished, *(observers or [])],
                on_start=[metrics.request_started],
                record=bool(settings.record_path),
            ),
            Middleware(UpstreamClientGate),
            # `serve --record`: inside RequestContextMiddleware, so it shares that request's
            # UpstreamStats (and its recorded JumpCloud exchanges) and request id.
            *(
                [
                    Middleware(
                        RecordingMiddleware,
                        writer=CassetteWriter(
                            settings.record_path,
                            max_bytes=settings.record_max_bytes,
                            backups=settings.record_backups,
                        ),
                        max_body_bytes=settings.max_body_bytes,
                    )
                ]
                if settings.record_path
                else []
            ),
        ],
        exception_handlers={
            ProxyError: proxy_error_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.jumpcloud = jumpcloud  # httpx.ASGITransport skips the lifespan: an injected client is ready now
    if jumpcloud is not None:
        jumpcloud.add_call_observer(metrics.upstream_call)
    app.state.metrics = metrics
    app.state.groups_available = True
    return app


def make_jumpcloud_client(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_call: Any = None,
    upstream_client: str | None = None,
) -> JumpCloudClient:
    """The production client: one pooled connection set to the configured JumpCloud.

    `upstream_client` (default: the setting) picks the transport under the httpx API:
    "aiohttp" is `httpx_aiohttp.AiohttpTransport`, 1.4-2x the throughput of httpx's own
    (httpcore) at concurrency 10-50 for half the CPU per request (`make bench`); "httpx" is
    httpx's own. An injected `transport` (tests: respx behind httpx.MockTransport) always wins.
    """
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
    kind = upstream_client or settings.upstream_client
    if transport is None:
        if kind == "aiohttp":
            from httpx_aiohttp import AiohttpTransport  # imported here: it is slow, see lifespan

            transport = AiohttpTransport(limits=limits, client=lambda: _aiohttp_session(limits))
        else:
            transport = httpx.AsyncHTTPTransport(limits=limits)
    http = httpx.AsyncClient(
        base_url=settings.jumpcloud_url,
        transport=CookielessTransport(transport),
        timeout=httpx.Timeout(settings.upstream_timeout, connect=min(5.0, settings.upstream_timeout)),
        limits=limits,
        follow_redirects=False,  # a redirect could lead the API key to another host
        headers={"user-agent": "scim-proxy"},
    )
    retry = RetryPolicy(
        attempts=settings.retry_attempts,
        wait_initial=settings.retry_backoff,
        wait_max=settings.retry_backoff_max,
        retry_after_cap=settings.retry_after_cap,
    )
    limiter = budget.KeyLimiter(settings.max_upstream_concurrency, settings.max_queued)
    return JumpCloudClient(
        http, retry=retry, limiter=limiter, upstream_timeout=settings.upstream_timeout, on_call=on_call
    )


def _aiohttp_session(limits: httpx.Limits) -> Any:
    """aiohttp's session for the transport, without a cookie jar (see CookielessTransport)."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=limits.max_connections or 100, keepalive_timeout=limits.keepalive_expiry)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


def app_from_env() -> Starlette:
    """Factory for uvicorn workers (`--workers N`): settings from the environment."""
    from scim_proxy.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level, allow_personal_data=settings.log_personal_data)
    return create_app(settings)
