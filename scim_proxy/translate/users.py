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

from collections.abc import Mapping
from typing import Any

import attrs

from scim_proxy.errors import InvalidValue
from scim_proxy.ids import is_email, is_valid_username, local_part, object_id
from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.models import ScimUser, Value
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, UserAttribute, UserSchema

JcBody = dict[str, Any]  # a JSON body for JumpCloud: the converter edge

ENTRA_USERNAME_FIX = (
    "In Entra, edit the userName mapping to use mailNickname (Provisioning > Mappings > "
    "Provision Microsoft Entra ID Users > userName), or start the proxy with "
    "SCIM_PROXY_USERNAME_FROM_EMAIL=true to use the part before '@'."
)


@attrs.frozen(kw_only=True)
class UserMapping:
    """How users translate in this deployment: the attribute table and the settings that bend it."""

    schema: UserSchema = DEFAULT_USER_SCHEMA
    username_from_email: bool = False


DEFAULT_MAPPING = UserMapping()


def to_scim_user(jc: JcUser, mapping: UserMapping = DEFAULT_MAPPING) -> ScimUser:
    """The SCIM view of a JumpCloud user; `meta.lastModified` is `created` (JumpCloud keeps no other)."""
    values: dict[str, Value] = {}
    for attribute in mapping.schema.attributes:
        value = _read(jc, attribute)
        if value is not None:
            values[attribute.field] = value
    user_name = jc.username
    if mapping.username_from_email and jc.email and local_part(jc.email).lower() == jc.username.lower():
        user_name = jc.email  # the UPN Entra sent, when the email carries it (the seed's mapping)
    if user_name:
        values["user_name"] = user_name
    return ScimUser(id=jc.id, values=values, created=jc.created, last_modified=jc.created)


def _read(jc: JcUser, attribute: UserAttribute) -> Value:
    if attribute.kind == "boolean":  # `active`, the only derived attribute
        return not jc.suspended and jc.state != "SUSPENDED" and not jc.password_expired
    if attribute.jc_field is None:
        return None
    return jc.text(attribute.jc_field)


def create_body(values: Mapping[str, Value], mapping: UserMapping = DEFAULT_MAPPING) -> JcBody:
    """The POST /api/systemusers body for a new user (validated; raises InvalidValue)."""
    checked = validate(values, complete=True, mapping=mapping)
    body: JcBody = {}
    for field, value in checked.items():
        attribute = mapping.schema.by_field[field]
        if attribute.jc_field is not None and value not in (None, ""):
            body[attribute.jc_field] = value
    if checked.get("active") is False:
        body.update(state="SUSPENDED", suspended=True)
    return body


def update_body(changes: Mapping[str, Value], mapping: UserMapping = DEFAULT_MAPPING) -> JcBody:
    """The PUT /api/systemusers/{id} body for a PATCH: only the changed fields."""
    checked = validate(changes, complete=False, mapping=mapping)
    body: JcBody = {}
    for field, value in checked.items():
        attribute = mapping.schema.by_field[field]
        if attribute.jc_field is not None:
            body[attribute.jc_field] = _clearable(attribute, value)
    if "active" in checked:
        body.update(_active(checked["active"]))
    return body


def replace_body(values: Mapping[str, Value], mapping: UserMapping = DEFAULT_MAPPING) -> JcBody:
    """The PUT /api/systemusers/{id} body for a SCIM PUT: every mapped field, absent ones cleared."""
    checked = validate(values, complete=True, mapping=mapping)
    body: JcBody = {}
    for attribute in mapping.schema.attributes:
        if attribute.jc_field is not None:
            body[attribute.jc_field] = _clearable(attribute, checked.get(attribute.field))
    if "active" in checked:  # a PUT without `active` leaves the state alone
        body.update(_active(checked["active"]))
    return body


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
