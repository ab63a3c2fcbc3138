"""/Groups use cases as plain async functions over JumpCloudGroups: lookups, create recovery,
membership reconciliation. No Starlette, no HTTP of their own.

JumpCloud calls: a `displayName eq` filter 1 (`externalId eq`: one per 100 groups), a read 1
(+ one per started 100 members when members are wanted), a create 2 (name look-up, create),
a rename 2 (read, full-update PUT), member changes 1 per member (+ a paged member read for a
replace), a PUT 3 + 1 per member changed, a delete 1.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import structlog

from scim_proxy.errors import Conflict, NotFound
from scim_proxy.ids import object_id
from scim_proxy.jumpcloud.groups import JumpCloudGroups, member_failure_error
from scim_proxy.jumpcloud.models import Credentials, JcGroup
from scim_proxy.scim.group_patch import GroupPatch
from scim_proxy.scim.groups import GroupInput, GroupTerm
from scim_proxy.translate import groups as translate

log = structlog.get_logger("scim_proxy")


@attrs.frozen(kw_only=True)
class GroupView:
    """A group as the SCIM answer shows it; members None when they were not read (excluded)."""

    group: JcGroup
    members: tuple[str, ...] | None = None


async def list_groups(
    jc: JumpCloudGroups, *, skip: int, count: int, auth: Credentials
) -> tuple[int, tuple[JcGroup, ...]]:
    """One page of every group, and the total."""
    page = await jc.list_groups(auth=auth, skip=skip, limit=count or 1)
    total = page.total if page.total is not None else skip + len(page.groups)
    return total, page.groups[:count]


async def find_groups(jc: JumpCloudGroups, terms: tuple[GroupTerm, ...], *, auth: Credentials) -> list[JcGroup]:
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
            candidates = [await jc.get(wanted_id, auth=auth)]
        except NotFound:
            return []
    elif "displayName" in by:
        candidates = list((await jc.list_groups(auth=auth, name=by["displayName"])).groups)
    else:
        candidates = await jc.list_all(auth=auth)
    matching = [g for g in candidates if translate.group_matches(g, terms)]
    wanted_members = {t.value for t in terms if t.attribute == "members"}
    if wanted_members:
        member_lists = await jc.members_of(matching, auth=auth)
        matching = [g for g, members in zip(matching, member_lists, strict=True) if wanted_members <= set(members)]
    return matching


async def members_of(jc: JumpCloudGroups, groups: Iterable[JcGroup], *, auth: Credentials) -> list[tuple[str, ...]]:
    return [tuple(members) for members in await jc.members_of(list(groups), auth=auth)]


async def create_group(jc: JumpCloudGroups, wanted: GroupInput, *, auth: Credentials) -> GroupView:
    """Create the group and add its members; a name JumpCloud already holds is 409 uniqueness.

    Even a group Entra created before is a conflict (RFC 7644 §3.3: a client's repeated POST);
    only this request's own create, applied with its answer lost, is answered 201.
    """
    await _name_free(jc, wanted, auth)
    created = await _create(jc, wanted, auth)
    if wanted.members:
        await _apply(jc, created.id, add=wanted.members, remove=(), auth=auth)
    return GroupView(group=created, members=tuple(wanted.members or ()))


async def _name_free(jc: JumpCloudGroups, wanted: GroupInput, auth: Credentials) -> None:
    """409 if a group has this name; JumpCloud's own name uniqueness is unconfirmed, so we look first."""
    for group in (await jc.list_groups(auth=auth, name=wanted.display_name)).groups:
        if group.name.casefold() == wanted.display_name.casefold():
            raise Conflict(f"displayName {wanted.display_name!r} is already taken by JumpCloud group {group.id}")


async def _create(jc: JumpCloudGroups, wanted: GroupInput, auth: Credentials) -> JcGroup:
    async def committed() -> JcGroup | None:
        """The group this request's unanswered create made (same name and externalId), else None."""
        for group in (await jc.list_groups(auth=auth, name=wanted.display_name)).groups:
            if translate.external_id(group) != wanted.external_id:
                raise Conflict(f"displayName {wanted.display_name!r} is already taken by JumpCloud group {group.id}")
            log.info("create_recovered", reason="unanswered_create", resource="Group")
            return group
        return None

    try:
        return await jc.create(translate.create_body(wanted), auth=auth, committed=committed)
    except Conflict:
        raise Conflict(
            f"displayName {wanted.display_name!r} is already taken in JumpCloud (group names are unique ignoring case)"
        ) from None


async def read_group(jc: JumpCloudGroups, group_id: str, *, auth: Credentials, with_members: bool) -> GroupView:
    group = await jc.get(group_id, auth=auth)
    members = tuple(await jc.list_members(group_id, auth=auth)) if with_members else None
    return GroupView(group=group, members=members)


async def replace_group(jc: JumpCloudGroups, group_id: str, wanted: GroupInput, *, auth: Credentials) -> GroupView:
    """SCIM PUT: name and externalId replaced (absent: cleared); members set when given.

    Absent `members` leave the membership alone rather than empty a group that grants access.
    """
    current = await jc.get(group_id, auth=auth)
    current = await _rename(jc, current, wanted.display_name, wanted.external_id, auth)
    if wanted.members is None:
        members = tuple(await jc.list_members(group_id, auth=auth))
    else:
        await _replace_members(jc, group_id, wanted.members, auth)
        members = wanted.members
    return GroupView(group=current, members=members)


async def patch_group(jc: JumpCloudGroups, group_id: str, patch: GroupPatch, *, auth: Credentials) -> None:
    """SCIM PATCH: a rename and the member plan, in that order; 404 for a group that is gone."""
    touched = False
    if patch.display_name is not None or patch.sets_external_id:
        current = await jc.get(group_id, auth=auth)
        name = patch.display_name or current.name
        external_id = patch.external_id if patch.sets_external_id else translate.external_id(current)
        await _rename(jc, current, name, external_id, auth)
        touched = True
    plan = patch.members
    if plan.replace is not None:
        await _replace_members(jc, group_id, plan.replace, auth)
        touched = True
    elif plan.add or plan.remove:
        await _apply(jc, group_id, add=plan.add, remove=plan.remove, auth=auth)
        touched = True
    if not touched:
        await jc.get(group_id, auth=auth)  # nothing to change: still 404 for a group that is gone


async def delete_group(jc: JumpCloudGroups, group_id: str, *, auth: Credentials) -> None:
    await jc.delete(group_id, auth=auth)


async def _rename(
    jc: JumpCloudGroups, current: JcGroup, name: str, external_id: str | None, auth: Credentials
) -> JcGroup:
    """PUT the new name and externalId, unless they are what JumpCloud already holds."""
    body = translate.put_body(current, name=name, external_id=external_id)
    if body["name"] == current.name and body["description"] == current.description:
        return current
    try:
        return await jc.put(current.id, body, auth=auth)
    except Conflict:
        raise Conflict(f"displayName {name!r} is already taken in JumpCloud") from None


async def _replace_members(jc: JumpCloudGroups, group_id: str, wanted: tuple[str, ...], auth: Credentials) -> None:
    have = await jc.list_members(group_id, auth=auth)
    keep = set(wanted)
    held = set(have)
    await _apply(
        jc, group_id, add=[u for u in wanted if u not in held], remove=[u for u in have if u not in keep], auth=auth
    )


async def _apply(
    jc: JumpCloudGroups, group_id: str, *, add: Iterable[str], remove: Iterable[str], auth: Credentials
) -> None:
    """Fan the member changes out; if any failed, one error naming them (the rest stay applied)."""
    add, remove = list(add), list(remove)
    if not add and not remove:
        return
    failures = await jc.change_members(group_id, add=add, remove=remove, auth=auth)
    if not failures:
        return
    if any(isinstance(exc, NotFound) for exc in failures.values()):
        await jc.get(group_id, auth=auth)  # a 404 may mean the group is gone: then that is the answer
    raise member_failure_error(failures, attempted=len(add) + len(remove))
