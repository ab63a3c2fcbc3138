"""/Users use cases as plain async functions over JumpCloudUsers: no Starlette, no HTTP of their own.

Each takes parsed SCIM input and a `UserMapping` and returns SCIM-side values (`ScimUser`,
`UserPage`); the web layer decodes requests and renders answers. JumpCloud calls per
operation: a filter 1 (search, or one GET for `id eq`), a page 1, a read 1, a create 1 (+1
look-up and a resend per unanswered send; up to 3 look-ups after a 400/409), a PATCH 1 (a
GET if nothing we keep changes), a PUT 1, a DELETE 1.
"""

from __future__ import annotations

import attrs
import structlog

from scim_proxy.errors import Conflict, InvalidValue, NotFound
from scim_proxy.jumpcloud.models import Credentials, JcPage, JcUser
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.scim import filters
from scim_proxy.scim.listing import ListParams
from scim_proxy.scim.models import Parsed, ScimUser, Value
from scim_proxy.scim.schema import UserAttribute
from scim_proxy.translate import users as translate
from scim_proxy.translate.users import UserMapping

log = structlog.get_logger("scim_proxy")


@attrs.frozen(kw_only=True)
class UserPage:
    """The users of one list page (already checked against the filter) and the total count."""

    total: int
    users: tuple[ScimUser, ...]


async def find_users(jc: JumpCloudUsers, params: ListParams, *, auth: Credentials, mapping: UserMapping) -> UserPage:
    """A filter, or a page of everyone; no match is an empty page."""
    # JumpCloud has no "count only" call: ask for one and return none (count=0 wants only the total).
    limit = params.count or 1
    skip = params.start_index - 1
    terms: tuple[filters.Term, ...] = ()
    if params.filter is None:
        page = await jc.list_users(skip=skip, limit=limit, auth=auth)
    else:
        terms = filters.parse_filter(params.filter, mapping.schema)
        wanted_id = filters.requested_id(terms)
        if any(not t.value for t in terms):
            # `eq ""`: no stored value is empty-and-set; a search for "" would match every unset field.
            page = JcPage(total_count=0, results=())
        elif wanted_id is None:
            query = filters.to_search_filter(terms, username_from_email=mapping.username_from_email)
            page = await jc.search_users(query, skip=skip, limit=limit, auth=auth)
        else:
            page = await _page_by_id(jc, wanted_id, auth, skip)
    users = [translate.to_scim_user(u, mapping) for u in page.results]
    # Every hit is checked against SCIM's eq: JumpCloud's regex may match more (a trailing newline),
    # and `id eq` answered by a GET still has its other terms to satisfy.
    matching = [u for u in users if filters.matches(u, terms, username_from_email=mapping.username_from_email)]
    return UserPage(total=page.total_count - (len(users) - len(matching)), users=tuple(matching[: params.count]))


async def _page_by_id(jc: JumpCloudUsers, wanted_id: str, auth: Credentials, skip: int) -> JcPage:
    """`id eq` is answered with one GET by id (the caller checks the other terms)."""
    if not wanted_id or skip > 0:
        return JcPage(total_count=0, results=())
    try:
        found = await jc.get_user(wanted_id, auth=auth)
    except NotFound:
        return JcPage(total_count=0, results=())
    return JcPage(total_count=1, results=(found,))


async def read_user(jc: JumpCloudUsers, user_id: str, *, auth: Credentials, mapping: UserMapping) -> ScimUser:
    return translate.to_scim_user(await jc.get_user(user_id, auth=auth), mapping)


async def create_user(jc: JumpCloudUsers, parsed: Parsed, *, auth: Credentials, mapping: UserMapping) -> ScimUser:
    """Create the user; a unique value JumpCloud already holds is 409 uniqueness naming it.

    Even the same person sent again is a conflict (RFC 7644 §3.3: a client's repeated POST).
    Only this request's own create, applied with its answer lost, is answered 201 with the
    user it made: the client resends only when a look-up shows it was not applied.
    """
    wanted = parsed.as_dict()
    body = translate.create_body(wanted, mapping)

    async def committed() -> JcUser | None:
        return await _own_create(jc, body, wanted, auth, mapping)

    try:
        created = await jc.create_user(body, auth=auth, committed=committed)
    except _Taken:
        raise
    except (Conflict, InvalidValue) as refused:
        # JumpCloud's 400 or 409: what it holds says whether a unique value is taken, not its words.
        taken = await _taken(jc, body, auth, mapping)
        if taken is None:
            raise
        raise taken from refused
    return translate.to_scim_user(created, mapping)


