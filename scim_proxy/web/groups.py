"""/Groups: thin handlers (decode -> provision -> encode) over JumpCloud v2 user groups.

The rules live in scim/groups.py and scim/group_patch.py (parsing), translate/groups.py
(mapping) and provision/groups.py (lookups, create recovery, membership reconciliation).
With `groups_enabled` off, app.py mounts groups_disabled.py's handlers instead of these.
"""

from __future__ import annotations

from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.provision import groups as provision
from scim_proxy.provision.groups import GroupView
from scim_proxy.scim.group_patch import parse_group_patch
from scim_proxy.scim.groups import parse_group
from scim_proxy.scim.listing import ListParams, list_params
from scim_proxy.scim.projection import project
from scim_proxy.scim.schema import CORE_GROUP
from scim_proxy.translate.groups import to_scim_group
from scim_proxy.web.requests import (
    credentials_from,
    jumpcloud_groups_from,
    read_json,
    resource_id,
    scim_base,
    search_request,
    settings_from,
)
from scim_proxy.web.responses import ScimResponse, list_response

log = structlog.get_logger("scim_proxy")


async def list_groups(request: Request) -> Response:
    """GET /Groups: the full filter language, sortBy/sortOrder, or a page of all groups."""
    return await _list(request, list_params(dict(request.query_params)))


async def search_groups(request: Request) -> Response:
    """POST /Groups/.search: the same as GET /Groups, with the parameters in a SearchRequest body."""
    return await _list(request, await search_request(request))


async def _list(request: Request, params: ListParams) -> Response:
    total, resources = await group_listing(request, params)
    return list_response(total, params.start_index, resources)


async def group_listing(
    request: Request, params: ListParams, *, lenient: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    """The total and the page's rendered groups for `params` (also used by the root `/.search`)."""
    base = scim_base(request)
    total, views = await provision.find_groups(
        jumpcloud_groups_from(request),
        params,
        auth=credentials_from(request),
        base=base,
        scan_limit=settings_from(request).filter_scan_limit,
        lenient=lenient,
        with_members=_wants_members(params),
    )
    return total, [_render(view, base, params) for view in views]


async def create_group(request: Request) -> Response:
    """POST /Groups: 201 + Location; a displayName already taken is 409 uniqueness."""
    auth = credentials_from(request)
    wanted = parse_group(await read_json(request), max_members=settings_from(request).max_group_members)
    view = await provision.create_group(jumpcloud_groups_from(request), wanted, auth=auth)
    resource = to_scim_group(view.group, view.members, base=scim_base(request))
    return ScimResponse(resource, status_code=201, headers={"Location": resource["meta"]["location"]})


async def get_group(request: Request) -> Response:
    """GET /Groups/{id}: one call, plus the member pages unless members are excluded."""
    group_id = resource_id(request, "Group")
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))
    jc = jumpcloud_groups_from(request)
    view = await provision.read_group(jc, group_id, auth=auth, with_members=_wants_members(params))
    return ScimResponse(_render(view, scim_base(request), params))


async def replace_group(request: Request) -> Response:
    """PUT /Groups/{id}: name and externalId replaced (absent: cleared); members set when given."""
    group_id = resource_id(request, "Group")
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))  # a bad parameter is refused before any call
    wanted = parse_group(await read_json(request), max_members=settings_from(request).max_group_members)
    view = await provision.replace_group(jumpcloud_groups_from(request), group_id, wanted, auth=auth)
    return ScimResponse(_render(view, scim_base(request), params))


async def patch_group(request: Request) -> Response:
    """PATCH /Groups/{id}: 204, or 200 with the resource when `attributes` is asked for."""
    group_id = resource_id(request, "Group")
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))  # a bad parameter is refused before any call
    patch = parse_group_patch(await read_json(request), max_members=settings_from(request).max_group_members)
    if patch.ignored:
        log.info("attributes_ignored", paths=list(patch.ignored)[:20], resource="Group")
    jc = jumpcloud_groups_from(request)
    await provision.patch_group(jc, group_id, patch, auth=auth)
    if params.attributes:
        view = await provision.read_group(jc, group_id, auth=auth, with_members=_wants_members(params))
        return ScimResponse(_render(view, scim_base(request), params))
    return Response(status_code=204)


async def delete_group(request: Request) -> Response:
    """DELETE /Groups/{id}: 204."""
    group_id = resource_id(request, "Group")
    await provision.delete_group(jumpcloud_groups_from(request), group_id, auth=credentials_from(request))
    return Response(status_code=204)


def _wants_members(params: ListParams) -> bool:
    """Whether the answer shows members: not excluded, and asked for when `attributes` is given."""
    excluded = {_top(name) for name in params.excluded}
    wanted = {_top(name) for name in params.attributes}
    return "members" not in excluded and (not wanted or "members" in wanted)


def _top(name: str) -> str:
    return name.strip().lower().removeprefix(CORE_GROUP.lower() + ":").split(".", 1)[0].split("[", 1)[0]


def _render(view: GroupView, base: str, params: ListParams) -> dict[str, Any]:
    return project(
        to_scim_group(view.group, view.members, base=base),
        attributes=[_top(a) for a in params.attributes],
        excluded=[_top(e) for e in params.excluded],
    )
