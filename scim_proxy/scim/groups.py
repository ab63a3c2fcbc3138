"""Pure: SCIM Group bodies and /Groups filters, parsed and validated (no JumpCloud knowledge).

- `displayName` is required; `members` are user ids (24 hexadecimal characters, any case,
  used lower-case; anything else is invalidValue before any upstream call), at most
  `max_members` of them per request (each becomes a JumpCloud call), counted before any is read;
- keys match case-insensitively, with or without the core Group schema URN;
- group PATCH lives in group_patch.py; the JumpCloud side lives in translate/groups.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from scim_proxy.errors import InvalidValue, TooManyMembers
from scim_proxy.ids import object_id
from scim_proxy.scim.schema import CORE_GROUP

_GROUP_PREFIX = CORE_GROUP.lower() + ":"
MAX_EXTERNAL_ID = 256
MAX_MEMBERS = 1000  # the default of the max_group_members setting


@attrs.frozen(kw_only=True)
class GroupInput:
    """A SCIM Group body (POST, PUT); `members` None means the body did not mention them."""

    display_name: str
    external_id: str | None = None
    members: tuple[str, ...] | None = None


def parse_group(body: Any, *, max_members: int = MAX_MEMBERS) -> GroupInput:
    """The attributes we keep from a POST or PUT body; keys match case-insensitively."""
    if not isinstance(body, Mapping):
        raise InvalidValue("A Group must be a JSON object")
    folded = {canonical_path(str(k)): v for k, v in body.items()}
    members = folded.get("members")
    return GroupInput(
        display_name=display_name_of(folded.get("displayname")),
        external_id=external_id_of(folded.get("externalid")),
        members=None if members is None else member_ids(members, where="members", limit=max_members),
    )


def member_ids(value: Any, *, where: str, limit: int, already: int = 0) -> tuple[str, ...]:
    """User ids from a members value (a list of {"value": id}, one such object, or bare ids), deduplicated.

    More than `limit` entries, counting `already` named by the same request, is TooManyMembers,
    decided by the list's length before any entry is read.
    """
    items = value if isinstance(value, list) else [value]
    check_member_count(already + len(items), limit=limit)
    ids: dict[str, None] = {}
    for item in items:
        raw = {str(k).lower(): v for k, v in item.items()}.get("value") if isinstance(item, Mapping) else item
        ids[user_id_of(raw, where=where)] = None
    return tuple(ids)


def check_member_count(count: int, *, limit: int) -> None:
    """TooManyMembers when one request names more than `limit` members."""
    if count > limit:
        raise TooManyMembers(
            f"This request names {count} members; at most {limit} are accepted per request "
            "(SCIM_PROXY_MAX_GROUP_MEMBERS): send the changes in several requests"
        )


def user_id_of(raw: Any, *, where: str) -> str:
    found = object_id(raw)
    if found is None:
        shown = raw[:64] if isinstance(raw, str) else raw
        raise InvalidValue(f"{where}: {shown!r} is not a JumpCloud user id (24 hexadecimal characters)")
    return found


def display_name_of(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("displayName is required and must be a non-empty string")
    return value


def external_id_of(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_EXTERNAL_ID:
        raise InvalidValue(f"externalId must be a string of at most {MAX_EXTERNAL_ID} characters")
    return value


def canonical_path(path: str) -> str:
    return path.strip().lower().removeprefix(_GROUP_PREFIX)
