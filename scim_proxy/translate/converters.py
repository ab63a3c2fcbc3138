"""The cattrs converter that writes SCIM User JSON (JumpCloud JSON is read in jumpcloud/decode.py).

Built by factories, never at import, so tests and the app each get their own.
"""

from __future__ import annotations

from typing import Any

import cattrs

from scim_proxy.scim.models import ScimUser
from scim_proxy.scim.schema import CORE_USER, ENTERPRISE_USER


def make_scim_converter() -> cattrs.Converter:
    """Build the converter that writes SCIM User JSON (rules in configure_scim_converter)."""
    converter = cattrs.Converter()
    configure_scim_converter(converter)
    return converter


def configure_scim_converter(converter: cattrs.Converter) -> None:
    """Register our SCIM output rules on `converter`.

    - unset attributes are omitted, never sent as null (Entra reads null as a change);
    - `name` and `emails` are complex; the one email is `work` and `primary`;
    - enterprise attributes go in the extension object, `manager` always as `{"value": id}`
      (a bare string makes Entra fail to deserialise the resource);
    - `schemas` lists the extension only when it carries something.
    """
    converter.register_unstructure_hook(ScimUser, _user_to_scim)


def _user_to_scim(user: ScimUser) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [CORE_USER], "id": user.id}
    _put(body, "externalId", user.external_id)
    _put(body, "userName", user.user_name)
    name: dict[str, Any] = {}
    _put(name, "givenName", user.given_name)
    _put(name, "familyName", user.family_name)
    if name:
        body["name"] = name
    _put(body, "displayName", user.display_name)
    _put(body, "title", user.title)
    _put(body, "userType", user.user_type)
    _put(body, "locale", user.locale)
    if user.active is not None:
        body["active"] = user.active
    if user.email:
        body["emails"] = [{"value": user.email, "type": "work", "primary": True}]
    enterprise: dict[str, Any] = {}
    _put(enterprise, "employeeNumber", user.employee_number)
    _put(enterprise, "costCenter", user.cost_center)
    _put(enterprise, "organization", user.organization)
    _put(enterprise, "department", user.department)
    if user.manager:
        enterprise["manager"] = {"value": user.manager}
    if enterprise:
        body["schemas"].append(ENTERPRISE_USER)
        body[ENTERPRISE_USER] = enterprise
    return body


def _put(target: dict[str, Any], key: str, value: str | None) -> None:
    if value:
        target[key] = value
