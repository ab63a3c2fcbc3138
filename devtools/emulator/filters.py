"""Pure: `filter=field:op:value` query filters, v1 (`$eq`) and v2 (`eq`), parsed into predicates.

Splitting: the field is what precedes the first `:`, the operator the next segment, and the
value everything after the second `:` (so values may hold `:`). Multi-term operators split the
value on `|`; `\\|` is a literal bar. Comparisons are case-sensitive; `true`/`false` compare with
boolean fields, digits with numbers, `null` with unset fields; ISO dates compare as strings.

v2 values "support wild cards" (the spec): with `Quirks.v2_filter_metacharacters`, `*` in an `eq`
or `ne` value matches any run of characters, and one `filter=` value holding ',' is several
filters (the array parameter's default csv format), each parsed on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from devtools.emulator.errors import BadRequest

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]

SINGLE_TERM_OPS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")
MULTI_TERM_OPS = ("$in", "$nin", "$sw", "$ew", "$co", "$nco")
EVENTUALLY_CONSISTENT_OPS = ("$ew", "$co", "$nco")  # $sw is listed both ways; we let it through
NEGATIVE_OPS = ("$ne", "$nin", "$nco", "$nglob")
V2_OPS = {"eq": "$eq", "ne": "$ne", "gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte", "in": "$in"}
_UNESCAPED_BAR = re.compile(r"(?<!\\)\|")
_AND_KEY = re.compile(r"^filter(\[and\])?\[\d+\]$")
_OR_KEY = re.compile(r"^filter\[or\]\[\d+\]$")
_NO_MATCH = object()


@attrs.frozen
class Term:
    """One parsed `field:op:value` filter; `values` has one item unless the operator takes several."""

    field: str
    op: str
    values: tuple[str, ...]


def parse_term(text: str, *, eventually_consistent: bool = False) -> Term:
    """Parse a v1 filter; 400 for a bad shape, an unknown operator, or `$ew/$co/$nco` without the header."""
    field, op, value = _split(text)
    if op in SINGLE_TERM_OPS:
        return Term(field, op, (value,))
    if op not in MULTI_TERM_OPS:
        raise BadRequest(f"invalid filter operator: {op}")
    if op in EVENTUALLY_CONSISTENT_OPS and not eventually_consistent:
        raise BadRequest(f"filter operator {op} requires the header x-eventually-consistent: true")
    return Term(field, op, tuple(part.replace("\\|", "|") for part in _UNESCAPED_BAR.split(value)))


def parse_v2_term(text: str, *, wildcards: bool = False) -> Term:
    """Parse a v2 filter (`name:eq:Group`); `search` is a case-insensitive substring match."""
    field, op, value = _split(text)
    if op == "search":
        return Term(field, "search", (value,))
    if op not in V2_OPS:
        raise BadRequest(f"invalid filter operator: {op}")
    if op == "in":
        return Term(field, "$in", tuple(part.replace("\\|", "|") for part in _UNESCAPED_BAR.split(value)))
    if wildcards and "*" in value and op in ("eq", "ne"):
        return Term(field, "$glob" if op == "eq" else "$nglob", (value,))
    return Term(field, V2_OPS[op], (value,))


def parse_v2_filter(text: str, metacharacters: bool) -> list[Term]:
    """One `filter=` value: several comma-joined filters and `*` wildcards when `metacharacters`."""
    if not metacharacters:
        return [parse_v2_term(text)]
    return [parse_v2_term(part, wildcards=True) for part in text.split(",")]


def query_predicate(params: Iterable[tuple[str, str]], *, eventually_consistent: bool) -> Predicate:
    """AND of every `filter=` and `filter[n]=`, further ANDed with the OR of every `filter[or][n]=`."""
    all_of: list[Term] = []
    any_of: list[Term] = []
    for key, value in params:
        if key == "filter" or _AND_KEY.match(key):
            all_of.append(parse_term(value, eventually_consistent=eventually_consistent))
        elif _OR_KEY.match(key):
            any_of.append(parse_term(value, eventually_consistent=eventually_consistent))
        elif key.startswith("filter"):
            raise BadRequest(f"invalid filter parameter: {key}")
    return lambda record: (
        all(term_matches(record, term) for term in all_of)
        and (not any_of or any(term_matches(record, term) for term in any_of))
    )


def term_matches(record: Record, term: Term) -> bool:
    """Whether the record satisfies the term; on an array field, any item (all, for negations)."""
    actuals = field_values(record, term.field)
    if term.op in NEGATIVE_OPS:
        positive = {"$ne": "$eq", "$nin": "$in", "$nco": "$co", "$nglob": "$glob"}[term.op]
        return not any(_test(actual, positive, term.values) for actual in actuals)
    return any(_test(actual, term.op, term.values) for actual in actuals)


def field_values(record: Record, path: str) -> list[Any]:
    """The values at a dotted path; lists are flattened, a missing field gives [None]."""
    values: list[Any] = [record]
    for part in path.split("."):
        found: list[Any] = []
        for value in values:
            for item in value if isinstance(value, list) else [value]:
                found.append(item.get(part) if isinstance(item, Mapping) else None)
        values = found
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    return flat or [None]


def _split(text: str) -> tuple[str, str, str]:
    parts = text.split(":", 2)
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise BadRequest(f"invalid filter: expected field:operator:value, got {text!r}")
    return parts[0], parts[1], parts[2]


def _test(actual: Any, op: str, texts: tuple[str, ...]) -> bool:
    if op == "search":
        return isinstance(actual, str) and texts[0].casefold() in actual.casefold()
    if op == "$glob":
        return isinstance(actual, str) and glob_matches(texts[0], actual)
    if op in ("$sw", "$ew", "$co"):
        if not isinstance(actual, str):
            return False
        check = {"$sw": str.startswith, "$ew": str.endswith, "$co": str.__contains__}[op]
        return any(check(actual, text) for text in texts)
    expected = [_coerce(text, actual) for text in texts]
    if op in ("$eq", "$in"):
        return any(value is not _NO_MATCH and value == actual for value in expected)
    return ordered(actual, expected[0], op)


def glob_matches(pattern: str, text: str) -> bool:
    """Whether `text` matches `pattern`, where `*` stands for any run of characters (case-sensitive).

    Greedy leftmost search of each literal piece: no backtracking, so linear in the text per piece.
    """
    pieces = pattern.split("*")
    head, tail = pieces[0], pieces[-1]
    if len(text) < len(head) + len(tail) or not text.startswith(head) or not text.endswith(tail):
        return False
    at, end = len(head), len(text) - len(tail)
    for piece in pieces[1:-1]:
        found = text.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def ordered(actual: Any, expected: Any, op: str) -> bool:
    """Whether `actual <op> expected` holds for `$gt $gte $lt $lte`; only two strings or two numbers compare."""
    comparable = (isinstance(actual, str) and isinstance(expected, str)) or (
        isinstance(actual, int | float)
        and isinstance(expected, int | float)
        and not isinstance(actual, bool)
        and not isinstance(expected, bool)
    )
    if not comparable:
        return False
    if op == "$gt":
        return bool(actual > expected)
    if op == "$gte":
        return bool(actual >= expected)
    if op == "$lt":
        return bool(actual < expected)
    return bool(actual <= expected)


def _coerce(text: str, actual: Any) -> Any:
    """Read the filter text as the type of the field it is compared with."""
    if isinstance(actual, bool):
        return {"true": True, "false": False}.get(text, _NO_MATCH)
    if isinstance(actual, int | float):
        try:
            return float(text) if "." in text else int(text)
        except ValueError:
            return _NO_MATCH
    if actual is None:
        return None if text == "null" else text
    return text
