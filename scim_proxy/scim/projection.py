"""Pure: `attributes` and `excludedAttributes` (RFC 7644 section 3.4.2.5) on a SCIM resource."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scim_proxy.scim.paths import canonical

_ALWAYS = {"id", "schemas"}


def project(
    resource: dict[str, Any], *, attributes: Iterable[str] = (), excluded: Iterable[str] = ()
) -> dict[str, Any]:
    """`resource` with only `attributes` (if any) and without `excluded`; id and schemas stay."""
    attributes, excluded = tuple(attributes), tuple(excluded)
    resource = dict(resource)  # never mutate the caller's resource
    if not attributes and not excluded:
        return resource  # the usual request asks for neither
    urns = [k.lower() for k in resource if k.lower().startswith("urn:")]  # the extension objects it holds
    wanted = [_split(a, urns) for a in attributes]
    if wanted:
        resource = {k: _narrow(k, v, wanted) for k, v in resource.items()}
        resource = {k: v for k, v in resource.items() if v not in ({}, None)}
    for path in excluded:
        top, sub = _split(path, urns)
        for key in list(resource):
            if key.lower() == top and key not in _ALWAYS:
                if sub is None:
                    del resource[key]
                else:
                    resource[key] = _subs(resource[key], sub.__ne__)
    return resource


def _split(path: str, urns: list[str]) -> tuple[str, str | None]:
    """("name", "givenname") for name.givenName; ("<urn>", "department") for <urn>:department.

    An extension URN itself ends in ":2.0:user", so it is matched against the URNs the
    resource holds rather than split at its last ':'.
    """
    key = canonical(path).split("[", 1)[0]
    for urn in urns:
        if key.startswith(urn + ":"):
            return urn, key[len(urn) + 1 :].split(".", 1)[0]
    if key.startswith("urn:"):
        return key, None
    top, _, sub = key.partition(".")
    return top, (sub or None)


def _narrow(key: str, value: Any, wanted: list[tuple[str, str | None]]) -> Any:
    if key in _ALWAYS:
        return value
    subs = [sub for top, sub in wanted if top == key.lower()]
    if not subs:
        return None
    if None in subs:
        return value
    return _subs(value, subs.__contains__)


def _subs(value: Any, keep: Callable[[str], bool]) -> Any:
    """The sub-attributes `keep` accepts (by lower-case name) of a complex value, or of each entry
    of a multi-valued one (`emails.value`); any other value as it is."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if keep(k.lower())}
    if isinstance(value, list):
        return [_subs(item, keep) if isinstance(item, dict) else item for item in value]
    return value