class _Taken(Conflict):
    """A unique value another JumpCloud user holds (already looked up: nothing more to ask)."""

    def __init__(self, attribute: UserAttribute, value: str, holder: JcUser) -> None:
        super().__init__(f"{attribute.name} {value!r} is already taken in JumpCloud by user {holder.id}")


async def _own_create(
    jc: JumpCloudUsers, body: translate.JcBody, wanted: dict[str, Value], auth: Credentials, mapping: UserMapping
) -> JcUser | None:
    """The user this request's unanswered create made, or None if JumpCloud holds no such username.

    Ours: the same externalId; with no externalId in the request, the same email. A user
    that differs raises 409 (uniqueness): a resend could only be refused.
    """
    holder = await _holder(jc, mapping.schema.by_field["user_name"], str(body["username"]), auth)
    if holder is None:
        return None
    existing = translate.to_scim_user(holder, mapping)
    wanted_external = wanted.get("external_id")
    if wanted_external:
        same = existing.get("external_id") == wanted_external
    else:
        email = existing.get("email")
        same = isinstance(email, str) and email.casefold() == str(body.get("email", "")).casefold()
    if not same:
        raise _Taken(mapping.schema.by_field["user_name"], str(body["username"]), holder)
    log.info("create_recovered", reason="unanswered_create")
    return holder


async def _taken(jc: JumpCloudUsers, body: translate.JcBody, auth: Credentials, mapping: UserMapping) -> _Taken | None:
    """409 naming the first unique value of `body` (userName, email, employeeNumber) a user holds."""
    for attribute in mapping.schema.attributes:
        value = body.get(attribute.jc_field or "")
        if not attribute.unique or not isinstance(value, str) or not value:
            continue
        holder = await _holder(jc, attribute, value, auth)
        if holder is not None:
            return _Taken(attribute, value, holder)
    return None


async def _holder(jc: JumpCloudUsers, attribute: UserAttribute, value: str, auth: Credentials) -> JcUser | None:
    """The user holding `value` in `attribute` (case-insensitively where SCIM says so), or None."""
    term = filters.Term(attribute, value)
    page = await jc.search_users(filters.to_search_filter((term,)), skip=0, limit=2, auth=auth)
    # JumpCloud's `$` also matches before a trailing newline: keep only exact matches.
    return next((u for u in page.results if _holds(u, attribute, value)), None)


def _holds(user: JcUser, attribute: UserAttribute, value: str) -> bool:
    held = user.text(attribute.jc_field or "")
    return held is not None and (held == value if attribute.case_exact else held.casefold() == value.casefold())


async def replace_user(
    jc: JumpCloudUsers, user_id: str, parsed: Parsed, *, auth: Credentials, mapping: UserMapping
) -> ScimUser:
    """SCIM PUT: every mapped attribute set, absent ones cleared; one JumpCloud call."""
    body = translate.replace_body(parsed.as_dict(), mapping)
    return translate.to_scim_user(await jc.update_user(user_id, body, auth=auth), mapping)


async def patch_user(
    jc: JumpCloudUsers, user_id: str, parsed: Parsed, *, auth: Credentials, mapping: UserMapping
) -> ScimUser:
    """SCIM PATCH (both Entra dialects, already parsed): one PUT of the changed fields."""
    body = translate.update_body(parsed.as_dict(), mapping)
    if body:
        return translate.to_scim_user(await jc.update_user(user_id, body, auth=auth), mapping)
    # Nothing we keep changed: answer the current state.
    return translate.to_scim_user(await jc.get_user(user_id, auth=auth), mapping)


async def delete_user(jc: JumpCloudUsers, user_id: str, *, auth: Credentials) -> None:
    """Delete; a manager's reports lose their manager instead of blocking it."""
    await jc.delete_user(user_id, auth=auth)
