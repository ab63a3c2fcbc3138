"""Pure: `limit`/`skip` parsing, `sort` and `fields` as JumpCloud's list endpoints apply them."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from devtools.emulator.errors import BadRequest
from devtools.emulator.filters import field_values

LIST_LIMIT_DEFAULT = 10
LIST_LIMIT_MAX = 100  # "Limited to 100": more is a 400, not a silent clamp
SEARCH_LIMIT_MAX = 1000  # PSMOD pages the search endpoint with 1000
_SEPARATORS = re.compile(r"[\s,]+")


def parse_count(raw: Any, *, name: str, default: int, maximum: int | None = None) -> int:
    """A non-negative integer from a query string or JSON body; 400 if malformed or above `maximum`."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise BadRequest(f"{name} must be a non-negative integer")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a non-negative integer") from None
    if value < 0 or (isinstance(raw, float) and raw != value):
        raise BadRequest(f"{name} must be a non-negative integer")
    if maximum is not None and value > maximum:
        raise BadRequest(f"{name} must be at most {maximum}")
    return value


def split_names(spec: Any, *, name: str) -> list[str]:
    """Field names from a space- (or comma-) separated string."""
    if spec is None:
        return []
    if not isinstance(spec, str):
        raise BadRequest(f"{name} must be a space-separated string")
    return [part for part in _SEPARATORS.split(spec) if part]


def sort_records(
    records: Sequence[Mapping[str, Any]], spec: Any, *, shuffle_seed: int | None = None
) -> list[Mapping[str, Any]]:
    """Sort by each `field` / `-field` in turn; ties keep creation (`_id`) order, so paging is stable.

    Without `sort`, a `shuffle_seed` shuffles the records (an order JumpCloud does not promise);
    `_id` also sorts v2 records, whose ObjectId is returned as `id`.
    """
    ordered = list(records)
    if not spec and shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(ordered)  # noqa: S311 -- an arbitrary order, not secrecy
        return ordered
    for key in reversed(split_names(spec, name="sort")):
        field, descending = (key[1:], True) if key.startswith("-") else (key, False)
        ordered.sort(key=lambda record, f=field: _sort_key(record, f), reverse=descending)  # type: ignore[misc]
    return ordered


def project(record: Mapping[str, Any], fields: Iterable[str], *, always: tuple[str, ...]) -> dict[str, Any]:
    """Only the named top-level fields (plus `always`); no names means the whole record."""
    wanted = set(fields)
    if not wanted:
        return dict(record)
    return {key: value for key, value in record.items() if key in wanted or key in always}


def page(records: Sequence[Any], *, skip: int, limit: int) -> list[Any]:
    """The slice [skip, skip + limit); `limit=0` is an empty page that still reports totalCount."""
    return list(records[skip : skip + limit])


def _sort_key(record: Mapping[str, Any], field: str) -> tuple[int, Any]:
    # Mongo's order across types: null first, then numbers, strings, booleans; Python can't mix them
    if field == "_id" and "_id" not in record:
        field = "id"  # v2 objects carry their ObjectId as `id`
    value = field_values(record, field)[0]
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (4, str(value))
