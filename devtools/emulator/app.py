"""create_emulator_app(): the routes, the error handlers and the fault layer, around one EmulatorState."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp

from devtools.emulator.config import EmulatorConfig
from devtools.emulator.errors import JcError
from devtools.emulator.faults import FaultMiddleware
from devtools.emulator.groups import group_routes
from devtools.emulator.organizations import organization_routes
from devtools.emulator.state import EmulatorState
from devtools.emulator.users import user_routes
from devtools.emulator.web import http_error_handler, jc_error_handler, server_error_handler


class EmulatorApp(Starlette):
    """A Starlette app whose outermost layer is the fault middleware (outside the 500 handler)."""

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack, wrapped so faults and request counts see every request first."""
        routes = [route for route in self.router.routes if isinstance(route, Route)]
        return FaultMiddleware(super().build_middleware_stack(), emulator=self.state.emulator, routes=routes)


def emulator_routes() -> list[Route]:
    """Every emulated route: v1 users, v2 groups, then the v1 organizations listing."""
    return [*user_routes(), *group_routes(), *organization_routes()]


ROUTE_NAMES: tuple[str, ...] = tuple(str(route.name) for route in emulator_routes())


def create_emulator_app(config: EmulatorConfig | None = None) -> Starlette:
    """An in-memory JumpCloud; its live state is `app.state.emulator` (an EmulatorState)."""
    app = EmulatorApp(
        routes=emulator_routes(),
        exception_handlers={
            JcError: jc_error_handler,
            HTTPException: http_error_handler,
            Exception: server_error_handler,
        },
    )
    app.state.emulator = EmulatorState(config or EmulatorConfig())
    return app
