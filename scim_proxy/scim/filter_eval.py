"""Pure: a parsed filter evaluated over a SCIM resource (the JSON we render), exactly as RFC 7644 says.

`compile_filter` resolves every attribute and checks every value once, raising InvalidFilter,
and returns a predicate over resources that never raises. The rules:

- strings compare ignoring case unless the attribute is caseExact; `co`, `sw`, `ew` are substring
  tests; `gt`/`ge`/`lt`/`le` compare code points (of the lower-cased text when not caseExact);
- booleans take `eq`/`ne` only, with true/false (or Entra's "True"/"False" strings);
- dateTimes compare as instants (RFC 3339, any offset; no offset means UTC), to the microsecond;
- an unassigned attribute (absent, null, "" or []) has no value: `pr` is false, `eq null` true,
  and every other comparison false, except `ne`, which means "no value equals";
- a multi-valued attribute matches when any of its values does; `attr[filter]` when one of
  its values satisfies the whole inner filter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeAlias

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filter_schema import AttributeInfo, FilterAttributes
from scim_proxy.scim.filter_syntax import And, Compare, Filter, Not, Or, Present, ValuePath

Comparand: TypeAlias = str | bool | datetime | int | float | None
Predicate: TypeAlias = Callable[[Mapping[str, Any]], bool]
ORDERING = ("gt", "ge", "lt", "le")
_SUBSTRING = ("co", "sw", "ew")
_ABSENT: tuple[Any, ...] = (None, "", [], {})  # RFC 7643 section 2.5: all mean "unassigned"


def compile_filter(node: Filter, attributes: FilterAttributes) -> Predicate:
    """A predicate over rendered resources; InvalidFilter now for unknown attributes or bad values."""
    return _compile(node, attributes, None)


def _compile(node: Filter, attributes: FilterAttributes, parent: AttributeInfo | None) -> Predicate:
    if isinstance(node, And):
        parts = [_compile(child, attributes, parent) for child in node.children]
        return lambda resource: all(part(resource) for part in parts)
    if isinstance(node, Or):
        parts = [_compile(child, attributes, parent) for child in node.children]
        return lambda resource: any(part(resource) for part in parts)
    if isinstance(node, Not):
        inner = _compile(node.child, attributes, parent)
        return lambda resource: not inner(resource)
    if isinstance(node, ValuePath):
        outer = attributes.resolve_parent(node.path)
        each = _compile(node.filter, attributes, outer)
        return lambda resource: any(each(element) for element in elements(resource, outer))
    info = attributes.resolve_leaf(node, parent)
    if isinstance(node, Present):
        return lambda resource: bool(_values(resource, info, parent))
    test = value_test(info, node.op, comparand(info, node))
    if node.value is None:  # eq null: no value at all; ne null: some value
        wanted_absent = node.op == "eq"
        return lambda resource: wanted_absent != bool(_values(resource, info, parent))
    if node.op == "ne":
        return lambda resource: not any(test(value) for value in _values(resource, info, parent))
    return lambda resource: any(test(value) for value in _values(resource, info, parent))


def comparand(info: AttributeInfo, node: Compare) -> Comparand:
    """The filter's value as the attribute's type, or InvalidFilter saying why it cannot be."""
    where = f"'{node.path} {node.op}'"
    if node.value is None:
        if node.op not in ("eq", "ne"):
            raise InvalidFilter(f"{where} null: only eq and ne compare with null (or use pr)")
        return None
    if info.type == "boolean":
        if node.op not in ("eq", "ne"):
            raise InvalidFilter(f"{where}: {info.path} is a boolean; only eq and ne apply")
        if isinstance(node.value, bool):
            return node.value
        if isinstance(node.value, str) and node.value.lower() in ("true", "false"):
            return node.value.lower() == "true"
        raise InvalidFilter(f"{where}: {info.path} is a boolean; compare it with true or false")
    if info.type == "dateTime":
        if node.op in _SUBSTRING:
            raise InvalidFilter(f"{where}: {info.path} is a dateTime; use eq, ne, gt, ge, lt or le")
        moment = parse_datetime(node.raw)
        if moment is None:
            raise InvalidFilter(f"{where}: {node.raw[:64]!r} is not a dateTime like 2024-05-01T12:00:00Z")
        return moment
    if info.type in ("integer", "decimal"):
        if node.op in _SUBSTRING or isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise InvalidFilter(f"{where}: {info.path} is a number; compare it with a number")
        return node.value
    return node.value if isinstance(node.value, str) else node.raw  # `employeeNumber eq 701984`


def value_test(info: AttributeInfo, op: str, wanted: Comparand) -> Callable[[Any], bool]:
    """Whether one value of `info` satisfies `op wanted` (`ne` is tested as `eq`, then negated)."""
    if wanted is None:
        return lambda value: False
    if isinstance(wanted, bool):
        return lambda value: isinstance(value, bool) and value is wanted
    if isinstance(wanted, datetime):
        return _ordered(op, wanted, parse_datetime)
    if isinstance(wanted, int | float):
        return _ordered(op, wanted, lambda value: value if isinstance(value, int | float) else None)
    # lower(), not casefold(): it is the simple case mapping a regex `(?i)` applies, so the
    # proxy and JumpCloud's case-insensitive `$regex` agree on which values match.
    fold: Callable[[str], str] = (lambda text: text) if info.case_exact else str.lower
    target = fold(wanted)

    def as_text(value: Any) -> str | None:
        return fold(value) if isinstance(value, str) else None

    if op == "co":
        return lambda value: (text := as_text(value)) is not None and target in text
    if op == "sw":
        return lambda value: (text := as_text(value)) is not None and text.startswith(target)
    if op == "ew":
        return lambda value: (text := as_text(value)) is not None and text.endswith(target)
    return _ordered(op, target, as_text)


def _ordered(op: str, wanted: Any, read: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        actual = read(value)
        if actual is None:
            return False
        if op in ("eq", "ne"):
            return bool(actual == wanted)
        if op == "gt":
            return bool(actual > wanted)
        if op == "ge":
            return bool(actual >= wanted)
        if op == "lt":
            return bool(actual < wanted)
        return bool(actual <= wanted)

    return test


def elements(resource: Mapping[str, Any], info: AttributeInfo) -> list[Mapping[str, Any]]:
    """The values of a complex attribute, as a list (a single complex value is a list of one)."""
    top = _get(_container(resource, info), info.top)
    items = top if isinstance(top, list) else [top]
    return [item for item in items if isinstance(item, Mapping)]


def values_of(resource: Mapping[str, Any], info: AttributeInfo) -> list[Any]:
    """Every assigned value of the attribute in `resource` (several for a multi-valued one)."""
    return _values(resource, info, None)


def _values(resource: Mapping[str, Any], info: AttributeInfo, parent: AttributeInfo | None) -> list[Any]:
    if parent is not None:  # `resource` is one element of parent[...]
        found = [_get(resource, info.sub)] if info.sub is not None else []
    elif info.sub is None:
        top = _get(_container(resource, info), info.top)
        found = top if isinstance(top, list) else [top]
    else:
        found = [_get(element, info.sub) for element in elements(resource, info)]
    return [value for value in found if value not in _ABSENT]


def _container(resource: Mapping[str, Any], info: AttributeInfo) -> Mapping[str, Any]:
    if info.extension is None:
        return resource
    extension = _get(resource, info.extension)
    return extension if isinstance(extension, Mapping) else {}


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    """`mapping[key]`, the key matched case-insensitively (attribute names are)."""
    if key in mapping:
        return mapping[key]
    folded = key.lower()
    return next((value for name, value in mapping.items() if isinstance(name, str) and name.lower() == folded), None)


def parse_datetime(value: Any) -> datetime | None:
    """An RFC 3339 / xsd:dateTime string as an aware instant (no offset: UTC); None if it is not one.

    The shape is checked first (`YYYY-MM-DDTHH:MM:SS`), because fromisoformat also accepts
    dates alone, week dates and compact forms that are not SCIM dateTimes.
    """
    if not isinstance(value, str) or not 19 <= len(value) <= 40 or value[10] not in "Tt":
        return None
    if not (value[:4].isdigit() and value[4] == "-" and value[7] == "-" and value[13] == ":"):
        return None
    try:
        moment = datetime.fromisoformat(value[:10] + "T" + value[11:].replace("z", "Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
