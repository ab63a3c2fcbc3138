"""/Groups use cases as plain async functions over JumpCloudGroups: lookups, create recovery,
membership reconciliation. No Starlette, no HTTP of their own.

JumpCloud calls: an `id eq` filter 1; a `displayName eq` filter 1 when the exact name exists,
else one per 100 groups (displayName ignores case, JumpCloud's `name:eq:` does not); other
filters one per 100 groups (+ the member lists when they name members; see find_groups), a read 1
(+ one per started 100 members when members are wanted), a create 2 (name look-up, create),
a rename 2 (read, full-update PUT), member changes 1 per member (+ a paged member read for a
replace), a PUT 3 + 1 per member changed, a delete 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
import structlog

from scim_proxy.errors import Conflict, NotFound, TooMany
from scim_proxy.jumpcloud.groups import MAX_SCANNED_GROUPS, PAGE, JumpCloudGroups, member_failure_error
from scim_proxy.jumpcloud.models import Credentials, JcGroup
from scim_proxy.scim.filter_eval import compile_filter
from scim_proxy.scim.filter_schema import group_filter_attributes
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.group_patch import GroupPatch
from scim_proxy.scim.groups import GroupInput
from scim_proxy.scim.listing import ListParams
from scim_proxy.translate import groups as translate
from scim_proxy.translate.group_search import GroupSearch, group_search
from scim_proxy.translate.groups import to_scim_group
from scim_proxy.translate.sorting import GROUP_SORT_FIELDS, GROUP_TIE_BREAK, parse_sort, sort_resources

log = structlog.get_logger("scim_proxy")
MEMBER_READS = 50  # groups whose member lists one filter may read: each list is one call per 100 members


@attrs.frozen(kw_only=True)
class GroupView:
    """A group as the SCIM answer shows it; members None when they were not read (excluded)."""

    group: JcGroup
    members: tuple[str, ...] | None = None


async def find_groups(
    jc: JumpCloudGroups,
    params: ListParams,
    *,
    auth: Credentials,
    base: str,
    scan_limit: int,
    with_members: bool,
    lenient: bool = False,
) -> tuple[int, list[GroupView]]:
    """A filter and a sort over groups: the total and the page's groups (members read when wanted).

    No filter: one list call, sorted by JumpCloud. A filter: its candidates (translate/group_search.py:
    one GET by id, one `name:eq:` lookup, or every group, at most `scan_limit`), their member lists
    when the filter names members (at most MEMBER_READS groups), then the filter evaluated and
    the sort applied here. Past either bound the answer is 400 tooMany. `lenient` (the root search)
    reads attributes groups lack as unassigned instead of refusing the filter.
    """
    attributes = attrs.evolve(group_filter_attributes(), lenient=True) if lenient else group_filter_attributes()
    sort = parse_sort(
        params.sort_by, params.sort_order, attributes, GROUP_SORT_FIELDS, tie_break=GROUP_TIE_BREAK, separator=","
    )
    skip = params.start_index - 1
    if params.filter is None:
        page = await jc.list_groups(
            auth=auth, skip=skip, limit=params.count or 1, sort=sort.jumpcloud if sort else None
        )
        total = page.total if page.total is not None else skip + len(page.groups)
        return total, await _views(jc, page.groups[: params.count], auth=auth, with_members=with_members)
    tree = parse(params.filter)
    wanted = compile_filter(tree, attributes)
    plan = group_search(tree, attributes)
    if plan.empty:
        return 0, []
    candidates = await _candidates(jc, plan, auth=auth, scan_limit=scan_limit)
    if plan.needs_members:
        if len(candidates) > MEMBER_READS:
            raise TooMany(
                f"This filter names members of {len(candidates)} groups; the proxy reads the members of at most "
                f"{MEMBER_READS}. Add id eq or displayName eq to say which group."
            )
        views = await _views(jc, candidates, auth=auth, with_members=True)
    else:
        views = [GroupView(group=g) for g in candidates]
    hits = [(view, to_scim_group(view.group, view.members, base=base)) for view in views]
    hits = [(view, resource) for view, resource in hits if wanted(resource)]
    if sort is not None:
        hits = sort_resources(hits, sort, resource=lambda hit: hit[1])
    shown = [view for view, _ in hits[skip : skip + params.count]]
    if with_members and not plan.needs_members:
        shown = await _views(jc, [view.group for view in shown], auth=auth, with_members=True)
    return len(hits), shown


async def _candidates(jc: JumpCloudGroups, plan: GroupSearch, *, auth: Credentials, scan_limit: int) -> list[JcGroup]:
    """The groups the plan names; displayName's `name:eq:` is case-sensitive (see translate/group_search.py)."""
    if plan.group_id is not None:
        try:
            return [await jc.get(plan.group_id, auth=auth)]
        except NotFound:
            return []
    if plan.name is not None:
        # displayName is not caseExact (RFC 7643 section 8.7.1): exact `name:eq:` first, else a folded scan.
        scan = await jc.find_by_name(plan.name, auth=auth, ignore_case=True)
        if not scan.complete:
            raise TooMany(
                f"Finding displayName {plan.name!r} in any case needs reading more than {MAX_SCANNED_GROUPS} groups"
            )
        return list(scan.groups)
    first = await jc.list_groups(auth=auth, skip=0, limit=PAGE)
    total = first.total if first.total is not None else len(first.groups)
    if total > scan_limit:
        raise TooMany(
            f"This filter needs the proxy to read all {total} groups; it reads at most {scan_limit} "
            "(SCIM_PROXY_FILTER_SCAN_LIMIT). Use id eq or displayName eq."
        )
    found = {g.id: g for g in first.groups}
    while first.groups and len(found) < total:
        page = await jc.list_groups(auth=auth, skip=len(found), limit=PAGE)
        fresh = [g for g in page.groups if g.id not in found]
        if not fresh:
            break
        found.update((g.id, g) for g in fresh)
    return list(found.values())[:scan_limit]


