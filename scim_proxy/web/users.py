"""/Users: thin handlers (decode -> provision -> encode). The rules live in scim/, translate/, provision/."""

from __future__ import annotations

from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.jumpcloud import budget
from scim_proxy.provision import users as provision
from scim_proxy.provision.user_creates import create_user as create
from scim_proxy.scim.listing import ListParams, list_params
from scim_proxy.scim.models import Parsed, ScimUser
from scim_proxy.scim.patch import parse_patch
from scim_proxy.scim.projection import project
from scim_proxy.scim.resources import parse_user
from scim_proxy.translate.render import render_user
from scim_proxy.web.requests import (
    credentials_from,
    jumpcloud_users_from,
    read_json,
    resource_id,
    scim_base,
    search_request,
    settings_from,
    user_mapping_from,
)
from scim_proxy.web.responses import ScimResponse, list_response

log = structlog.get_logger("scim_proxy")


async def list_users(request: Request) -> Response:
    """GET /Users: a filter, or a page of everyone; no match is 200 with an empty list."""
    return await _list(request, list_params(dict(request.query_params)))


async def search_users(request: Request) -> Response:
    """POST /Users/.search: the same as GET /Users, with the parameters in a SearchRequest body."""
    return await _list(request, await search_request(request))


async def _list(request: Request, params: ListParams) -> Response:
    total, resources = await user_listing(request, params)
    return list_response(total, params.start_index, resources)


async def user_listing(
    request: Request, params: ListParams, *, lenient: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    """The total and the page's rendered users for `params` (also used by the root `/.search`)."""
    mapping = user_mapping_from(request)
    base = scim_base(request)
    page = await provision.find_users(
        jumpcloud_users_from(request),
        params,
        auth=credentials_from(request),
        mapping=mapping,
        base=base,
        scan_limit=settings_from(request).filter_scan_limit,
        lenient=lenient,
    )
    rendered = page.resources
    if rendered is None:
        rendered = tuple(render_user(u, base=base, schema=mapping.schema) for u in page.users)
    return page.total, [project(r, attributes=params.attributes, excluded=params.excluded) for r in rendered]


async def get_user(request: Request) -> Response:
    """GET /Users/{id}: one JumpCloud call; attributes/excludedAttributes applied here."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))  # a bad parameter is refused before any call
    mapping = user_mapping_from(request)
    user = await provision.read_user(jumpcloud_users_from(request), user_id, auth=auth, mapping=mapping)
    return _user_response(request, user, params=params)


async def create_user(request: Request) -> Response:
    """POST /Users: 201 with Location."""
    auth = credentials_from(request)
    mapping = user_mapping_from(request)
    parsed = _logged(parse_user(await read_json(request), mapping.schema))
    user = await create(jumpcloud_users_from(request), parsed, auth=auth, mapping=mapping)
    return _user_response(request, user, status=201)


async def replace_user(request: Request) -> Response:
    """PUT /Users/{id}: every mapped attribute set; absent ones cleared; a read and a write."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    mapping = user_mapping_from(request)
    parsed = _logged(parse_user(await read_json(request), mapping.schema))
    user = await provision.replace_user(jumpcloud_users_from(request), user_id, parsed, auth=auth, mapping=mapping)
    return _user_response(request, user)


async def patch_user(request: Request) -> Response:
    """PATCH /Users/{id}: both Entra dialects become one PUT of the changed fields; 200 + resource."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))
    mapping = user_mapping_from(request)
    parsed = _logged(parse_patch(await read_json(request), mapping.schema))
    user = await provision.patch_user(jumpcloud_users_from(request), user_id, parsed, auth=auth, mapping=mapping)
    return _user_response(request, user, params=params)


async def delete_user(request: Request) -> Response:
    """DELETE /Users/{id}: 204."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    budget.current().user_id = user_id
    await provision.delete_user(jumpcloud_users_from(request), user_id, auth=auth, mapping=user_mapping_from(request))
    return Response(status_code=204)


def _user_response(
    request: Request, user: ScimUser, *, status: int = 200, params: ListParams | None = None
) -> Response:
    stats = budget.current()
    user_name = user.get("user_name")
    stats.user_id, stats.user_name = user.id, user_name if isinstance(user_name, str) else None
    resource: dict[str, Any] = render_user(user, base=scim_base(request), schema=user_mapping_from(request).schema)
    if params is not None:
        resource = project(resource, attributes=params.attributes, excluded=params.excluded)
    headers = {"Location": resource["meta"]["location"]} if status == 201 else None
    return ScimResponse(resource, status_code=status, headers=headers)


def _logged(parsed: Parsed) -> Parsed:
    if parsed.ignored:
        log.info("attributes_ignored", paths=list(parsed.ignored)[:20])
    return parsed
