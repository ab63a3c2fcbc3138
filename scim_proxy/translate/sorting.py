"""Pure: `sortBy` / `sortOrder` (RFC 7644 section 3.4.2.3) as JumpCloud's `sort`, and the same order in the proxy.

JumpCloud sorts by the stored value: text by code point (so "Zoe" before "adam"), unset ("")
before everything. RFC 7644 asks for case-insensitive order on caseExact=false attributes;
JumpCloud offers `sortIgnoreCase` only on organizations, so we keep JumpCloud's order and say
so in docs/conformance.md. When the proxy sorts itself (a filter it evaluates), it sorts the
same way, so a sorted listing reads the same with or without a filter. Ties break on the id,
ascending, which keeps paging stable (KB-BP: page with `sort=_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from scim_proxy.errors import InvalidFilter, InvalidValue
from scim_proxy.scim.filter_eval import values_of
from scim_proxy.scim.filter_schema import AttributeInfo, FilterAttributes
from scim_proxy.scim.filter_syntax import parse_path

_T = TypeVar("_T")
USER_TIE_BREAK = "_id"
GROUP_TIE_BREAK = "id"
# v2 groups: `name`, and `id` for meta.created (an ObjectId starts with its creation second).
GROUP_SORT_FIELDS = {"displayname": "name", "id": "id", "meta.created": "id", "meta.lastmodified": "id"}


@attrs.frozen
class Sort:
    """What to sort by, which way, and JumpCloud's `sort` parameter for it."""

    attribute: AttributeInfo
    descending: bool
    jumpcloud: str


def parse_sort(
    sort_by: str | None,
    sort_order: str | None,
    attributes: FilterAttributes,
    fields: Mapping[str, str],
    *,
    tie_break: str,
    separator: str = " ",
) -> Sort | None:
    """The requested order, or None without `sortBy`; InvalidValue for what cannot be sorted."""
    if sort_by is None or not sort_by.strip():
        return None  # a sortOrder alone changes nothing (RFC 7644 section 3.4.2.3)
    descending = _descending(sort_order)
    try:
        attribute = attributes.resolve(parse_path(sort_by))
    except InvalidFilter as exc:
        raise InvalidValue(f"sortBy: {exc}") from None
    field = fields.get(attribute.key)
    if field is None:
        raise InvalidValue(f"sortBy: '{sort_by.strip()}' cannot be sorted on: JumpCloud does not store it as a field")
    sign = "-" if descending else ""
    jumpcloud = f"{sign}{field}" if field == tie_break else f"{sign}{field}{separator}{tie_break}"
    return Sort(attribute, descending, jumpcloud)


def _descending(sort_order: str | None) -> bool:
    if sort_order is None or not sort_order.strip():
        return False
    order = sort_order.strip().lower()
    if order not in ("ascending", "descending"):
        raise InvalidValue(f"sortOrder must be 'ascending' or 'descending', not {sort_order[:32]!r}")
    return order == "descending"


def sort_resources(items: Sequence[_T], sort: Sort, *, resource: Callable[[_T], Mapping[str, Any]]) -> list[_T]:
    """`items` in JumpCloud's order for `sort`, read off each one's rendered `resource`: by value,
    then by id ascending (two stable sorts)."""
    by_id = sorted(items, key=lambda item: str(resource(item).get("id") or ""))
    return sorted(by_id, key=lambda item: _jumpcloud_order(resource(item), sort.attribute), reverse=sort.descending)


def _jumpcloud_order(resource: Mapping[str, Any], attribute: AttributeInfo) -> tuple[int, Any]:
    """MongoDB's order across types: unset first, then numbers, text (by code point), booleans."""
    values = values_of(resource, attribute)
    value = values[0] if values else None  # RFC: a multi-valued attribute sorts by its first value
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))
