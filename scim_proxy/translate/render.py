"""Pure: a ScimUser rendered as SCIM User JSON, read off the attribute table.

Rules:
- unset attributes are omitted, never sent as null (Entra reads null as a change);
- a row's path decides its place: `name.givenName` nests under `name`, `<urn>:department`
  goes in that extension's object, `phoneNumbers[type eq "work"].value` in the `work` entry of
  `phoneNumbers` (one entry per type), anything else is top level;
- `emails` (kind "email") is one `work`, `primary` address;
- a reference (manager) is `{"value": id, "$ref": <base>/Users/id}` (a bare string makes
  Entra fail to deserialise the resource);
- `schemas` lists an extension only when its object carries something.
"""

from __future__ import annotations

import functools
from typing import Any

from scim_proxy.scim.models import ScimUser, Value
from scim_proxy.scim.schema import CORE_USER, DEFAULT_USER_SCHEMA, UserSchema


def render_user(user: ScimUser, *, base: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> dict[str, Any]:
    """The SCIM User resource for `user`, with `meta`; `base` is the absolute SCIM base URL."""
    resource: dict[str, Any] = {"schemas": [CORE_USER], "id": user.id}
    extensions: dict[str, dict[str, Any]] = {}
    values = user.values
    for field, kind, place, urn, parent, child in _places(schema):
        value = values.get(field)
        if value is None or value == "":
            continue
        rendered = _value(kind, value, base)
        if place is not None:
            _entry(resource.setdefault(place.top, []), place.entry_type)[place.sub] = rendered
        elif urn is not None:
            extensions.setdefault(urn, {})[child] = rendered
        elif parent is not None:
            resource.setdefault(parent, {})[child] = rendered
        else:
            resource[child] = rendered
    for urn, values in extensions.items():
        resource["schemas"].append(urn)
        resource[urn] = values
    resource["meta"] = {
        "resourceType": "User",
        "created": user.created,
        "lastModified": user.last_modified,
        "location": f"{base}/Users/{user.id}",
    }
    return resource


def _entry(entries: list[dict[str, Any]], entry_type: str) -> dict[str, Any]:
    """The entry of `entry_type` in a multi-valued attribute, added when it is not there yet."""
    for entry in entries:
        if entry["type"] == entry_type:
            return entry
    entries.append({"type": entry_type})
    return entries[-1]


@functools.lru_cache(maxsize=8)  # one table per app; a few in tests
def _places(schema: UserSchema) -> tuple[tuple[Any, ...], ...]:
    """Where each row goes in the resource, worked out once per table: (field, kind, typed place,
    extension URN, parent, name): a typed entry, an extension's key, `parent.name`, or top-level `name`."""
    places = []
    for attribute in schema.attributes:
        urn = attribute.schema if attribute.schema != CORE_USER else None
        parent, _, child = attribute.path.partition(".") if urn is None and "." in attribute.path else (None, "", "")
        name = attribute.name if urn is not None else (child or attribute.path)
        places.append((attribute.field, attribute.kind, attribute.place, urn, parent, name))
    return tuple(places)


def _value(kind: str, value: Value, base: str) -> Any:
    if kind == "email":
        return [{"value": value, "type": "work", "primary": True}]
    if kind == "reference":
        return {"value": value, "$ref": f"{base}/Users/{value}"}
    return value
