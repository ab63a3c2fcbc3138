"""create_app(settings, *, jumpcloud=None): routes, middleware, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route

from scim_proxy.errors import FeatureDisabled, ProxyError
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.ops.recording import CassetteWriter, RecordingMiddleware
from scim_proxy.settings import Settings
from scim_proxy.translate.users import UserMapping
from scim_proxy.web import discovery, groups, groups_disabled, users
from scim_proxy.web.auth_guard import AuthGuardMiddleware, FailedAuthBudget
from scim_proxy.web.metrics import Metrics
from scim_proxy.web.middleware import RequestContextMiddleware, RequestObserver, UpstreamClientGate
from scim_proxy.web.responses import http_error_handler, proxy_error_handler, unexpected_error_handler

READ_ONLY = ["GET"]


async def _root_search(request: Any) -> Any:
    raise FeatureDisabled("Search across resource types is not supported; use /Users/.search")


def scim_routes(*, groups_enabled: bool = True) -> list[BaseRoute]:
    """The SCIM endpoints, mounted at /scim/v2 and at /orgs/{org_id}/scim/v2."""
    return [
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
        Route("/.search", _root_search, methods=["POST"]),
    ]


def group_routes() -> list[BaseRoute]:
    return [
        Route("/Groups", groups.list_groups, methods=["GET"]),
        Route("/Groups", groups.create_group, methods=["POST"]),
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
        Route("/Groups/{id}", groups_disabled.group_write, methods=["GET", "PUT", "PATCH", "DELETE"]),
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
    failures = FailedAuthBudget(
        limit=settings.auth_failures_per_ip, window=settings.auth_failure_window, max_clients=settings.auth_table_size
    )
    routes: list[BaseRoute] = [
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        Route("/healthz", discovery.healthz, methods=["GET"]),
        Route("/readyz", discovery.readyz, methods=["GET"]),
        Mount("/scim/v2", routes=scim_routes(groups_enabled=settings.groups_enabled)),
        Mount("/orgs/{org_id}/scim/v2", routes=scim_routes(groups_enabled=settings.groups_enabled)),
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
            ProxyError: proxy_error_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.user_mapping = user_mapping(settings)
    app.state.jumpcloud = jumpcloud  # httpx.ASGITransport skips the lifespan: an injected client is ready now
    if jumpcloud is not None:
        jumpcloud.add_call_observer(metrics.upstream_call)
    app.state.metrics = metrics
    metrics.watch_auth(lambda: app.state.jumpcloud, lambda: len(failures))
    return app


def user_mapping(settings: Settings) -> UserMapping:
    """How this deployment translates users: the attribute table and the user settings."""
    return UserMapping(username_from_email=settings.username_from_email)


def app_from_env() -> Starlette:
    """Factory for uvicorn workers (`--workers N`): settings from the environment."""
    from scim_proxy.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level, allow_personal_data=settings.log_personal_data)
    return create_app(settings)
