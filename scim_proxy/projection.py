"""Pure: `attributes` and `excludedAttributes` (RFC 7644 section 3.4.2.5) on a SCIM resource."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .paths import canonical

_ALWAYS = {"id", "schemas"}


def project(
    resource: dict[str, Any], *, attributes: Iterable[str] = (), excluded: Iterable[str] = ()
) -> dict[str, Any]:
    """`resource` with only `attributes` (if any) and without `excluded`; id and schemas stay."""
    wanted = [_split(a) for a in attributes]
    if wanted:
        resource = {k: _narrow(k, v, wanted) for k, v in resource.items()}
        resource = {k: v for k, v in resource.items() if v not in ({}, None)}
    for path in excluded:
        top, sub = _split(path)
        for key in list(resource):
            if key.lower() == top and key not in _ALWAYS:
                if sub is None:
                    del resource[key]
                elif isinstance(resource[key], dict):
                    resource[key] = {k: v for k, v in resource[key].items() if k.lower() != sub}
    return resource


def _split(path: str) -> tuple[str, str | None]:
    """("name", "givenname") for name.givenName; ("<urn>", "department") for <urn>:department."""
    key = canonical(path).split("[", 1)[0]
    if key.startswith("urn:"):
        urn, _, attribute = key.rpartition(":")
        if attribute and urn.count(":") >= 5:
            return urn, attribute.split(".", 1)[0]
        return key, None
    top, _, sub = key.partition(".")
    return top, (sub or None)


def _narrow(key: str, value: Any, wanted: list[tuple[str, str | None]]) -> Any:
    if key in _ALWAYS:
        return value
    subs = [sub for top, sub in wanted if top == key.lower()]
    if not subs:
        return None
    if None in subs or not isinstance(value, dict):
        return value
    return {k: v for k, v in value.items() if k.lower() in subs}
