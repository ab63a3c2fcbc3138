"""/Groups: thin handlers over JumpCloud v2 user groups. The rules live in groups and jumpcloud_groups.

With `groups_enabled` off every handler answers as `groups_disabled` does. Upstream calls:
GET filter displayName 1 (externalId: one per 100 groups), GET by id 1 (+ one per started
100 members, at least one, unless members are excluded), POST 2 (name look-up, create),
PATCH rename 2 (read, full-update PUT), PATCH members 1 per member (+ a paged member read
for a replace), PUT 3 + 1 per member changed, DELETE 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.errors import Conflict, NotFound, UpstreamUnavailable
from scim_proxy.ids import object_id
from scim_proxy.jumpcloud.groups import JumpCloudGroups, member_failure_error
from scim_proxy.jumpcloud.models import Credentials, JcGroup
from scim_proxy.scim import groups
from scim_proxy.scim.group_patch import parse_group_patch
from scim_proxy.scim.groups import GroupInput
from scim_proxy.scim.projection import project
from scim_proxy.scim.schema import CORE_GROUP, LIST_RESPONSE
from scim_proxy.translate import groups as jc_groups
from scim_proxy.web import groups_disabled
from scim_proxy.web.requests import (
    ListParams,
    credentials_from,
    jumpcloud_from,
    list_params,
    read_json,
    resource_id,
    scim_base,
    settings_from,
)
from scim_proxy.web.responses import ScimResponse

log = structlog.get_logger("scim_proxy")


def _enabled(request: Request) -> bool:
    return settings_from(request).groups_enabled


def _groups(request: Request) -> JumpCloudGroups:
    return JumpCloudGroups(jumpcloud_from(request))


async def list_groups(request: Request) -> Response:
    """GET /Groups: `displayName`, `externalId` or `id` eq filters, or a page of all groups."""
    if not _enabled(request):
        return await groups_disabled.list_groups(request)
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))
    jcg = _groups(request)
    skip = params.start_index - 1
    if params.filter is None:
        page = await jcg.list_groups(auth=auth, skip=skip, limit=params.count or 1)
        shown = list(page.groups[: params.count])
        total = page.total if page.total is not None else skip + len(page.groups)
    else:
        found = await _find(jcg, groups.parse_group_filter(params.filter), auth)
        shown, total = found[skip : skip + params.count], len(found)
    members = await jcg.members_of(shown, auth=auth) if _wants_members(params) else [None] * len(shown)
    base = scim_base(request)
    resources = [
        _project(jc_groups.to_scim_group(g, m, base=base), params) for g, m in zip(shown, members, strict=True)
    ]
    return ScimResponse(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "startIndex": params.start_index,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


async def _find(jcg: JumpCloudGroups, terms: tuple[groups.GroupTerm, ...], auth: Credentials) -> list[JcGroup]:
    """Every group matching all terms, with one upstream query chosen by the most selective term.

    displayName uses JumpCloud's `name:eq:`, which we take to be case-sensitive (unconfirmed):
    one call, exact name. A group whose name differs only in case is not found; Entra then
    creates, and the create answers 409 naming the existing group (names are unique ignoring case).
    externalId is not a JumpCloud filter field, so it scans the group list, 100 per call.
    """
    by = {t.attribute: t.value for t in terms}
    if "id" in by:
        wanted_id = object_id(by["id"])
        if wanted_id is None:
            return []
        try:
            candidates = [await jcg.get(wanted_id, auth=auth)]
        except NotFound:
            return []
    elif "displayName" in by:
        candidates = list((await jcg.list_groups(auth=auth, name=by["displayName"])).groups)
    else:
        candidates = await jcg.list_all(auth=auth)
    matching = [g for g in candidates if jc_groups.group_matches(g, terms)]
    wanted_members = {t.value for t in terms if t.attribute == "members"}
    if wanted_members:
        member_lists = await jcg.members_of(matching, auth=auth)
        matching = [g for g, members in zip(matching, member_lists, strict=True) if wanted_members <= set(members)]
    return matching


async def create_group(request: Request) -> Response:
    """POST /Groups: 201 + Location; a displayName already taken is 409 uniqueness."""
    if not _enabled(request):
        return await groups_disabled.group_write(request)
    auth = credentials_from(request)
    wanted = groups.parse_group(await read_json(request))
    jcg = _groups(request)
    created = await _existing_same(jcg, wanted, auth)
    if created is None:
        created = await _create(jcg, wanted, auth)
        members: list[str] = []
    else:
        log.info("create_recovered", reason="same_external_id", resource="Group")
        members = await jcg.list_members(created.id, auth=auth)
    missing = [uid for uid in wanted.members or () if uid not in members]
    if missing:
        await _apply(jcg, created.id, add=missing, remove=(), auth=auth)
        members += missing
    resource = jc_groups.to_scim_group(created, members, base=scim_base(request))
    return ScimResponse(resource, status_code=201, headers={"Location": resource["meta"]["location"]})


async def _existing_same(jcg: JumpCloudGroups, wanted: GroupInput, auth: Credentials) -> JcGroup | None:
    """The group Entra already created with this name and externalId (a lost answer), else None.

    JumpCloud's own name uniqueness is unconfirmed, so the name is checked here before a create.
    """
    for group in (await jcg.list_groups(auth=auth, name=wanted.display_name)).groups:
        if wanted.external_id is not None and jc_groups.external_id(group) == wanted.external_id:
            return group
        if group.name.casefold() == wanted.display_name.casefold():
            raise Conflict(f"displayName {wanted.display_name!r} is already taken by JumpCloud group {group.id}")
    return None


async def _create(jcg: JumpCloudGroups, wanted: GroupInput, auth: Credentials) -> JcGroup:
    try:
        return await jcg.create(jc_groups.create_body(wanted), auth=auth)
    except Conflict:
        raise Conflict(
            f"displayName {wanted.display_name!r} is already taken in JumpCloud (group names are unique ignoring case)"
        ) from None
    except UpstreamUnavailable:  # not Throttled: a 429 means JumpCloud did nothing
        # The create may have been committed with its answer lost: look before answering.
        for group in (await jcg.list_groups(auth=auth, name=wanted.display_name)).groups:
            if jc_groups.external_id(group) == wanted.external_id:
                log.info("create_recovered", reason="unanswered_create", resource="Group")
                return group
        raise


async def group_by_id(request: Request) -> Response:
    """/Groups/{id}: GET, PUT, PATCH or DELETE."""
    if not _enabled(request):
        return await groups_disabled.group_write(request)
    handler = {"GET": get_group, "PUT": replace_group, "PATCH": patch_group, "DELETE": delete_group}[request.method]
    request.scope["endpoint"] = handler  # the request log and metrics name the operation after it
    return await handler(request)


async def get_group(request: Request) -> Response:
    """GET /Groups/{id}: one call, plus the member pages unless members are excluded."""
    group_id = resource_id(request, "Group")
    auth = credentials_from(request)
    return await _answer(request, _groups(request), group_id, auth, list_params(dict(request.query_params)))


async def replace_group(request: Request) -> Response:
    """PUT /Groups/{id}: name and externalId replaced (absent: cleared); members set when given.

    Absent `members` leave the membership alone rather than empty a group that grants access.
    """
    group_id = resource_id(request, "Group")
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))  # a bad parameter is refused before any call
    wanted = groups.parse_group(await read_json(request))
    jcg = _groups(request)
    current = await jcg.get(group_id, auth=auth)
    current = await _rename(jcg, current, wanted.display_name, wanted.external_id, auth)
    if wanted.members is None:
        members = await jcg.list_members(group_id, auth=auth)
    else:
        await _replace_members(jcg, group_id, wanted.members, auth)
        members = list(wanted.members)
    return ScimResponse(_project(jc_groups.to_scim_group(current, members, base=scim_base(request)), params))


async def patch_group(request: Request) -> Response:
    """PATCH /Groups/{id}: 204, or 200 with the resource when `attributes` is asked for."""
    group_id = resource_id(request, "Group")
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))  # a bad parameter is refused before any call
    body = await read_json(request)
    patch = parse_group_patch(body)
    if patch.ignored:
        log.info("attributes_ignored", paths=list(patch.ignored)[:20], resource="Group")
    jcg = _groups(request)
    touched = False
    if patch.display_name is not None or patch.sets_external_id:
        current = await jcg.get(group_id, auth=auth)
        name = patch.display_name or current.name
        external_id = patch.external_id if patch.sets_external_id else jc_groups.external_id(current)
        await _rename(jcg, current, name, external_id, auth)
        touched = True
    plan = patch.members
    if plan.replace is not None:
        await _replace_members(jcg, group_id, plan.replace, auth)
        touched = True
    elif plan.add or plan.remove:
        await _apply(jcg, group_id, add=plan.add, remove=plan.remove, auth=auth)
        touched = True
    if params.attributes:
        return await _answer(request, jcg, group_id, auth, params)
    if not touched:
        await jcg.get(group_id, auth=auth)  # nothing to change: still 404 for a group that is gone
    return Response(status_code=204)


async def delete_group(request: Request) -> Response:
    """DELETE /Groups/{id}: 204."""
    group_id = resource_id(request, "Group")
    await _groups(request).delete(group_id, auth=credentials_from(request))
    return Response(status_code=204)


async def _rename(
    jcg: JumpCloudGroups, current: JcGroup, name: str, external_id: str | None, auth: Credentials
) -> JcGroup:
    """PUT the new name and externalId, unless they are what JumpCloud already holds."""
    body = jc_groups.put_body(current, name=name, external_id=external_id)
    if body["name"] == current.name and body["description"] == current.description:
        return current
    try:
        return await jcg.put(current.id, body, auth=auth)
    except Conflict:
        raise Conflict(f"displayName {name!r} is already taken in JumpCloud") from None


async def _replace_members(jcg: JumpCloudGroups, group_id: str, wanted: tuple[str, ...], auth: Credentials) -> None:
    have = await jcg.list_members(group_id, auth=auth)
    keep = set(wanted)
    held = set(have)
    await _apply(
        jcg, group_id, add=[u for u in wanted if u not in held], remove=[u for u in have if u not in keep], auth=auth
    )


async def _apply(
    jcg: JumpCloudGroups, group_id: str, *, add: Iterable[str], remove: Iterable[str], auth: Credentials
) -> None:
    """Fan the member changes out; if any failed, one error naming them (the rest stay applied)."""
    add, remove = list(add), list(remove)
    if not add and not remove:
        return
    failures = await jcg.change_members(group_id, add=add, remove=remove, auth=auth)
    if not failures:
        return
    if any(isinstance(exc, NotFound) for exc in failures.values()):
        await jcg.get(group_id, auth=auth)  # a 404 may mean the group is gone: then that is the answer
    raise member_failure_error(failures, attempted=len(add) + len(remove))


async def _answer(
    request: Request, jcg: JumpCloudGroups, group_id: str, auth: Credentials, params: ListParams
) -> Response:
    group = await jcg.get(group_id, auth=auth)
    members = await jcg.list_members(group_id, auth=auth) if _wants_members(params) else None
    return ScimResponse(_project(jc_groups.to_scim_group(group, members, base=scim_base(request)), params))


def _wants_members(params: ListParams) -> bool:
    """Whether the answer shows members: not excluded, and asked for when `attributes` is given."""
    excluded = {_top(name) for name in params.excluded}
    wanted = {_top(name) for name in params.attributes}
    return "members" not in excluded and (not wanted or "members" in wanted)


def _top(name: str) -> str:
    return name.strip().lower().removeprefix(CORE_GROUP.lower() + ":").split(".", 1)[0].split("[", 1)[0]


def _project(resource: dict[str, Any], params: ListParams) -> dict[str, Any]:
    return project(
        resource,
        attributes=[_top(a) for a in params.attributes],
        excluded=[_top(e) for e in params.excluded],
    )
