"""Discovery (/ServiceProviderConfig, /Schemas, /ResourceTypes) and the probes. No upstream calls."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from scim_proxy.errors import NotFound
from scim_proxy.scim import discovery
from scim_proxy.scim.schema import UserSchema
from scim_proxy.web.requests import scim_base, settings_from, user_mapping_from
from scim_proxy.web.responses import ScimResponse, list_response


def _groups(request: Request) -> bool:
    return settings_from(request).groups_enabled


def _schema(request: Request) -> UserSchema:
    return user_mapping_from(request).schema


async def service_provider_config(request: Request) -> Response:
    return ScimResponse(discovery.service_provider_config(scim_base(request)))


async def list_schemas(request: Request) -> Response:
    return _all(discovery.schemas(scim_base(request), groups=_groups(request), schema=_schema(request)))


async def get_schema(request: Request) -> Response:
    documents = discovery.schemas(scim_base(request), groups=_groups(request), schema=_schema(request))
    return _one(documents, request.path_params["id"], kind="Schema")


async def list_resource_types(request: Request) -> Response:
    return _all(discovery.resource_types(scim_base(request), groups=_groups(request), schema=_schema(request)))


async def get_resource_type(request: Request) -> Response:
    documents = discovery.resource_types(scim_base(request), groups=_groups(request), schema=_schema(request))
    return _one(documents, request.path_params["id"], kind="ResourceType")


def _all(documents: list[dict[str, Any]]) -> Response:
    return list_response(len(documents), 1, documents)


def _one(documents: list[dict[str, Any]], wanted: str, *, kind: str) -> Response:
    """The document whose id is `wanted`, in any case; 404 naming (the start of) what was asked."""
    folded = wanted.lower()
    for document in documents:
        if document["id"].lower() == folded:
            return ScimResponse(document)
    raise NotFound(f"{kind} {wanted[:200]!r} not found")


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
