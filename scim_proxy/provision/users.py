"""/Users use cases as plain async functions over JumpCloudUsers: no Starlette, no HTTP of their own.

Each takes parsed SCIM input and a `UserMapping` and returns SCIM-side values (`ScimUser`,
`UserPage`); the web layer decodes requests and renders answers. JumpCloud calls per
operation: a filter 1 (search, or one GET for `id eq`; a filter JumpCloud cannot say exactly,
or a sorted filter, one per 1000 users it may select, see find_users), a page 1, a read 1, a
create 1 (+1 look-up after an unanswered create or a conflict), a PATCH 1 (a GET if nothing
we keep changes, or first when a value-filtered remove needs the current value), a PUT 1, a DELETE 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import structlog

from scim_proxy.errors import Conflict, NotFound, Throttled, TooMany, UpstreamUnavailable
from scim_proxy.jumpcloud.models import Credentials, JcUser
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.scim.filter_eval import compile_filter
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.listing import ListParams
from scim_proxy.scim.models import Parsed, ScimUser, Value
from scim_proxy.scim.patch import resolve_conditions
from scim_proxy.translate import users as translate
from scim_proxy.translate.render import render_user
from scim_proxy.translate.search import regex_equal, requested_id, user_search
from scim_proxy.translate.search_rules import user_tables
from scim_proxy.translate.sorting import USER_TIE_BREAK, parse_sort, sort_resources
from scim_proxy.translate.users import UserMapping, to_scim_user

log = structlog.get_logger("scim_proxy")
SCAN_PAGE = 1000  # JumpCloud's own PowerShell module pages search with 1000 (register JC-22)


@attrs.frozen(kw_only=True)
class UserPage:
    """The users of one list page (already checked against the filter) and the total count."""

    total: int
    users: tuple[ScimUser, ...]


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
    if params.filter is None:
        page = await jc.list_users(skip=skip, limit=limit, auth=auth, sort=sort.jumpcloud if sort else USER_TIE_BREAK)
        return UserPage(
            total=page.total_count, users=tuple(to_scim_user(u, mapping) for u in page.results)[: params.count]
        )
    tree = parse(params.filter)
    wanted = compile_filter(tree, attributes)
    search = user_search(tree, attributes, tables.rules)
    if search.empty:
        return UserPage(total=0, users=())

    def matching(found: Iterable[JcUser]) -> list[tuple[ScimUser, dict[str, Any]]]:
        users = [to_scim_user(u, mapping) for u in found]
        rendered = [(u, render_user(u, base=base, schema=mapping.schema)) for u in users]
        return [(u, resource) for u, resource in rendered if wanted(resource)]

    user_id = requested_id(tree, attributes)
    if user_id is not None:
        hits = matching(await _by_id(jc, user_id, auth))
        return UserPage(total=len(hits), users=tuple(u for u, _ in hits[skip : skip + params.count]))
    if search.exact and sort is None:
        page = await jc.search_users(search.query, skip=skip, limit=limit, auth=auth)
        hits = matching(page.results)
        misses = len(page.results) - len(hits)
        return UserPage(total=page.total_count - misses, users=tuple(u for u, _ in hits[: params.count]))
    hits = matching(await _scan(jc, search.query, auth=auth, scan_limit=scan_limit))
    ordered = sort_resources(hits, sort, resource=lambda hit: hit[1]) if sort else hits
    return UserPage(total=len(hits), users=tuple(u for u, _ in ordered[skip : skip + params.count]))


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
    return translate.to_scim_user(await jc.get_user(user_id, auth=auth), mapping)


async def create_user(jc: JumpCloudUsers, parsed: Parsed, *, auth: Credentials, mapping: UserMapping) -> ScimUser:
    """Create the user; a create JumpCloud may have committed is never re-sent."""
    wanted = parsed.as_dict()
    body = translate.create_body(wanted, mapping)
    try:
        created = await jc.create_user(body, auth=auth)
    except Throttled:
        raise  # JumpCloud refused before doing anything
    except UpstreamUnavailable:
        # Timeout, dropped connection or 5xx: the user may exist now. Look before answering.
        recovered = await _committed_create(jc, body, wanted, auth, mapping, allow_email_match=True)
        if recovered is None:
            raise
        log.info("create_recovered", reason="unanswered_create")
        return recovered
    except Conflict:
        # Entra re-sending a create that succeeded (its first answer was lost) ends the same way.
        recovered = await _committed_create(jc, body, wanted, auth, mapping, allow_email_match=False)
        if recovered is None:
            raise
        log.info("create_recovered", reason="already_exists_same_external_id")
        return recovered
    return translate.to_scim_user(created, mapping)


async def _committed_create(
    jc: JumpCloudUsers,
    body: translate.JcBody,
    wanted: dict[str, Value],
    auth: Credentials,
    mapping: UserMapping,
    *,
    allow_email_match: bool,
) -> ScimUser | None:
    """The user our create asked for, if it exists and is the same person; else None.

    Same person: the same externalId; when the request had none and our own create went
    unanswered, the same email. An existing user that differs raises 409 (uniqueness).
    """
    user_name = str(body["username"])
    query = {"and": [{"username": regex_equal(user_name)}]}  # JumpCloud's usernames: one per name, any case
    try:
        page = await jc.search_users(query, skip=0, limit=2, auth=auth)
    except UpstreamUnavailable:
        return None
    if not page.results:
        return None
    existing = translate.to_scim_user(page.results[0], mapping)
    wanted_external = wanted.get("external_id")
    if wanted_external:
        same = existing.get("external_id") == wanted_external
    else:
        email = existing.get("email")
        same = (
            allow_email_match and isinstance(email, str) and email.casefold() == str(body.get("email", "")).casefold()
        )
    if not same:
        raise Conflict(f"userName {user_name!r} already exists in JumpCloud as a different user")
    return existing


async def replace_user(
    jc: JumpCloudUsers, user_id: str, parsed: Parsed, *, auth: Credentials, mapping: UserMapping
) -> ScimUser:
    """SCIM PUT: every mapped attribute set, absent ones cleared; one JumpCloud call."""
    body = translate.replace_body(parsed.as_dict(), mapping)
    return translate.to_scim_user(await jc.update_user(user_id, body, auth=auth), mapping)


async def patch_user(
    jc: JumpCloudUsers, user_id: str, parsed: Parsed, *, auth: Credentials, mapping: UserMapping
) -> ScimUser:
    """SCIM PATCH (both Entra dialects, already parsed): one PUT of the changed fields.

    A conditional change (`manager[value eq "<id>"]` removed) is decided against the user as
    JumpCloud holds it, read first; a condition that does not hold changes nothing.
    """
    current = None
    if parsed.conditional:
        current = translate.to_scim_user(await jc.get_user(user_id, auth=auth), mapping)
        resolved = resolve_conditions(parsed, current.values)
        if len(resolved.changes) < len(parsed.changes):
            log.info("patch_condition_not_met", skipped=len(parsed.changes) - len(resolved.changes))
        parsed = resolved
    body = translate.update_body(parsed.as_dict(), mapping)
    if body:
        return translate.to_scim_user(await jc.update_user(user_id, body, auth=auth), mapping)
    # Nothing we keep changed: answer the current state.
    return current or translate.to_scim_user(await jc.get_user(user_id, auth=auth), mapping)


async def delete_user(jc: JumpCloudUsers, user_id: str, *, auth: Credentials) -> None:
    """Delete; a manager's reports lose their manager instead of blocking it."""
    await jc.delete_user(user_id, auth=auth)
