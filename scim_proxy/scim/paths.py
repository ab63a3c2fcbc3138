"""Pure: SCIM attribute paths, in every spelling Entra uses, resolved against our table.

- names match case-insensitively (RFC 7643 section 2.1: Entra sends `UserName`, `Department`);
- URN-qualified paths split at the last ':' of the schema URN (`<urn>:department`);
- dotted and URN keys of a no-path PATCH value, and nested objects, flatten to leaf paths;
- `emails[type eq "work"].value` and other value filters resolve to the one email we keep;
- a complex path (`name`, the enterprise URN) resolves to the attributes we keep under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from scim_proxy.errors import InvalidPath
from scim_proxy.scim.schema import BY_PATH, CORE_USER, ENTERPRISE_USER, USER_ATTRIBUTES, UserAttribute

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


def resolve(path: str) -> UserAttribute | None:
    """The attribute a PATCH or filter path names, or None if we do not keep it.

    Raises InvalidPath for text that is not a SCIM path at all.
    """
    key = canonical(path)
    if not key or ("[" not in key and any(c in key for c in " \t\n\"'")):
        raise InvalidPath(f"'{path}' is not a SCIM attribute path")
    match = _FILTERED.match(key)
    if match:
        return _resolve_filtered(path, match)
    if key in BY_PATH:
        return BY_PATH[key]
    if key in {"emails.value", "emails"}:
        return BY_PATH["emails"]
    if key in {f"{_ENTERPRISE}:manager.value", "manager", "manager.value"}:
        return BY_PATH[f"{_ENTERPRISE}:manager"]
    if not key.startswith("urn:") and f"{_ENTERPRISE}:{key}" in BY_PATH:
        return BY_PATH[f"{_ENTERPRISE}:{key}"]  # Entra's legacy bare `department`, `employeeNumber`
    return None


def resolve_complex(path: str) -> tuple[UserAttribute, ...]:
    """The attributes under a complex path we keep only the parts of: `name`, or the enterprise URN.

    Empty when `path` names nothing we hold (or a leaf: use resolve() for those).
    """
    key = canonical(path)
    if key == _ENTERPRISE:
        return tuple(a for a in USER_ATTRIBUTES if a.schema == ENTERPRISE_USER)
    prefix = key + "."
    return tuple(a for a in USER_ATTRIBUTES if a.path.lower().startswith(prefix))


def _resolve_filtered(path: str, match: re.Match[str]) -> UserAttribute | None:
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
        return BY_PATH["emails"]
    if field == "value":
        return BY_PATH["emails"]
    return None


def flatten(value: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Leaf (path, value) pairs of a resource or a no-path PATCH value, dotted keys expanded."""
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        path = _join(prefix, key)
        lowered = canonical(path)
        if lowered in BY_PATH or resolve_quietly(path) is not None:
            yield path, item
        elif isinstance(item, Mapping):
            yield from flatten(item, path)
        else:
            yield path, item


def resolve_quietly(path: str) -> UserAttribute | None:
    """Like resolve(), but a malformed path is simply not ours."""
    try:
        return resolve(path)
    except InvalidPath:
        return None


def _join(prefix: str, key: str) -> str:
    if not prefix:
        return key
    if prefix.lower() == _ENTERPRISE or prefix.lower() == CORE_USER.lower():
        return f"{prefix}:{key}"
    return f"{prefix}.{key}"
