"""Pure: the body of `POST /api/search/systemusers` turned into a predicate over user records.

`filter` is `{"and": [...]}`, `{"or": [...]}`, a list (AND) or one condition object. A condition
maps fields to a plain value (exact, case-sensitive equality) or an operator object using
`$regex` (Python `re`, unanchored, inline `(?i)` honoured), `$eq`, `$ne`, `$in`, `$nin`,
`$gt`, `$gte`, `$lt`, `$lte`; any other operator (`$options` included) is a 400.
`searchFilter` matches a case-insensitive substring of any term in any listed field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from devtools.emulator.errors import BadRequest
from devtools.emulator.filters import Predicate, Record, field_values, ordered

DEFAULT_SEARCH_FIELDS = ("username", "email", "firstname", "lastname", "displayname")
_ORDER_OPS = ("$gt", "$gte", "$lt", "$lte")

Check = Callable[[list[Any]], bool]  # tests the values found at one field


def body_predicate(body: Mapping[str, Any]) -> Predicate:
    """The conjunction of the body's `filter` and `searchFilter`."""
    matches_filter = _node(body.get("filter"))
    matches_search = _search_filter(body.get("searchFilter"))
    return lambda record: matches_filter(record) and matches_search(record)


def _node(node: Any) -> Predicate:
    if node is None:
        return lambda record: True
    if isinstance(node, list):
        return _all([_node(child) for child in node])
    if not isinstance(node, dict):
        raise BadRequest("filter must be an object or an array")
    parts: list[Predicate] = []
    for key, value in node.items():
        if key in ("and", "or"):
            if not isinstance(value, list):
                raise BadRequest(f"filter.{key} must be an array")
            children = [_node(child) for child in value]
            parts.append(_all(children) if key == "and" else _any(children))
        elif key.startswith("$"):
            raise BadRequest(f"unsupported filter operator: {key}")
        else:
            parts.append(_condition(key, value))
    return _all(parts)


def _all(parts: list[Predicate]) -> Predicate:
    return lambda record: all(part(record) for part in parts)


def _any(parts: list[Predicate]) -> Predicate:
    return lambda record: any(part(record) for part in parts)


def _condition(field: str, expected: Any) -> Predicate:
    if not isinstance(expected, dict):
        return lambda record: any(_equal(actual, expected) for actual in field_values(record, field))
    checks = [_operator(op, operand) for op, operand in expected.items()]
    return lambda record: all(check(field_values(record, field)) for check in checks)


def _operator(op: str, operand: Any) -> Check:
    if op == "$regex":
        pattern = _compile(operand)
        return lambda actuals: any(isinstance(a, str) and pattern.search(a) is not None for a in actuals)
    if op in ("$eq", "$ne"):
        wanted = [operand]
    elif op in ("$in", "$nin"):
        if not isinstance(operand, list):
            raise BadRequest(f"{op} needs an array")
        wanted = operand
    elif op in _ORDER_OPS:
        return lambda actuals: any(ordered(a, operand, op) for a in actuals)
    else:
        raise BadRequest(f"unsupported filter operator: {op}")
    negate = op in ("$ne", "$nin")
    return lambda actuals: negate != any(_equal(a, item) for a in actuals for item in wanted)


def _compile(pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise BadRequest("$regex must be a string")
    try:
        return re.compile(pattern)
    except re.error:
        raise BadRequest("invalid regular expression in $regex") from None


def _equal(actual: Any, expected: Any) -> bool:
    if expected is None:
        return actual is None
    return type(actual) is type(expected) and bool(actual == expected)  # JSON true must not equal 1


def _search_filter(spec: Any) -> Predicate:
    if spec is None:
        return lambda record: True
    if not isinstance(spec, dict):
        raise BadRequest("searchFilter must be an object")
    terms = spec.get("searchTerm", [])
    terms = [terms] if isinstance(terms, str) else terms
    fields = spec.get("fields") or list(DEFAULT_SEARCH_FIELDS)
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise BadRequest("searchFilter.searchTerm must be a string or an array of strings")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise BadRequest("searchFilter.fields must be an array of strings")
    folded = [term.casefold() for term in terms]

    def matches(record: Record) -> bool:
        texts = [value.casefold() for f in fields for value in field_values(record, f) if isinstance(value, str)]
        return not folded or any(term in text for term in folded for text in texts)

    return matches
