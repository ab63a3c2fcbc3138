"""Pure: SCIM User values <-> JumpCloud systemuser bodies, both directions.

The rules of the product spec (JumpCloud's attribute table), plus manager and externalId:
- `active` reads as `not suspended and not password_expired`; writing false suspends
  (`state SUSPENDED, suspended true`); writing true sends `suspended false` only, which
  reactivates a suspended user and leaves a STAGED one staged (activation is the org's
  decision; Entra's periodic no-op `active=true` must not activate anyone);
- a create carries no `state` unless the user is inactive, so the org default applies;
- no password is ever sent: users land "Password Pending";
- clearing an attribute sends "" (strings) or null (manager).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scim_proxy.errors import InvalidValue
from scim_proxy.ids import is_email, is_valid_username, local_part, object_id
from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.models import ScimUser, Value
from scim_proxy.scim.schema import BY_FIELD, USER_ATTRIBUTES

JcBody = dict[str, Any]  # a JSON body for JumpCloud: the converter edge

ENTRA_USERNAME_FIX = (
    "In Entra, edit the userName mapping to use mailNickname (Provisioning > Mappings > "
    "Provision Microsoft Entra ID Users > userName), or start the proxy with "
    "SCIM_PROXY_USERNAME_FROM_EMAIL=true to use the part before '@'."
)


def to_scim_user(jc: JcUser, *, username_from_email: bool = False) -> ScimUser:
    """The SCIM view of a JumpCloud user; `meta.lastModified` is `created` (JumpCloud keeps no other)."""
    user_name = jc.username
    if username_from_email and jc.email and local_part(jc.email).lower() == jc.username.lower():
        user_name = jc.email  # the UPN Entra sent, when the email carries it (the seed's mapping)
    return ScimUser(
        id=jc.id,
        user_name=user_name,
        given_name=jc.firstname or None,
        family_name=jc.lastname or None,
        display_name=jc.displayname or None,
        email=jc.email or None,
        active=not jc.suspended and jc.state != "SUSPENDED" and not jc.password_expired,
        title=jc.job_title or None,
        locale=jc.location or None,
        user_type=jc.employee_type or None,
        external_id=jc.external_dn or None,
        employee_number=jc.employee_identifier or None,
        department=jc.department or None,
        cost_center=jc.cost_center or None,
        organization=jc.company or None,
        manager=jc.manager or None,
        created=jc.created,
        last_modified=jc.created,
    )


def create_body(values: Mapping[str, Value], *, username_from_email: bool = False) -> JcBody:
    """The POST /api/systemusers body for a new user (validated; raises InvalidValue)."""
    checked = validate(values, complete=True, username_from_email=username_from_email)
    body: JcBody = {}
    for field, value in checked.items():
        attribute = BY_FIELD[field]
        if attribute.jc_field is not None and value not in (None, ""):
            body[attribute.jc_field] = value
    if checked.get("active") is False:
        body.update(state="SUSPENDED", suspended=True)
    return body


def update_body(changes: Mapping[str, Value], *, username_from_email: bool = False) -> JcBody:
    """The PUT /api/systemusers/{id} body for a PATCH: only the changed fields."""
    checked = validate(changes, complete=False, username_from_email=username_from_email)
    body: JcBody = {}
    for field, value in checked.items():
        attribute = BY_FIELD[field]
        if attribute.jc_field is not None:
            body[attribute.jc_field] = _clearable(attribute.kind, value)
    if "active" in checked:
        body.update(_active(checked["active"]))
    return body


def replace_body(values: Mapping[str, Value], *, username_from_email: bool = False) -> JcBody:
    """The PUT /api/systemusers/{id} body for a SCIM PUT: every mapped field, absent ones cleared."""
    checked = validate(values, complete=True, username_from_email=username_from_email)
    body: JcBody = {}
    for attribute in USER_ATTRIBUTES:
        if attribute.jc_field is not None:
            body[attribute.jc_field] = _clearable(attribute.kind, checked.get(attribute.field))
    if "active" in checked:  # a PUT without `active` leaves the state alone
        body.update(_active(checked["active"]))
    return body


def _active(active: Value) -> JcBody:
    return {"state": "SUSPENDED", "suspended": True} if active is False else {"suspended": False}


def _clearable(kind: str, value: Value) -> Value:
    if value is None:
        return None if kind == "reference" else ""
    return value


def validate(values: Mapping[str, Value], *, complete: bool, username_from_email: bool) -> dict[str, Value]:
    """Check the seed's rules before anything reaches JumpCloud; return values to send.

    `complete` is for POST and PUT, where userName and an email are required.
    """
    checked = dict(values)
    if complete:
        for field in ("user_name", "email"):
            if not checked.get(field):
                attribute = BY_FIELD[field]
                raise InvalidValue(f"{attribute.path} is required")
    for field, value in checked.items():
        attribute = BY_FIELD[field]
        if isinstance(value, str) and attribute.max_length and len(value) > attribute.max_length:
            raise InvalidValue(f"{attribute.path} is longer than {attribute.max_length} characters")
    if isinstance(checked.get("user_name"), str):
        checked["user_name"] = _username(str(checked["user_name"]), username_from_email)
    email = checked.get("email")
    if isinstance(email, str) and not is_email(email):
        raise InvalidValue("emails: the primary email is not a well-formed address")
    if "email" in checked and not email:
        raise InvalidValue("emails is required and cannot be cleared")
    if "user_name" in checked and not checked["user_name"]:
        raise InvalidValue("userName is required and cannot be cleared")
    manager = checked.get("manager")
    if isinstance(manager, str):
        checked["manager"] = object_id(manager)
        if checked["manager"] is None:
            raise InvalidValue("manager must be the id of a user in this service (24 hexadecimal characters)")
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
