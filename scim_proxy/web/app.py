"""create_app(settings, *, jumpcloud=None): routes, middleware, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Mount, Route, Router

from scim_proxy.errors import ProxyError
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.ops.mapping_file import load_user_mapping
from scim_proxy.ops.recording import CassetteWriter, RecordingMiddleware
from scim_proxy.settings import Settings
from scim_proxy.web import discovery, groups, groups_disabled, search, users
from scim_proxy.web.auth_guard import AuthGuardMiddleware, FailedAuthBudget
from scim_proxy.web.drain import drain_on_sigterm
from scim_proxy.web.metrics import Metrics
from scim_proxy.web.middleware import (
    ForwardedHeadersMiddleware,
    RequestContextMiddleware,
    RequestObserver,
    TrailingSlashMiddleware,
    UpstreamClientGate,
)
from scim_proxy.web.responses import (
    client_disconnect_handler,
    http_error_handler,
    proxy_error_handler,
    unexpected_error_handler,
)
from scim_proxy.web.tracing import start_tracing

if TYPE_CHECKING:
    from scim_proxy.web.spans import Tracing  # imports OpenTelemetry: only when tracing is on

READ_ONLY = ["GET"]


def scim_routes(*, groups_enabled: bool = True) -> list[BaseRoute]:
    """The SCIM endpoints, mounted at /scim/v2 and at /orgs/{org_id}/scim/v2.

    HEAD is not served on /Users and /Groups: Starlette would run the GET handler, i.e. call
    JumpCloud, to send no body (405 instead). Discovery answers HEAD: it costs nothing.
    """
    routes: list[BaseRoute] = [
        Route("/Users", users.list_users, methods=["GET"]),
        Route("/Users", users.create_user, methods=["POST"]),
        Route("/Users/.search", users.search_users, methods=["POST"]),
        Route("/Users/{id}", users.get_user, methods=["GET"]),
        Route("/Users/{id}", users.replace_user, methods=["PUT"]),
        Route("/Users/{id}", users.patch_user, methods=["PATCH"]),
        Route("/Users/{id}", users.delete_user, methods=["DELETE"]),
        *(group_routes() if groups_enabled else disabled_group_routes()),
        Route("/ServiceProviderConfig", discovery.service_provider_config, methods=READ_ONLY),
        Route("/Schemas", discovery.list_schemas, methods=READ_ONLY),
        Route("/Schemas/{id:path}", discovery.get_schema, methods=READ_ONLY),
        Route("/ResourceTypes", discovery.list_resource_types, methods=READ_ONLY),
        Route("/ResourceTypes/{id}", discovery.get_resource_type, methods=READ_ONLY),
        Route("/.search", search.search_all, methods=["POST"]),
    ]
    for route in routes:
        if isinstance(route, Route) and route.path.startswith(("/Users", "/Groups")) and route.methods:
            route.methods.discard("HEAD")
    return routes


def group_routes() -> list[BaseRoute]:
    return [
        Route("/Groups", groups.list_groups, methods=["GET"]),
        Route("/Groups", groups.create_group, methods=["POST"]),
        Route("/Groups/.search", groups.search_groups, methods=["POST"]),
        Route("/Groups/{id}", groups.get_group, methods=["GET"]),
        Route("/Groups/{id}", groups.replace_group, methods=["PUT"]),
        Route("/Groups/{id}", groups.patch_group, methods=["PATCH"]),
        Route("/Groups/{id}", groups.delete_group, methods=["DELETE"]),
    ]


def disabled_group_routes() -> list[BaseRoute]:
    """Group provisioning off: reads are empty (no quarantine), writes explain how to turn it on."""
    return [
        Route("/Groups", groups_disabled.list_groups, methods=["GET"]),
        Route("/Groups", groups_disabled.group_write, methods=["POST"]),
        Route("/Groups/.search", groups_disabled.list_groups, methods=["POST"]),
        Route("/Groups/{id}", groups_disabled.group_write, methods=["GET", "PUT", "PATCH", "DELETE"]),
    ]


def _mount(path: str, *, groups_enabled: bool) -> Mount:
    # No redirect_slashes: its redirect names the client's Host (TrailingSlashMiddleware serves those paths).
    return Mount(path, app=Router(scim_routes(groups_enabled=groups_enabled), redirect_slashes=False))


def create_app(
    settings: Settings | None = None,
    *,
    jumpcloud: JumpCloudClient | None = None,
    observers: list[RequestObserver] | None = None,
    tracing: Tracing | None = None,
) -> Starlette:
    """The proxy as an ASGI app. Pass `jumpcloud` to inject a client (tests); else the lifespan opens one.

    Tracing comes from `settings.tracing` (the OTEL_* variables) unless `tracing` is injected;
    when it is off, nothing of it is imported or wired.
    """
    settings = settings or Settings()
    metrics = Metrics()
    failures = FailedAuthBudget(
        limit=settings.auth_failures_per_ip, window=settings.auth_failure_window, max_clients=settings.auth_table_size
    )
    tracing = tracing or start_tracing(settings)
    call_observers = [metrics.upstream_call, *([tracing.upstream_call] if tracing else [])]

    def open_jumpcloud() -> JumpCloudClient:
        client = make_jumpcloud_client(settings)
        for observer in call_observers:
            client.add_call_observer(observer)
        return client

    routes: list[BaseRoute] = [
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        Route("/healthz", discovery.healthz, methods=["GET"]),
        Route("/readyz", discovery.readyz, methods=["GET"]),
        _mount("/scim/v2", groups_enabled=settings.groups_enabled),
        _mount("/orgs/{org_id}/scim/v2", groups_enabled=settings.groups_enabled),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pending: asyncio.Future[JumpCloudClient] | None = None
        if app.state.jumpcloud is None:
            # Built off the event loop (aiohttp takes ~0.5 s to import): /healthz answers at once,
            # /readyz and SCIM requests wait for the client (UpstreamClientGate).
            pending = asyncio.ensure_future(asyncio.to_thread(open_jumpcloud))
            app.state.jumpcloud_pending = pending
        try:
            with drain_on_sigterm(settings.shutdown_drain, on_start=lambda: setattr(app.state, "stopping", True)):
                yield
        finally:
            if pending is not None:
                owned = await pending
                await owned.aclose()
                app.state.jumpcloud = None
            if tracing is not None:
                await asyncio.to_thread(tracing.shutdown)  # flushes queued spans: blocking I/O

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(ForwardedHeadersMiddleware, trusted=settings.forwarded_allow_ips),
            Middleware(TrailingSlashMiddleware),
            # Outside RequestContextMiddleware: its observers and the JumpCloud calls see the span.
            *([tracing.middleware()] if tracing else []),
            Middleware(
                RequestContextMiddleware,
                deadline=settings.request_deadline,
                observers=[
                    metrics.request_finished,
                    *([tracing.request_finished] if tracing else []),
                    *(observers or []),
                ],
                on_start=[metrics.request_started],
                record=bool(settings.record_path),
            ),
            Middleware(UpstreamClientGate),
            # After the gate (it reads the client's KeyVerdicts), before the recorder: a request
            # refused here never reached a handler, let alone JumpCloud.
            Middleware(AuthGuardMiddleware, failures=failures, on_rejection=metrics.auth_rejected),
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
            ClientDisconnect: client_disconnect_handler,
            ProxyError: proxy_error_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.stopping = False  # set by the SIGTERM drain: /readyz then answers 503
    app.state.user_mapping = load_user_mapping(settings)  # the attribute table in force, built once
    app.state.jumpcloud = jumpcloud  # httpx.ASGITransport skips the lifespan: an injected client is ready now
    if jumpcloud is not None:
        for observer in call_observers:
            jumpcloud.add_call_observer(observer)
    app.state.metrics = metrics
    metrics.watch_auth(lambda: app.state.jumpcloud, lambda: len(failures))
    return app


def app_from_env() -> Starlette:
    """Factory for uvicorn workers (`--workers N`): settings from the environment."""
    from scim_proxy.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level, allow_personal_data=settings.log_personal_data)
    return create_app(settings)
