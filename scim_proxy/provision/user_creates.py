"""/Users creates as a use case: one create, recovered when its answer is lost, read from what
JumpCloud holds when it is refused (a unique value taken: 409 naming it), and, in suspend mode,
a removed user brought back instead of a conflict.

JumpCloud calls: 1 create (+1 look-up and a resend per unanswered send; up to 3 look-ups after
a 400/409, one per unique value, in suspend mode too; in suspend mode a revival is 1 look-up and 1 PUT).
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from scim_proxy.errors import Conflict, InvalidValue
from scim_proxy.jumpcloud.models import Credentials, JcUser
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.provision.removal import revive_user, visible
from scim_proxy.scim.models import Parsed, ScimUser, Value
from scim_proxy.scim.schema import UserAttribute
from scim_proxy.translate import users as translate
from scim_proxy.translate.regex import regex_equal
from scim_proxy.translate.users import UserMapping

log = structlog.get_logger("scim_proxy")


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
        # The username's holder is looked up once, for a revival and for the conflict alike.
        user_name = mapping.schema.by_field["user_name"]
        holder = await _holder(jc, user_name, str(body["username"]), auth)
        if holder is not None and not visible(holder, mapping):
            # suspend mode: the person is back; the same JumpCloud user returns
            return translate.to_scim_user(await revive_user(jc, holder, wanted, auth=auth, mapping=mapping), mapping)
        taken = await _taken(jc, body, auth, mapping, known={user_name.field: holder})
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
    if holder is None or not visible(holder, mapping):
        return None  # nobody, or a user suspend mode removed: our create was not applied
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


async def _taken(
    jc: JumpCloudUsers,
    body: translate.JcBody,
    auth: Credentials,
    mapping: UserMapping,
    *,
    known: Mapping[str, JcUser | None],
) -> _Taken | None:
    """409 naming the first unique value of `body` (userName, email, employeeNumber) a user holds;
    `known`: holders already looked up, by attribute field (not asked again)."""
    for attribute in mapping.schema.attributes:
        value = body.get(attribute.jc_field or "")
        if not attribute.unique or not isinstance(value, str) or not value:
            continue
        if attribute.field in known:
            holder = known[attribute.field]
        else:
            holder = await _holder(jc, attribute, value, auth)
        if holder is not None:
            return _Taken(attribute, value, holder)
    return None


async def _holder(jc: JumpCloudUsers, attribute: UserAttribute, value: str, auth: Credentials) -> JcUser | None:
    """The user holding `value` in `attribute` (case-insensitively where SCIM says so), or None."""
    condition = value if attribute.case_exact else regex_equal(value)
    page = await jc.search_users({"and": [{attribute.jc_field or "": condition}]}, skip=0, limit=2, auth=auth)
    # JumpCloud's `$` also matches before a trailing newline: keep only exact matches.
    return next((u for u in page.results if _holds(u, attribute, value)), None)


def _holds(user: JcUser, attribute: UserAttribute, value: str) -> bool:
    held = user.text(attribute.jc_field or "")
    return held is not None and (held == value if attribute.case_exact else held.casefold() == value.casefold())