async def _views(
    jc: JumpCloudGroups, groups: Sequence[JcGroup], *, auth: Credentials, with_members: bool
) -> list[GroupView]:
    if not with_members:
        return [GroupView(group=g) for g in groups]
    member_lists = await jc.members_of(list(groups), auth=auth)
    return [GroupView(group=g, members=tuple(m)) for g, m in zip(groups, member_lists, strict=True)]


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
    """409 if a group has this name; JumpCloud's own name uniqueness is unconfirmed, so we look first.

    A name `name:eq:` cannot carry (',' or '*') is looked for in the first MAX_SCANNED_GROUPS
    groups only: past them the create goes ahead (refusing would block that group for good) and
    the gap is logged, so an operator can tell a duplicate JumpCloud let through from our miss.
    """
    scan = await jc.find_by_name(wanted.display_name, auth=auth, ignore_case=False)
    if scan.groups:
        raise _NameTaken(wanted.display_name, scan.groups[0])
    if not scan.complete:
        log.warning("group_name_check_incomplete", scanned=MAX_SCANNED_GROUPS)


async def _create(jc: JumpCloudGroups, wanted: GroupInput, auth: Credentials) -> JcGroup:
    async def committed() -> JcGroup | None:
        """The group this request's unanswered create made (same name and externalId), else None."""
        found = (await jc.find_by_name(wanted.display_name, auth=auth, ignore_case=False)).groups
        if not found:
            return None
        if translate.external_id(found[0]) != wanted.external_id:
            raise _NameTaken(wanted.display_name, found[0])
        log.info("create_recovered", reason="unanswered_create", resource="Group")
        return found[0]

    try:
        return await jc.create(translate.create_body(wanted), auth=auth, committed=committed)
    except _NameTaken:
        raise  # the look-up named the group that holds the name: that is the answer
    except Conflict:
        raise Conflict(
            f"displayName {wanted.display_name!r} is already taken in JumpCloud (group names are unique ignoring case)"
        ) from None


class _NameTaken(Conflict):
    """A displayName a JumpCloud group holds, found by our own look-up (so the group is named)."""

    def __init__(self, name: str, holder: JcGroup) -> None:
        super().__init__(f"displayName {name!r} is already taken by JumpCloud group {holder.id}")


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
