"""Pure: SCIM attribute paths, in every spelling Entra uses, resolved against our table.

- names match case-insensitively (RFC 7643 section 2.1: Entra sends `UserName`, `Department`);
- URN-qualified paths split at the last ':' of the schema URN (`<urn>:department`);
- dotted and URN keys of a no-path PATCH value, and nested objects, flatten to leaf paths;
- `emails[type eq "work"].value` and other value filters resolve to the one email we keep;
- a complex path (`name`, an extension URN) resolves to the attributes we keep under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from scim_proxy.errors import InvalidPath
from scim_proxy.scim.schema import CORE_USER, DEFAULT_USER_SCHEMA, ENTERPRISE_USER, UserAttribute, UserSchema

_CORE_PREFIX = CORE_USER.lower() + ":"
_ENTERPRISE = ENTERPRISE_USER.lower()
_FILTERED = re.compile(r"^(?P<attr>[\w.:-]+)\[(?P<filter>[^\]]*)\](?:\.(?P<sub>\w+))?$", re.ASCII)
_SIMPLE_FILTER = re.compile(r'^\s*(\w+)\s+eq\s+"?([^"]*)"?\s*$', re.IGNORECASE)
# Email types that mean "the address JumpCloud keeps"; another type names an address we do not hold.
_KEPT_EMAIL_TYPES = {"work", ""}


def canonical(path: str) -> str:
    """Lower-case `path` and strip the core schema URN, which is implicit."""
    lowered = path.strip().lower()
    return lowered.removeprefix(_CORE_PREFIX)


def resolve(path: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> UserAttribute | None:
    """The attribute a PATCH or filter path names, or None if we do not keep it.

    Raises InvalidPath for text that is not a SCIM path at all.
    """
    by_path = schema.by_path
    key = canonical(path)
    if not key or ("[" not in key and any(c in key for c in " \t\n\"'")):
        raise InvalidPath(f"'{path}' is not a SCIM attribute path")
    match = _FILTERED.match(key)
    if match:
        return _resolve_filtered(path, match, by_path)
    if key in by_path:
        return by_path[key]
    if key in {"emails.value", "emails"}:
        return by_path.get("emails")
    if key in {f"{_ENTERPRISE}:manager.value", "manager", "manager.value"}:
        return by_path.get(f"{_ENTERPRISE}:manager")
    if not key.startswith("urn:") and f"{_ENTERPRISE}:{key}" in by_path:
        return by_path[f"{_ENTERPRISE}:{key}"]  # Entra's legacy bare `department`, `employeeNumber`
    return None


def resolve_complex(path: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> tuple[UserAttribute, ...]:
    """The attributes under a complex path we keep only the parts of: `name`, or an extension URN.

    Empty when `path` names nothing we hold (or a leaf: use resolve() for those).
    """
    key = canonical(path)
    for urn in schema.extensions:
        if key == urn.lower():
            return schema.in_schema(urn)
    prefix = key + "."
    return tuple(a for a in schema.attributes if a.path.lower().startswith(prefix))


def _resolve_filtered(path: str, match: re.Match[str], by_path: Mapping[str, UserAttribute]) -> UserAttribute | None:
    attr, sub = match["attr"], match["sub"]
    if attr != "emails":
        return None  # phoneNumbers[...], addresses[...]: JumpCloud-side arrays we do not map
    condition = _SIMPLE_FILTER.match(match["filter"])
    if condition is None:
        raise InvalidPath(f"'{path}': only [type eq \"...\"] or [primary eq true] filters are supported")
    field, value = condition[1].lower(), condition[2].lower()
    if sub not in (None, "value"):
        return None  # emails[...].primary, .type, .display: nothing to store
    if (field == "type" and value in _KEPT_EMAIL_TYPES) or (field == "primary" and value == "true"):
        return by_path.get("emails")
    if field == "value":
        return by_path.get("emails")
    return None


def flatten(
    value: Mapping[str, Any], prefix: str = "", schema: UserSchema = DEFAULT_USER_SCHEMA
) -> Iterator[tuple[str, Any]]:
    """Leaf (path, value) pairs of a resource or a no-path PATCH value, dotted keys expanded."""
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        path = _join(prefix, key, schema)
        if resolve_quietly(path, schema) is not None:
            yield path, item
        elif isinstance(item, Mapping):
            yield from flatten(item, path, schema)
        else:
            yield path, item


def resolve_quietly(path: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> UserAttribute | None:
    """Like resolve(), but a malformed path is simply not ours."""
    try:
        return resolve(path, schema)
    except InvalidPath:
        return None


def _join(prefix: str, key: str, schema: UserSchema) -> str:
    """A nested key under `prefix`: after a schema URN with ':', after an attribute with '.'."""
    if not prefix:
        return key
    lowered = prefix.lower()
    if lowered == CORE_USER.lower() or any(lowered == urn.lower() for urn in schema.extensions):
        return f"{prefix}:{key}"
    return f"{prefix}.{key}"
