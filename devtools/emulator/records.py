"""Pure: the v1 systemuser record, its defaults, body validation and the state rules (reference 11, 13).

Nothing here knows about other users; uniqueness and `manager` references live in `store`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from devtools.emulator.errors import BadRequest

MAX_STRING = 1024
MAX_EMPLOYEE_IDENTIFIER = 256
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

STRING_FIELDS = (
    "username", "email", "alternateEmail", "firstname", "middlename", "lastname", "displayname",
    "jobTitle", "department", "company", "costCenter", "employeeType", "location", "description",
    "external_dn", "external_source_type", "managedAppleId", "public_key",
)  # fmt: skip
BOOL_FIELDS = (
    "password_never_expires", "account_locked", "externally_managed", "enable_user_portal_multifactor",
    "sudo", "passwordless_sudo", "allow_public_key", "ldap_binding_user", "samba_service_user",
    "enable_managed_uid", "disableDeviceMaxLoginAttempts",
)  # fmt: skip
INT_FIELDS = ("unix_uid", "unix_guid")
OBJECT_FIELDS = ("mfa", "recoveryEmail", "delegatedAuthority")
NULLABLE_STRING_FIELDS = ("external_password_expiration_date",)
ARRAY_ITEM_KEYS: Mapping[str, tuple[str, ...]] = {
    "addresses": (
        "type",
        "poBox",
        "extendedAddress",
        "streetAddress",
        "locality",
        "region",
        "postalCode",
        "country",
    ),
    "phoneNumbers": ("type", "number"),
    "attributes": ("name", "value"),
    "relationships": ("type", "value"),
}
ITEMS_WITH_ID = ("addresses", "phoneNumbers")  # the spec says only these two "return adds id"
PASS_THROUGH_ARRAYS = ("restrictedFields", "ssh_keys")
STATE_ON_UPDATE = ("ACTIVATED", "SUSPENDED")
CONFLICTING_STATE = "Cannot save conflicting state and suspended fields"


def blank_user(*, user_id: str, org_id: str, created: str, unix_id: int) -> dict[str, Any]:
    """A systemuser with every returned field at the value JumpCloud gives an unset field."""
    user: dict[str, Any] = {"_id": user_id, "id": user_id}
    user.update(dict.fromkeys(STRING_FIELDS, ""))
    user.update(dict.fromkeys(BOOL_FIELDS, False))
    user.update(dict.fromkeys(NULLABLE_STRING_FIELDS))
    user.update({name: [] for name in (*ARRAY_ITEM_KEYS, "tags", *PASS_THROUGH_ARRAYS)})
    user.update(
        allow_public_key=True,
        employeeIdentifier=None,
        manager=None,
        state="ACTIVATED",
        suspended=False,
        activated=False,
        password_expired=False,
        password_expiration_date=None,
        password_date=None,
        account_locked_date=None,
        badLoginAttempts=0,
        totp_enabled=False,
        unix_uid=unix_id,
        unix_guid=unix_id,
        mfa={"configured": False, "exclusion": False},
        mfaEnrollment=dict.fromkeys(
            ("overallStatus", "totpStatus", "pushStatus", "webAuthnStatus", "jcGoStatus"), "NOT_ENROLLED"
        ),
        recoveryEmail={"address": "", "verified": False},
        delegatedAuthority=None,
        admin=None,
        systemUsername="",
        creationSource="",
        organization=org_id,
        created=created,
    )
    return user


def validate_changes(
    body: Mapping[str, Any], *, creating: bool, new_id: Callable[[], str], keep_empty_identifier: bool = False
) -> dict[str, Any]:
    """Check a POST or PUT body; returns the fields to write. Unknown and read-only fields are dropped.

    `keep_empty_identifier` stores an `employeeIdentifier` of "" as "" (a value that collides, see
    `Quirks.empty_identifier_collides`) instead of as null.
    """
    changes: dict[str, Any] = {}
    for name in STRING_FIELDS:
        if name in body:
            changes[name] = _string(name, body[name])
    for name in ("username", "email"):
        if (creating or name in changes) and not changes.get(name, "").strip():
            raise BadRequest(f"{name} is required")
    if changes.get("email") and not _EMAIL.match(changes["email"]):
        raise BadRequest("email must be a valid email address")
    if "employeeIdentifier" in body:
        raw = body["employeeIdentifier"]
        value = _string("employeeIdentifier", raw, limit=MAX_EMPLOYEE_IDENTIFIER)
        # unset is null on the wire (the HAR), and null never collides; "" may be a value like any other
        changes["employeeIdentifier"] = value if raw is not None and (value or keep_empty_identifier) else None
    if "manager" in body:
        changes["manager"] = _manager(body["manager"])
    for name in BOOL_FIELDS:
        if name in body:
            changes[name] = _boolean(name, body[name])
    for name in INT_FIELDS:
        if name in body:
            changes[name] = _unix_id(name, body[name])
    for name in (*OBJECT_FIELDS, *NULLABLE_STRING_FIELDS):
        if name in body:
            changes[name] = _object_or_string(name, body[name])
    for name in ARRAY_ITEM_KEYS:
        if name in body:
            changes[name] = _items(name, body[name], new_id=new_id)
    if "tags" in body:
        changes["tags"] = _tags(body["tags"])
    for name in PASS_THROUGH_ARRAYS:
        if name in body:
            changes[name] = _list(name, body[name])
    if "password" in body:
        if not isinstance(body["password"], str) or not body["password"]:
            raise BadRequest("password must be a non-empty string")
        changes["activated"] = True  # a password ends Password Pending; the password itself is not kept
    return changes


def resolve_state(*, current: str | None, state: Any, suspended: Any, default_state: str) -> tuple[str, bool] | None:
    """The (state, suspended) pair after a write, or None when the write leaves them alone.

    `current` is None on create. Rules (reference 11): PUT cannot set STAGED; a conflicting
    pair is refused; `suspended` alone suspends, or un-suspends a SUSPENDED user only.
    """
    if state is not None:
        allowed = ("STAGED", *STATE_ON_UPDATE) if current is None else STATE_ON_UPDATE
        if state not in allowed:
            raise BadRequest(f"state must be one of {', '.join(allowed)}")
    if suspended is not None and not isinstance(suspended, bool):
        raise BadRequest("suspended must be a boolean")
    if state is not None and suspended is not None and suspended != (state == "SUSPENDED"):
        raise BadRequest(CONFLICTING_STATE)
    if state is not None:
        return state, state == "SUSPENDED"
    if suspended is True:
        return "SUSPENDED", True
    if current is None:
        return default_state, False
    if suspended is False and current == "SUSPENDED":
        return "ACTIVATED", False
    return None


def _string(name: str, value: Any, *, limit: int = MAX_STRING) -> str:
    if value is None:
        return ""  # null clears a string field, like ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if len(value) > limit:
        raise BadRequest(f"{name} must be at most {limit} characters")
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be a boolean")
    return value


def _unix_id(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4294967295:
        raise BadRequest(f"{name} must be an integer between 0 and 4294967295")
    return value


def _manager(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not OBJECT_ID.match(value):
        raise BadRequest("manager must be the id of a user")
    return value


def _object_or_string(name: str, value: Any) -> Any:
    if value is not None and not isinstance(value, dict | str):
        raise BadRequest(f"{name} has an invalid type")
    return value


def _list(name: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise BadRequest(f"{name} must be an array")
    return value


def _tags(value: Any) -> list[str]:
    tags = _list("tags", value)
    if not all(isinstance(tag, str) for tag in tags):
        raise BadRequest("tags must be an array of strings")
    return list(tags)


def _items(name: str, value: Any, *, new_id: Callable[[], str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for raw in _list(name, value):
        if not isinstance(raw, dict):
            raise BadRequest(f"{name} must be an array of objects")
        item = {key: _string(f"{name}.{key}", raw.get(key)) for key in ARRAY_ITEM_KEYS[name]}
        if name in ITEMS_WITH_ID:
            given = raw.get("id")
            item["id"] = given if isinstance(given, str) and OBJECT_ID.match(given) else new_id()
        items.append(item)
    return items
