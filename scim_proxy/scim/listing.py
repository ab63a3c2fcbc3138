"""Pure: RFC 7644 section 3.4.2 list and search parameters, from a query string or a SearchRequest."""

from __future__ import annotations

from typing import Any

import attrs

from scim_proxy.errors import InvalidValue
from scim_proxy.scim.paths import MAX_PATH_LENGTH

MAX_COUNT = 100  # JumpCloud pages hold at most 100
# Names per `attributes` / `excludedAttributes`: every name is matched against every resource of
# a page, so an unbounded list (a 1 MiB SearchRequest holds 250,000) costs seconds of CPU per page.
MAX_NAMES = 100


@attrs.frozen(kw_only=True)
class ListParams:
    """RFC 7644 section 3.4.2 query parameters, validated."""

    filter: str | None = None
    start_index: int = 1
    count: int = MAX_COUNT
    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    sort_by: str | None = None
    sort_order: str | None = None


def list_params(source: dict[str, Any]) -> ListParams:
    """Parse from a query string (strings) or a SearchRequest body (JSON values)."""
    folded = {str(k).lower(): v for k, v in source.items()}
    return ListParams(
        filter=_optional_str(folded.get("filter"), "filter"),
        start_index=max(1, _integer(folded.get("startindex"), "startIndex", 1)),
        count=min(MAX_COUNT, max(0, _integer(folded.get("count"), "count", MAX_COUNT))),
        attributes=_names(folded.get("attributes")),
        excluded=_names(folded.get("excludedattributes")),
        sort_by=_optional_str(folded.get("sortby"), "sortBy"),
        sort_order=_optional_str(folded.get("sortorder"), "sortOrder"),
    )


def _optional_str(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"{name} must be a string")
    return value


def _integer(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidValue(f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidValue(f"{name} must be an integer") from None


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    elif not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise InvalidValue("attributes and excludedAttributes must be comma-separated names or a list of names")
    names = tuple(v.strip() for v in value if v.strip())
    if len(names) > MAX_NAMES:
        raise InvalidValue(f"attributes and excludedAttributes name at most {MAX_NAMES} attributes each")
    for name in names:
        if len(name) > MAX_PATH_LENGTH:
            raise InvalidValue(f"'{name[:64]}...' is longer than {MAX_PATH_LENGTH} characters: not an attribute path")
    return names
