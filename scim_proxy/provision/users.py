"""/Users use cases as plain async functions over JumpCloudUsers: no Starlette, no HTTP of their own.

Each takes parsed SCIM input and a `UserMapping` and returns SCIM-side values (`ScimUser`,
`UserPage`); the web layer decodes requests and renders answers. JumpCloud calls per
operation: a filter 1 (search, or one GET for `id eq`; a filter JumpCloud cannot say exactly,
or a sorted filter, one per 1000 users it may select, see find_users), a page 1, a read 1, a
PATCH 1 (a GET first when it needs what JumpCloud holds: an array, a value-filtered remove,
a bare `active: true`, suspend mode), a PUT 2 (a GET, then the PUT: arrays are replaced
whole), a DELETE 1 (suspend mode: 2). Creates are in user_creates.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import structlog

from scim_proxy.errors import NotFound, TooMany
from scim_proxy.jumpcloud.models import Credentials, JcUser
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.provision.removal import read_visible, remove_user, visible
from scim_proxy.scim.filter_eval import compile_filter
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.listing import ListParams
from scim_proxy.scim.models import Parsed, ScimUser
from scim_proxy.scim.patch import resolve_conditions
from scim_proxy.translate import users as translate
from scim_proxy.translate.removal import NOT_REMOVED, soft_deletes
from scim_proxy.translate.render import render_user
from scim_proxy.translate.search import Search, requested_id, user_search
from scim_proxy.translate.search_rules import user_tables
from scim_proxy.translate.sorting import USER_TIE_BREAK, parse_sort, sort_resources
from scim_proxy.translate.users import UserMapping, to_scim_user

log = structlog.get_logger("scim_proxy")
SCAN_PAGE = 1000  # JumpCloud's own PowerShell module pages search with 1000 (register JC-22)


@attrs.frozen(kw_only=True)
class UserPage:
    """The users of one list page (already checked against the filter) and the total count.

    `resources`: the users as rendered for the filter (with the `base` find_users was given), in
    the same order, when the filter needed them; the caller then need not render them again.
    """

    total: int
    users: tuple[ScimUser, ...]
    resources: tuple[dict[str, Any], ...] | None = None


async def find_users(
    jc: JumpCloudUsers,
    params: ListParams,
    *,
    auth: Credentials,
    mapping: UserMapping,
    base: str,
    scan_limit: int,
    lenient: bool = False,
) -> UserPage:
    """A filter and a sort, in the fewest JumpCloud calls; no match is an empty page.

    - no filter: one list call, sorted by JumpCloud (by `_id` unless sortBy says otherwise);
    - a filter JumpCloud can say exactly, unsorted: one search call per page;
    - `id eq` in the top-level `and`: one GET by id;
    - anything else (a superset, or a filter with sortBy: JumpCloud's search does not sort): the
      whole superset, read in pages of up to SCAN_PAGE, at most `scan_limit` users (400 tooMany
      beyond), evaluated and sorted here.
    Every hit is checked against the filter (`base` renders the resources it reads): JumpCloud's
    regex may match more than SCIM's `eq` (a trailing newline). `lenient` (the root search) reads
    attributes Users lack as unassigned instead of refusing the filter.
    """
    tables = user_tables(mapping)
    attributes = attrs.evolve(tables.attributes, lenient=True) if lenient else tables.attributes
    sort = parse_sort(
        params.sort_by, params.sort_order, tables.attributes, tables.sort_fields, tie_break=USER_TIE_BREAK
    )
    # JumpCloud has no "count only" call: ask for one and return none (count=0 wants only the total).
    limit, skip = params.count or 1, params.start_index - 1
    hidden = soft_deletes(mapping)  # suspend mode: users it removed are not listed
    if params.filter is None and not hidden:
        page = await jc.list_users(skip=skip, limit=limit, auth=auth, sort=sort.jumpcloud if sort else USER_TIE_BREAK)
        return UserPage(
            total=page.total_count, users=tuple(to_scim_user(u, mapping) for u in page.results)[: params.count]
        )
    tree = parse(params.filter) if params.filter is not None else None
    wanted = compile_filter(tree, attributes) if tree is not None else (lambda resource: True)
    search = user_search(tree, attributes, tables.rules) if tree is not None else Search(query=None, exact=True)
    if search.empty:
        return UserPage(total=0, users=())
    if hidden:
        search = _hiding(search)

    def matching(found: Iterable[JcUser]) -> list[tuple[ScimUser, dict[str, Any]]]:
        users = [to_scim_user(u, mapping) for u in found if visible(u, mapping)]
        rendered = [(u, render_user(u, base=base, schema=mapping.schema)) for u in users]
        return [(u, resource) for u, resource in rendered if wanted(resource)]

    user_id = requested_id(tree, attributes) if tree is not None else None
    if user_id is not None:
        hits = matching(await _by_id(jc, user_id, auth))
        return _page(len(hits), hits[skip : skip + params.count])
    if search.exact and sort is None:
        page = await jc.search_users(search.query, skip=skip, limit=limit, auth=auth)
        hits = matching(page.results)
        misses = len(page.results) - len(hits)
        return _page(page.total_count - misses, hits[: params.count])
    hits = matching(await _scan(jc, search.query, auth=auth, scan_limit=scan_limit))
    ordered = sort_resources(hits, sort, resource=lambda hit: hit[1]) if sort else hits
    return _page(len(hits), ordered[skip : skip + params.count])


def _page(total: int, hits: list[tuple[ScimUser, dict[str, Any]]]) -> UserPage:
    return UserPage(total=total, users=tuple(u for u, _ in hits), resources=tuple(r for _, r in hits))


def _hiding(search: Search) -> Search:
    """`search` narrowed to the users suspend mode has not removed (each hit is checked again)."""
    query = search.query
    if query is None:
        return attrs.evolve(search, query={"and": [NOT_REMOVED]})
    if list(query) == ["and"]:
        return attrs.evolve(search, query={"and": [*query["and"], NOT_REMOVED]})
    return attrs.evolve(search, query={"and": [query, NOT_REMOVED]})


async def _by_id(jc: JumpCloudUsers, user_id: str, auth: Credentials) -> list[JcUser]:
    try:
        return [await jc.get_user(user_id, auth=auth)]
    except NotFound:
        return []


async def _scan(
    jc: JumpCloudUsers, query: Mapping[str, Any] | None, *, auth: Credentials, scan_limit: int
) -> list[JcUser]:
    """Every user `query` selects, page by page, in JumpCloud's order; tooMany past `scan_limit`."""
    first = await jc.search_users(query, skip=0, limit=min(SCAN_PAGE, scan_limit), auth=auth)
    if first.total_count > scan_limit:
        raise TooMany(
            f"This filter or sort needs the proxy to read {first.total_count} users; it reads at most "
            f"{scan_limit} (SCIM_PROXY_FILTER_SCAN_LIMIT). Narrow the filter, e.g. with eq on userName or externalId."
        )
    found = list(first.results)
    seen = {u.id for u in found}
    while first.results and len(found) < first.total_count:
        page = await jc.search_users(query, skip=len(found), limit=SCAN_PAGE, auth=auth)
        fresh = [u for u in page.results if u.id not in seen]  # a user created meanwhile may shift a page
        if not fresh:
            break
        found.extend(fresh)
        seen.update(u.id for u in fresh)
    ordered = sorted(found, key=lambda u: u.id)  # stable paging when no sortBy says otherwise
    return ordered[:scan_limit]


async def read_user(jc: JumpCloudUsers, user_id: str, *, auth: Credentials, mapping: UserMapping) -> ScimUser:
    return translate.to_scim_user(await read_visible(jc, user_id, auth=auth, mapping=mapping), mapping)


async def replace_user(
    jc: JumpCloudUsers, user_id: str, parsed: Parsed, *, auth: Credentials, mapping: UserMapping
) -> ScimUser:
    """SCIM PUT: every mapped attribute set, absent ones cleared.

    Two calls: the table keeps phone numbers and addresses (and any custom attributes) in
    arrays JumpCloud replaces whole, so the user is read first and the entries no row names
    are sent back as they are (the read also hides a user suspend mode removed).
    """
    current = await read_visible(jc, user_id, auth=auth, mapping=mapping)
    body = translate.replace_body(parsed.as_dict(), mapping, current=current)
    return translate.to_scim_user(await jc.update_user(user_id, body, auth=auth), mapping)


async def patch_user(
    jc: JumpCloudUsers, user_id: str, parsed: Parsed, *, auth: Credentials, mapping: UserMapping
) -> ScimUser:
    """SCIM PATCH (both Entra dialects, already parsed): one PUT of the changed fields.

    The user is read first (then 2 calls) when a change needs what JumpCloud holds: a
    conditional change (`manager[value eq "<id>"]` removed), a value kept in an array (merged),
    or a bare `active: true`, Entra's periodic re-enable, which writes only when the user is
    really suspended (a user whose password expired reads inactive, but is not suspended).
    """
    reactivation = [(c.field, c.value, c.only_if) for c in parsed.changes] == [("active", True, None)]
    held: JcUser | None = None
    fields = {c.field for c in parsed.changes}
    if parsed.conditional or reactivation or soft_deletes(mapping) or translate.needs_current(fields, mapping):
        held = await read_visible(jc, user_id, auth=auth, mapping=mapping)
    if parsed.conditional and held is not None:
        resolved = resolve_conditions(parsed, translate.to_scim_user(held, mapping).values)
        if len(resolved.changes) < len(parsed.changes):
            log.info("patch_condition_not_met", skipped=len(parsed.changes) - len(resolved.changes))
        parsed = resolved
    if reactivation and held is not None and not (held.suspended or held.state == "SUSPENDED"):
        return translate.to_scim_user(held, mapping)  # nothing to reactivate: no write
    body = translate.update_body(parsed.as_dict(), mapping, current=held)
    if body:
        return translate.to_scim_user(await jc.update_user(user_id, body, auth=auth), mapping)
    # Nothing we keep changed: answer the current state.
    return translate.to_scim_user(held or await read_visible(jc, user_id, auth=auth, mapping=mapping), mapping)


async def delete_user(jc: JumpCloudUsers, user_id: str, *, auth: Credentials, mapping: UserMapping) -> None:
    """Delete (a manager's reports lose their manager instead of blocking it); in suspend mode,
    suspend and mark instead (provision/removal.py)."""
    if soft_deletes(mapping):
        await remove_user(jc, user_id, auth=auth, mapping=mapping)
    else:
        await jc.delete_user(user_id, auth=auth)
