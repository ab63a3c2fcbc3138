"""cattrs converters for the two wire formats: JumpCloud JSON in, SCIM JSON out.

Built by factories, never at import, so tests and the app each get their own.
"""

from __future__ import annotations

from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from scim_proxy.jumpcloud.models import JcPage, JcUser
from scim_proxy.scim.models import ScimUser
from scim_proxy.scim.schema import CORE_USER, ENTERPRISE_USER

# JumpCloud spells these camelCase; our attrs fields are snake_case.
_JC_RENAMES = {
    "job_title": "jobTitle",
    "cost_center": "costCenter",
    "employee_type": "employeeType",
    "employee_identifier": "employeeIdentifier",
    "total_count": "totalCount",
}


def make_jc_converter() -> cattrs.Converter:
    """Build the converter for JumpCloud JSON (rules in configure_jc_converter)."""
    converter = cattrs.Converter()
    configure_jc_converter(converter)
    return converter


def configure_jc_converter(converter: cattrs.Converter) -> None:
    """Register our JumpCloud wire rules on `converter`.

    - camelCase fields (`jobTitle`, `employeeIdentifier`, `totalCount`) map to snake_case;
    - `id` falls back to `_id` (the HAR shows both; only `_id` is in every spec);
    - unknown fields are ignored: JumpCloud returns dozens we do not map;
    - a `null` or non-string where we expect a string reads as "not set", never a crash.
    """
    converter.register_structure_hook(str, _string)
    converter.register_structure_hook(str | None, _optional_string)
    converter.register_structure_hook(bool, _strict_bool)
    renames: dict[str, Any] = {
        f.name: override(rename=_JC_RENAMES[f.name]) for f in attrs.fields(JcUser) if f.name in _JC_RENAMES
    }
    user_hook = make_dict_structure_fn(JcUser, converter, **renames)

    def structure_user(data: Any, _: type) -> JcUser:
        if not isinstance(data, dict):
            raise TypeError("a JumpCloud user must be an object")
        if "id" not in data and "_id" in data:
            data = {**data, "id": data["_id"]}
        return user_hook(data, JcUser)

    converter.register_structure_hook(JcUser, structure_user)
    converter.register_structure_hook(
        JcPage, make_dict_structure_fn(JcPage, converter, total_count=override(rename="totalCount"))
    )


def _string(value: Any, _: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional_string(value: Any, _: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strict_bool(value: Any, _: type) -> bool:
    return value is True


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
