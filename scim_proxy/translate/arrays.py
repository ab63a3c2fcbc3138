"""Pure: values kept in JumpCloud's arrays (custom `attributes`, typed `phoneNumbers` and `addresses`).

JumpCloud's PUT replaces an array whole (register JC-33; its PowerShell module reads, merges and
sends the complete array), so a write that touches one entry sends every entry back:
- entries no row of the table names (a `work_mobile` phone, a custom attribute nobody mapped)
  are sent back as JumpCloud holds them, so nothing the proxy does not manage is lost;
- a value set on an entry type that does not exist yet adds an entry; clearing the last value
  of an entry the proxy created removes the entry;
- only the keys JumpCloud's spec defines for each item are sent (`systemuserput`), never the
  `id` JumpCloud adds to phone and address entries on answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scim_proxy.scim.schema import CUSTOM_ATTRIBUTES, JcTarget

# The item keys of systemuserput's arrays (tests/spec checks this against JumpCloud's spec).
ITEM_KEYS: Mapping[str, tuple[str, ...]] = {
    CUSTOM_ATTRIBUTES: ("name", "value"),
    "phoneNumbers": ("type", "number"),
    "addresses": ("type", "poBox", "extendedAddress", "streetAddress", "locality", "region", "postalCode", "country"),
}
Assignment = tuple[JcTarget, Any]  # a target and its new value (None or "": clear)


def read(fields: Mapping[str, Any], target: JcTarget) -> str | None:
    """The value at an array `target` of a JumpCloud user record, or None."""
    for item in _items(fields.get(target.field)):
        if target.name is not None and item.get("name") == target.name:
            return _text(item.get("value"))
        if target.entry_type is not None and item.get("type") == target.entry_type:
            return _text(item.get(target.key or ""))
    return None


def merged(current: Mapping[str, Any], assignments: Iterable[Assignment]) -> dict[str, list[dict[str, Any]]]:
    """The whole arrays to send for `assignments`, starting from `current` (the user's record, or {})."""
    by_field: dict[str, list[Assignment]] = {}
    for target, value in assignments:
        by_field.setdefault(target.field, []).append((target, value))
    out: dict[str, list[dict[str, Any]]] = {}
    for field, changes in by_field.items():
        items = [_spec_item(field, item) for item in _items(current.get(field))]
        for target, value in changes:
            if target.name is not None:
                _set_custom(items, target.name, _text(value))
            else:
                _set_typed(items, target, _text(value))
        out[field] = items
    return out


def _set_custom(items: list[dict[str, Any]], name: str, value: str | None) -> None:
    index = next((i for i, item in enumerate(items) if item.get("name") == name), None)
    if value is None:
        if index is not None:
            del items[index]
    elif index is None:
        items.append({"name": name, "value": value})
    else:
        items[index]["value"] = value


def _set_typed(items: list[dict[str, Any]], target: JcTarget, value: str | None) -> None:
    key = target.key or ""
    index = next((i for i, item in enumerate(items) if item.get("type") == target.entry_type), None)
    if index is None:
        if value is not None:
            items.append({"type": target.entry_type, key: value})
        return
    if value is None:
        items[index].pop(key, None)
        if not any(_text(v) for k, v in items[index].items() if k != "type"):
            del items[index]  # nothing left but its type
    else:
        items[index][key] = value


def _spec_item(field: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: item[key] for key in ITEM_KEYS[field] if key in item}


def _items(value: Any) -> Sequence[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
