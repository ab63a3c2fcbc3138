"""Pure: SCIM User values <-> JumpCloud systemuser bodies, both directions, read off the table.

The rules of the product spec (JumpCloud's attribute table), plus manager and externalId:
- every row with a `jc_field` maps a SCIM attribute to that JumpCloud field, both ways;
- `active` reads as `not suspended and not password_expired`; writing false suspends
  (`state SUSPENDED, suspended true`); writing true sends `suspended false` only, which
  reactivates a suspended user and leaves a STAGED one staged (activation is the org's
  decision; Entra's periodic no-op `active=true` must not activate anyone);
- a create carries no `state` unless the user is inactive, so the org default applies;
- no password is ever sent: users land "Password Pending";
- clearing an attribute sends "" (strings) or null (manager, and every `unique` attribute: JumpCloud's
  recorded users hold an unset employeeIdentifier as null while other unset strings are "", so ""
  is probably a value its unique index counts, and a second "" would be "User already exists").
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from scim_proxy.errors import InvalidValue
from scim_proxy.ids import is_email, is_valid_username, local_part, object_id
from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.models import ScimUser, Value
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, UserAttribute, UserSchema
from scim_proxy.translate import arrays

JcBody = dict[str, Any]  # a JSON body for JumpCloud: the converter edge

ENTRA_USERNAME_FIX = (
    "In Entra, edit the userName mapping to use mailNickname (Provisioning > Mappings > "
    "Provision Microsoft Entra ID Users > userName), or start the proxy with "
    "SCIM_PROXY_USERNAME_FROM_EMAIL=true to use the part before '@'."
)


@attrs.frozen(kw_only=True, cache_hash=True)  # a cache key on every request (search tables)
class UserMapping:
    """How users translate in this deployment: the attribute table and the settings that bend it."""

    schema: UserSchema = DEFAULT_USER_SCHEMA
    username_from_email: bool = False
    delete_mode: str = "delete"  # or "suspend": translate/removal.py


DEFAULT_MAPPING = UserMapping()


def to_scim_user(jc: JcUser, mapping: UserMapping = DEFAULT_MAPPING) -> ScimUser:
    """The SCIM view of a JumpCloud user; `meta.lastModified` is `created` (JumpCloud keeps no other)."""
    values: dict[str, Value] = {}
    fields = jc.fields
    for field, where, target in _readers(mapping.schema):
        value: Value
        if where is _FIELD:
            value = fields.get(target.field)
            if not (isinstance(value, str) and value):
                continue
        elif where is _ARRAY:
            value = arrays.read(fields, target)
            if value is None:
                continue
        else:
            value = _is_active(jc)
        values[field] = value
    user_name = jc.username
    if mapping.username_from_email and jc.email and local_part(jc.email).lower() == jc.username.lower():
        user_name = jc.email  # the UPN Entra sent, when the email carries it (the seed's mapping)
    if user_name:
        values["user_name"] = user_name
    return ScimUser(id=jc.id, values=values, created=jc.created, last_modified=jc.created)


_FIELD, _ARRAY, _DERIVED = "field", "array", "derived"


@functools.lru_cache(maxsize=8)  # one table per app; a few in tests
def _readers(schema: UserSchema) -> tuple[tuple[str, str, Any], ...]:
    """How to read each row of `schema` from a JumpCloud record, worked out once per table:
    a string field, an array entry, or derived (`active`); rows with nowhere to read are left out."""
    readers: list[tuple[str, str, Any]] = []
    for attribute in schema.attributes:
        target = attribute.target
        if attribute.kind == "boolean":  # `active`, the only derived attribute
            readers.append((attribute.field, _DERIVED, None))
        elif target is not None:
            readers.append((attribute.field, _ARRAY if target.in_array else _FIELD, target))
    return tuple(readers)


def _is_active(jc: JcUser) -> bool:
    return not jc.suspended and jc.state != "SUSPENDED" and not jc.password_expired


def needs_current(fields: Iterable[str], mapping: UserMapping = DEFAULT_MAPPING) -> bool:
    """Whether writing these fields needs the user as JumpCloud holds it: an array is replaced whole."""
    return any(_in_array(mapping.schema.by_field[field]) for field in fields)


def create_body(values: Mapping[str, Value], mapping: UserMapping = DEFAULT_MAPPING) -> JcBody:
    """The POST /api/systemusers body for a new user (validated; raises InvalidValue)."""
    checked = validate(values, complete=True, mapping=mapping)
    body: JcBody = {}
    entries: list[arrays.Assignment] = []
    for field, value in checked.items():
        target = mapping.schema.by_field[field].target
        if target is None or value in (None, ""):
            continue
        if target.in_array:
            entries.append((target, value))
        else:
            body[target.field] = value
    body.update(arrays.merged({}, entries))
    if checked.get("active") is False:
        body.update(state="SUSPENDED", suspended=True)
    return body


def update_body(
    changes: Mapping[str, Value], mapping: UserMapping = DEFAULT_MAPPING, *, current: JcUser | None = None
) -> JcBody:
    """The PUT /api/systemusers/{id} body for a PATCH: only the changed fields, and any array they
    touch whole (merged into `current`, which the caller reads first: see needs_current)."""
    checked = validate(changes, complete=False, mapping=mapping)
    rows = [(mapping.schema.by_field[field], value) for field, value in checked.items()]
    body = _body(rows, current)
    if "active" in checked:
        body.update(_active(checked["active"]))
    return body


def replace_body(
    values: Mapping[str, Value], mapping: UserMapping = DEFAULT_MAPPING, *, current: JcUser | None = None
) -> JcBody:
    """The PUT /api/systemusers/{id} body for a SCIM PUT: every mapped field, absent ones cleared
    (array entries too, merged into `current`: entries no row names are kept)."""
    checked = validate(values, complete=True, mapping=mapping)
    body = _body([(attribute, checked.get(attribute.field)) for attribute in mapping.schema.attributes], current)
    if "active" in checked:  # a PUT without `active` leaves the state alone
        body.update(_active(checked["active"]))
    return body


def _body(rows: list[tuple[UserAttribute, Value]], current: JcUser | None) -> JcBody:
    body: JcBody = {}
    entries: list[arrays.Assignment] = []
    for attribute, value in rows:
        target = attribute.target
        if target is None:
            continue
        if target.in_array:
            entries.append((target, value))
        else:
            body[target.field] = _clearable(attribute, value)
    if entries:
        if current is None:
            raise ValueError("an array is replaced whole: read the user first (needs_current)")
        body.update(arrays.merged(current.fields, entries))
    return body


def _in_array(attribute: UserAttribute) -> bool:
    return attribute.target is not None and attribute.target.in_array


def _active(active: Value) -> JcBody:
    return {"state": "SUSPENDED", "suspended": True} if active is False else {"suspended": False}


def _clearable(attribute: UserAttribute, value: Value) -> Value:
    """The JumpCloud value that sets `value`, or clears the field for None (and "" where "" would collide)."""
    if attribute.unique and value == "":
        return None
    if value is None:
        return None if attribute.kind == "reference" or attribute.unique else ""
    return value


def validate(
    values: Mapping[str, Value], *, complete: bool, mapping: UserMapping = DEFAULT_MAPPING
) -> dict[str, Value]:
    """Check the seed's rules before anything reaches JumpCloud; return values to send.

    `complete` is for POST and PUT, where userName and an email are required.
    """
    by_field = mapping.schema.by_field
    checked = dict(values)
    if complete:
        for attribute in mapping.schema.attributes:
            if attribute.required and not checked.get(attribute.field):
                raise InvalidValue(f"{attribute.path} is required")
    for field, value in checked.items():
        attribute = by_field[field]
        if isinstance(value, str) and attribute.max_length and len(value) > attribute.max_length:
            raise InvalidValue(f"{attribute.path} is longer than {attribute.max_length} characters")
        if attribute.required and field in checked and not value:
            raise InvalidValue(f"{attribute.path} is required and cannot be cleared")
        if attribute.kind == "reference" and isinstance(value, str):
            checked[field] = object_id(value)
            if checked[field] is None:
                raise InvalidValue(
                    f"{attribute.name} must be the id of a user in this service (24 hexadecimal characters)"
                )
    if isinstance(checked.get("user_name"), str):
        checked["user_name"] = _username(str(checked["user_name"]), mapping.username_from_email)
    email = checked.get("email")
    if isinstance(email, str) and not is_email(email):
        raise InvalidValue("emails: the primary email is not a well-formed address")
    return checked


def _username(user_name: str, username_from_email: bool) -> str:
    if "@" in user_name:
        if not username_from_email:
            raise InvalidValue(f"userName must not be an email address: JumpCloud rejects them. {ENTRA_USERNAME_FIX}")
        user_name = local_part(user_name)
    if not is_valid_username(user_name):
        raise InvalidValue(
            "userName may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit"
        )
    return user_name
