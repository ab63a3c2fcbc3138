"""Pure: SCIM Groups <-> JumpCloud v2 user groups, and group filters.

Rules:
- `displayName` is the JumpCloud `name`; `members` are direct user members, by JumpCloud user id
  (24 lower-case hex characters; anything else is invalidValue before any upstream call).
- `externalId` lives at the end of the JumpCloud `description`, after `EXTERNAL_ID_MARKER`: the
  v2 group has no free field of its own for it, `email` has a meaning, and `attributes` is a
  typed object (sudo, ldap, radius) that may drop unknown keys. Any admin text before the marker
  is kept. The description is not a documented v2 filter field, so `externalId eq` is answered by
  scanning the group list.
- A JumpCloud PUT is a full update, so every group field we do not manage is sent back unchanged.
- Group PATCH lives in group_patch.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from scim_proxy.errors import InvalidFilter, InvalidValue
from scim_proxy.scim.filters import eq_pairs
from scim_proxy.scim.schema import CORE_GROUP

EXTERNAL_ID_MARKER = "scimExternalId="
USER_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_GROUP_PREFIX = CORE_GROUP.lower() + ":"
_MAX_DESCRIPTION = 1024
# Fields of UserGroupPut that a full update would reset if we left them out.
_CARRIED = ("email", "attributes", "membershipMethod", "memberQuery", "memberQueryExemptions")


@attrs.frozen(kw_only=True)
class JcGroup:
    """A JumpCloud user group; `raw` keeps the fields we only carry through a PUT."""

    id: str
    name: str
    description: str = ""
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def external_id(self) -> str | None:
        _, marker, value = self.description.rpartition(EXTERNAL_ID_MARKER)
        return value if marker else None


def jc_group(data: Any) -> JcGroup:
    """Read a JumpCloud UserGroup body; ValueError if it is not one."""
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str) or not isinstance(data.get("name"), str):
        raise ValueError("not a JumpCloud user group")
    description = data.get("description")
    return JcGroup(
        id=data["id"],
        name=data["name"],
        description=description if isinstance(description, str) else "",
        raw=dict(data),
    )


@attrs.frozen(kw_only=True)
class GroupInput:
    """A SCIM Group body (POST, PUT); `members` None means the body did not mention them."""

    display_name: str
    external_id: str | None = None
    members: tuple[str, ...] | None = None


def parse_group(body: Any) -> GroupInput:
    """The attributes we keep from a POST or PUT body; keys match case-insensitively."""
    if not isinstance(body, Mapping):
        raise InvalidValue("A Group must be a JSON object")
    folded = {canonical_path(str(k)): v for k, v in body.items()}
    members = folded.get("members")
    return GroupInput(
        display_name=display_name_of(folded.get("displayname")),
        external_id=external_id_of(folded.get("externalid")),
        members=None if members is None else member_ids(members, where="members"),
    )


def member_ids(value: Any, *, where: str) -> tuple[str, ...]:
    """User ids from a members value (a list of {"value": id}, one such object, or bare ids), deduplicated."""
    items = value if isinstance(value, list) else [value]
    ids: dict[str, None] = {}
    for item in items:
        raw = {str(k).lower(): v for k, v in item.items()}.get("value") if isinstance(item, Mapping) else item
        ids[user_id_of(raw, where=where)] = None
    return tuple(ids)


def user_id_of(raw: Any, *, where: str) -> str:
    if not isinstance(raw, str) or not USER_ID.match(raw):
        shown = raw[:64] if isinstance(raw, str) else raw
        raise InvalidValue(f"{where}: {shown!r} is not a JumpCloud user id (24 hexadecimal characters)")
    return raw.lower()


def display_name_of(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("displayName is required and must be a non-empty string")
    return value


def external_id_of(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or EXTERNAL_ID_MARKER in value or len(value) > 256:
        raise InvalidValue("externalId must be a string of at most 256 characters")
    return value


def canonical_path(path: str) -> str:
    return path.strip().lower().removeprefix(_GROUP_PREFIX)


def description_with(description: str, external_id: str | None) -> str:
    """`description` with its externalId marker set to `external_id` (or removed for None)."""
    head, marker, _ = description.rpartition(EXTERNAL_ID_MARKER)
    text = head.rstrip() if marker else description
    if external_id is None:
        return text
    tag = f"{EXTERNAL_ID_MARKER}{external_id}"
    described = f"{text} {tag}" if text else tag
    if len(described) > _MAX_DESCRIPTION:
        raise InvalidValue("externalId does not fit in the JumpCloud group description")
    return described


def create_body(group: GroupInput) -> dict[str, Any]:
    """The POST /api/v2/usergroups body."""
    body: dict[str, Any] = {"name": group.display_name}
    if group.external_id is not None:
        body["description"] = description_with("", group.external_id)
    return body


def put_body(current: JcGroup, *, name: str, external_id: str | None) -> dict[str, Any]:
    """The full-update PUT body: our two fields changed, every other field as JumpCloud holds it."""
    body = {k: current.raw[k] for k in _CARRIED if current.raw.get(k) is not None}
    body["name"] = name
    body["description"] = description_with(current.description, external_id)
    return body


def to_scim_group(group: JcGroup, members: list[str] | tuple[str, ...] | None, *, base: str) -> dict[str, Any]:
    """The SCIM Group resource; members None leaves the attribute out (excluded, not read)."""
    resource: dict[str, Any] = {"schemas": [CORE_GROUP], "id": group.id}
    if group.external_id is not None:
        resource["externalId"] = group.external_id
    resource["displayName"] = group.name
    if members is not None:
        resource["members"] = [{"value": uid, "$ref": f"{base}/Users/{uid}", "type": "User"} for uid in members]
    resource["meta"] = {"resourceType": "Group", "location": f"{base}/Groups/{group.id}"}
    created = objectid_time(group.id)
    if created is not None:
        resource["meta"].update(created=created, lastModified=created)
    return resource


def objectid_time(object_id: str) -> str | None:
    """When a JumpCloud object was created, from its ObjectId (first 4 bytes: Unix seconds).

    Groups carry no timestamps of their own; like users' meta.lastModified, we report the
    creation time for both. None for an id that is not 24 hexadecimal characters.
    """
    if len(object_id) != 24:
        return None
    try:
        seconds = int(object_id[:8], 16)
    except ValueError:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- filters ----------------------------------------------------------------------------------


@attrs.frozen
class GroupTerm:
    """`attribute eq value`, attribute one of "id", "displayName", "externalId", "members"."""

    attribute: str
    value: str


_FILTERABLE = {
    "id": "id",
    "displayname": "displayName",
    "externalid": "externalId",
    "members": "members",  # a membership check: `id eq "<group>" and members eq "<user>"`
    "members.value": "members",
}


def parse_group_filter(text: str) -> tuple[GroupTerm, ...]:
    """The `eq` terms of a /Groups filter; InvalidFilter for other attributes or syntax."""
    terms = []
    for path, value, _ in eq_pairs(text):
        attribute = _FILTERABLE.get(canonical_path(path))
        if attribute is None:
            raise InvalidFilter(
                f"Filtering Groups on '{path}' is not supported; use displayName, externalId, id or members"
            )
        terms.append(GroupTerm(attribute, value))
    if terms and all(t.attribute == "members" for t in terms):
        # Answering it would read every group's member list: ask which group as well.
        raise InvalidFilter("'members eq' needs a group too: combine it with id, displayName or externalId eq")
    return tuple(terms)


def group_matches(group: JcGroup, terms: tuple[GroupTerm, ...]) -> bool:
    """Whether `group` satisfies every term but `members` (checked against the member list by the caller):
    displayName ignoring case (caseExact false), the others exactly."""
    for term in terms:
        if term.attribute == "members":
            continue
        if term.attribute == "displayName":
            if group.name.casefold() != term.value.casefold():
                return False
        elif (group.id if term.attribute == "id" else group.external_id) != term.value:
            return False
    return True
