"""Pure: SCIM Groups <-> JumpCloud v2 user groups, both directions.

Rules:
- `displayName` is the JumpCloud `name`; `members` are direct user members, by JumpCloud user id.
- `externalId` lives at the end of the JumpCloud `description`, after `EXTERNAL_ID_MARKER`: the
  v2 group has no free field of its own for it, `email` has a meaning, and `attributes` is a
  typed object (sudo, ldap, radius) that may drop unknown keys. Any admin text before the marker
  is kept. The description is not a documented v2 filter field, so `externalId eq` is answered by
  scanning the group list.
- A JumpCloud PUT is a full update, so every writable field we do not manage is sent back as
  JumpCloud returned it: the fields of the v2 spec's `UserGroupPut` (USER_GROUP_PUT_FIELDS, a copy
  that tests/test_group_put_fields.py compares with the spec, so it cannot drift).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from scim_proxy.errors import InvalidValue
from scim_proxy.jumpcloud.models import JcGroup
from scim_proxy.scim.groups import GroupInput
from scim_proxy.scim.schema import CORE_GROUP

EXTERNAL_ID_MARKER = "scimExternalId="
_MAX_DESCRIPTION = 1024
# Every property of the v2 spec's `UserGroupPut` definition (JumpCloud.SDK.V2.json), in its order.
USER_GROUP_PUT_FIELDS = (
    "attributes",
    "description",
    "email",
    "memberQuery",
    "memberQueryExemptions",
    "memberSuggestionsNotify",
    "membershipMethod",
    "name",
)
_OURS = ("name", "description")  # what the proxy writes; the rest a full update would reset if left out
CARRIED_FIELDS = tuple(field for field in USER_GROUP_PUT_FIELDS if field not in _OURS)


def external_id(group: JcGroup) -> str | None:
    """The SCIM externalId kept in the group's description, or None."""
    _, marker, value = group.description.rpartition(EXTERNAL_ID_MARKER)
    return value if marker else None


def description_with(description: str, external_id: str | None) -> str:
    """`description` with its externalId marker set to `external_id` (or removed for None)."""
    head, marker, _ = description.rpartition(EXTERNAL_ID_MARKER)
    text = head.rstrip() if marker else description
    if external_id is None:
        return text
    if EXTERNAL_ID_MARKER in external_id:
        raise InvalidValue(f"externalId must not contain {EXTERNAL_ID_MARKER!r}")
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
    """The full-update PUT body: our two fields changed, every other writable field as JumpCloud holds it.

    A field JumpCloud returned as null (or not at all) is left out: unset stays unset.
    """
    body = {k: current.raw[k] for k in CARRIED_FIELDS if current.raw.get(k) is not None}
    body["name"] = name
    body["description"] = description_with(current.description, external_id)
    return body


def to_scim_group(group: JcGroup, members: Sequence[str] | None, *, base: str) -> dict[str, Any]:
    """The SCIM Group resource; members None leaves the attribute out (excluded, not read)."""
    resource: dict[str, Any] = {"schemas": [CORE_GROUP], "id": group.id}
    kept_external_id = external_id(group)
    if kept_external_id is not None:
        resource["externalId"] = kept_external_id
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
