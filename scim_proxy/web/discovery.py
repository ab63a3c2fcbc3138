"""Discovery (/ServiceProviderConfig, /Schemas, /ResourceTypes) and the probes. No upstream calls."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from scim_proxy.errors import NotFound
from scim_proxy.scim import discovery
from scim_proxy.scim.schema import LIST_RESPONSE, UserSchema
from scim_proxy.web.requests import scim_base, settings_from, user_mapping_from
from scim_proxy.web.responses import ScimResponse


def _groups(request: Request) -> bool:
    return settings_from(request).groups_enabled


def _schema(request: Request) -> UserSchema:
    return user_mapping_from(request).schema


async def service_provider_config(request: Request) -> Response:
    return ScimResponse(discovery.service_provider_config(scim_base(request)))


async def list_schemas(request: Request) -> Response:
    return _list_response(discovery.schemas(scim_base(request), groups=_groups(request), schema=_schema(request)))


async def get_schema(request: Request) -> Response:
    wanted = request.path_params["id"]
    for document in discovery.schemas(scim_base(request), groups=_groups(request), schema=_schema(request)):
        if document["id"].lower() == wanted.lower():
            return ScimResponse(document)
    raise NotFound(f"Schema {wanted[:200]!r} not found")


async def list_resource_types(request: Request) -> Response:
    return _list_response(
        discovery.resource_types(scim_base(request), groups=_groups(request), schema=_schema(request))
    )


async def get_resource_type(request: Request) -> Response:
    wanted = request.path_params["id"]
    for document in discovery.resource_types(scim_base(request), groups=_groups(request), schema=_schema(request)):
        if document["id"].lower() == wanted.lower():
            return ScimResponse(document)
    raise NotFound(f"ResourceType {wanted[:200]!r} not found")


def _list_response(documents: list[dict[str, object]]) -> Response:
    return ScimResponse(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": len(documents),
            "startIndex": 1,
            "itemsPerPage": len(documents),
            "Resources": documents,
        }
    )


async def healthz(request: Request) -> Response:
    """Liveness: the process answers; never calls JumpCloud."""
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    """Readiness: the upstream client exists and no SIGTERM drain is under way; never calls JumpCloud."""
    state = request.app.state
    if getattr(state, "stopping", False):
        return PlainTextResponse("stopping", status_code=503)
    pending = getattr(state, "jumpcloud_pending", None)
    if getattr(state, "jumpcloud", None) is None and pending is not None and pending.done():
        state.jumpcloud = pending.result()
    if getattr(state, "jumpcloud", None) is None:
        return PlainTextResponse("starting", status_code=503)
    return PlainTextResponse("ready")
