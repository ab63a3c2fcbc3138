"""Pure: a parsed SCIM filter translated into the `filter` of JumpCloud's `POST /api/search/systemusers`.

JumpCloud's search takes `{"and": [...]}` / `{"or": [...]}` of conditions; a condition is a plain
value (exact, case-sensitive) or an operator object (`$regex`, `$ne`, `$in`, `$nin`, `$gt`,
`$gte`, `$lt`, `$lte`). There is no `not`: negations are pushed down to the conditions
(De Morgan), and each condition says how it is negated, if it can be.

The result is `exact` when JumpCloud's answer is the answer (one call per page), or a superset
when part of the filter cannot be said to JumpCloud; the caller then reads the whole superset
(bounded) and evaluates the filter itself. Never a subset, and never a guess:
- case-insensitive equality and `co`/`sw`/`ew` are a `(?i)` `$regex` of the escaped value,
  anchored as the operator needs; caseExact attributes compare exactly;
- a negated regex, or an order on case-insensitive text, has no JumpCloud form: superset;
- `meta.created` and `meta.lastModified` are both JumpCloud's `created` (JumpCloud keeps no
  modification time; meta.lastModified is rendered from `created` too), millisecond strings;
- `id` is `_id`; `active` is rebuilt from `suspended`, `state` and `password_expired`, the
  rule translate/users.py reads it by; the single email's `type` and `primary` are constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from scim_proxy.ids import local_part, object_id
from scim_proxy.scim.filter_eval import Comparand, comparand, value_test
from scim_proxy.scim.filter_schema import AttributeInfo, FilterAttributes
from scim_proxy.scim.filter_syntax import And, Compare, Filter, Not, Or, Present, ValuePath
from scim_proxy.translate.regex import escape_regex, regex_equal
from scim_proxy.translate.search_rules import Rule

PRESENT = {"$nin": ["", None]}  # JumpCloud keeps unset strings as "" and some fields as null
ABSENT = {"$in": ["", None]}
ACTIVE = {"and": [{"suspended": {"$ne": True}}, {"state": {"$ne": "SUSPENDED"}}, {"password_expired": {"$ne": True}}]}
INACTIVE = {"or": [{"suspended": True}, {"state": "SUSPENDED"}, {"password_expired": True}]}
_OPERATOR = {"gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte"}
_COMPLEMENT = {"$gt": "$lte", "$gte": "$lt", "$lt": "$gte", "$lte": "$gt"}


@attrs.frozen
class Search:
    """A JumpCloud search `filter` (`{"and": [...]}` or `{"or": [...]}`; None: every user), whether it is
    exact, and whether it can match at all."""

    query: dict[str, Any] | None
    exact: bool
    empty: bool = False


def user_search(node: Filter, attributes: FilterAttributes, rules: Mapping[str, Rule]) -> Search:
    """The JumpCloud search for `node`; InvalidFilter for unknown attributes or ill-typed values."""
    found = _Translator(attributes, rules).translate(node, negated=False, parent=None)
    query = found.body
    if query is not None and list(query) not in (["and"], ["or"]):
        query = {"and": [query]}  # the documented shape: one `and` or `or` property
    return Search(query=query, exact=found.exact, empty=found.kind == "none")


def requested_id(node: Filter, attributes: FilterAttributes) -> str | None:
    """The user id an `id eq` in the top-level `and` names (one GET answers it), else None."""
    for term in node.children if isinstance(node, And) else (node,):
        if not isinstance(term, Compare) or term.op != "eq" or not isinstance(term.value, str):
            continue
        if attributes.resolve(term.path).key == "id":
            return object_id(term.value)
    return None


@attrs.frozen
class _Q:
    kind: str  # "all" (no condition), "none" (nothing matches) or "query"
    body: dict[str, Any] | None = None
    exact: bool = True
    sets: bool = False  # matches only records where the field it tests is set (so the value exists)


_EVERYONE = _Q("all")
_NOBODY = _Q("none", sets=True)
_SUPERSET = _Q("all", exact=False)


def _query(body: dict[str, Any]) -> _Q:
    return _Q("query", body)


def _on(field: str, condition: Any) -> _Q:
    return _query({field: condition})


def _set_on(field: str, condition: Any) -> _Q:
    """A condition that only a set value can meet (a regex, a non-empty value, an order past "")."""
    return _Q("query", {field: condition}, sets=True)


class _Translator:
    def __init__(self, attributes: FilterAttributes, rules: Mapping[str, Rule]) -> None:
        self._attributes = attributes
        self._rules = rules

    def translate(self, node: Filter, *, negated: bool, parent: AttributeInfo | None) -> _Q:
        if isinstance(node, Not):
            return self.translate(node.child, negated=not negated, parent=parent)
        if isinstance(node, And | Or):
            parts = [self.translate(child, negated=negated, parent=parent) for child in node.children]
            return _all(parts) if isinstance(node, And) != negated else _any(parts)
        if isinstance(node, ValuePath):
            outer = self._attributes.resolve_parent(node.path)
            inner = self.translate(node.filter, negated=negated, parent=outer)
            if not outer.known:  # an attribute this resource type lacks: never set
                return _EVERYONE if negated else _NOBODY
            rule = self._rules.get(outer.key, Rule("derived"))
            if rule.kind != "complex":
                return _SUPERSET
            # JumpCloud holds at most one value of each complex attribute we map, so
            # `attr[f]` is "attr is set and f holds for it" (f alone when it tests a set value,
            # as Entra's `emails[type eq "work"].value eq` does); negated, "unset or not f".
            if negated:
                return _any([_absent(rule.fields), inner])
            return inner if inner.sets else _all([_present(rule.fields), inner])
        info = self._attributes.resolve_leaf(node, parent)
        rule = self._rules.get(info.key, Rule("derived")) if info.known else Rule("absent")
        if isinstance(node, Present):
            return _presence(rule, negated)
        value = comparand(info, node)  # raises InvalidFilter for an ill-typed value
        op = node.op
        if op == "ne":
            op, negated = "eq", not negated
        if value is None:  # eq null: unset
            return _presence(rule, not negated)
        return _compare(rule, info, op, value, negated, within=parent is not None)


def _compare(rule: Rule, info: AttributeInfo, op: str, value: Comparand, negated: bool, *, within: bool) -> _Q:
    if rule.kind == "absent":
        return _EVERYONE if negated else _NOBODY
    if rule.kind == "constant":
        # The same value whenever the attribute is set: inside `attr[...]` (the value path adds
        # "attr is set") the test is simply true or false; alone, it is "attr is set" or nothing.
        holds = bool(value_test(info, op, value)(rule.constant))
        if within:
            return _EVERYONE if holds != negated else _NOBODY
        if holds:
            return _presence(rule, negated)
        return _EVERYONE if negated else _NOBODY
    if rule.kind == "active" and isinstance(value, bool):
        return _query(ACTIVE if value != negated else INACTIVE)
    if rule.kind == "date" and isinstance(value, datetime):
        return _date(rule.fields[0], op, value, negated)
    if rule.kind == "id" and isinstance(value, str):
        return _id(op, value, negated)
    if rule.kind == "local_part" and isinstance(value, str):
        if op != "eq" or negated or not value:
            return _SUPERSET
        # The rendered userName is the email when its local part is the username: a superset.
        return _Q("query", {rule.fields[0]: regex_equal(local_part(value))}, exact=False)
    if rule.kind == "string" and isinstance(value, str):
        return _string(rule.fields[0], op, value, rule.case_exact, negated)
    if rule.kind == "custom" and isinstance(value, str) and op == "eq" and value and not negated:
        return _custom(rule, value if rule.case_exact else regex_equal(value))
    return _SUPERSET


def _custom(rule: Rule, condition: Any) -> _Q:
    """Some custom attribute of that name, some with that value: a superset (no documented element match)."""
    name, value = f"{rule.fields[0]}.name", f"{rule.fields[0]}.value"
    return _Q("query", {"and": [{name: rule.constant}, {value: condition}]}, exact=False)


def _string(field: str, op: str, value: str, case_exact: bool, negated: bool) -> _Q:
    flag = "" if case_exact else "(?i)"
    if not value:  # "" is no value: eq "" matches nothing, co/sw/ew "" every set value
        if op == "eq":
            return _EVERYONE if negated else _NOBODY
        if op in ("co", "sw", "ew"):
            return _presence(Rule("string", (field,)), negated)
    if op == "eq":
        if negated:
            return _on(field, {"$ne": value}) if case_exact else _SUPERSET
        return _set_on(field, value if case_exact else regex_equal(value))
    if op in ("co", "sw", "ew"):
        if negated:
            return _SUPERSET  # JumpCloud's search has no negated regex
        start, end = ("^" if op == "sw" else ""), ("$" if op == "ew" else "")
        return _set_on(field, {"$regex": f"{flag}{start}{escape_regex(value)}{end}"})
    if not case_exact:
        return _SUPERSET  # JumpCloud orders text by code point, not ignoring case
    return _ordered(field, _OPERATOR[op], value, negated)


def _ordered(field: str, operator: str, value: str, negated: bool, *, text: bool = True) -> _Q:
    """`field operator value` for a set field; negated, the complement or unset.

    An unset text field is "", which JumpCloud orders before every other string: excluded.
    """
    if negated:
        return _any([_on(field, {_COMPLEMENT[operator]: value}), _on(field, ABSENT)])
    return _set_on(field, {operator: value, "$ne": ""} if text else {operator: value})


def _date(field: str, op: str, moment: datetime, negated: bool) -> _Q:
    """JumpCloud's `created` is a UTC string with milliseconds: compare at that precision, exactly."""
    floor = moment - timedelta(microseconds=moment.microsecond % 1000)
    between = moment != floor  # the instant lies strictly between two milliseconds
    stamp = (
        f"{floor.year:04d}-{floor.month:02d}-{floor.day:02d}T{floor.hour:02d}:{floor.minute:02d}:"
        f"{floor.second:02d}.{floor.microsecond // 1000:03d}Z"
    )
    if op == "eq":
        if between:
            return _EVERYONE if negated else _NOBODY
        if negated:
            return _any([_on(field, {"$lt": stamp}), _on(field, {"$gt": stamp}), _on(field, ABSENT)])
        return _set_on(field, {"$gte": stamp, "$lte": stamp})
    operator = {
        "gt": "$gt",
        "ge": "$gt" if between else "$gte",
        "lt": "$lte" if between else "$lt",
        "le": "$lte",
    }[op]
    return _ordered(field, operator, stamp, negated, text=False)


def _id(op: str, value: str, negated: bool) -> _Q:
    if op != "eq":
        return _SUPERSET  # `_id` is an ObjectId to JumpCloud, not text to match or order
    wanted = object_id(value)
    if wanted is None:
        return _EVERYONE if negated else _NOBODY
    return _on("_id", {"$ne": wanted} if negated else wanted)


def _presence(rule: Rule, negated: bool) -> _Q:
    if rule.kind == "absent":
        return _EVERYONE if negated else _NOBODY
    if rule.kind in ("id", "active"):
        return _NOBODY if negated else _EVERYONE  # always set
    if rule.kind == "custom":
        return _SUPERSET if negated else _custom(rule, PRESENT)
    if not rule.fields or rule.kind == "derived":
        return _SUPERSET
    return _absent(rule.fields) if negated else _present(rule.fields)


def _present(fields: tuple[str, ...]) -> _Q:
    return _any([_set_on(field, PRESENT) for field in fields])


def _absent(fields: tuple[str, ...]) -> _Q:
    return _all([_on(field, ABSENT) for field in fields])


def _all(parts: list[_Q]) -> _Q:
    if any(part.kind == "none" for part in parts):
        return _NOBODY
    exact = all(part.exact for part in parts)
    bodies = _spliced("and", [part.body for part in parts if part.body is not None])
    if not bodies:
        return _Q("all", exact=exact)
    sets = any(part.sets for part in parts)
    return _Q("query", bodies[0] if len(bodies) == 1 else {"and": bodies}, exact, sets)


def _any(parts: list[_Q]) -> _Q:
    parts = [part for part in parts if part.kind != "none"]
    if not parts:
        return _NOBODY
    exact = all(part.exact for part in parts)
    if any(part.kind == "all" for part in parts):
        return _Q("all", exact=exact)
    bodies = _spliced("or", [part.body for part in parts if part.body is not None])
    sets = all(part.sets for part in parts)
    return _Q("query", bodies[0] if len(bodies) == 1 else {"or": bodies}, exact, sets)


def _spliced(key: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`{"and": [{"and": [a, b]}, c]}` as `{"and": [a, b, c]}`, each condition once."""
    flat: list[dict[str, Any]] = []
    for body in bodies:
        for part in body[key] if list(body) == [key] else [body]:
            if part not in flat:  # `emails[type eq "work" and value co "x"]` says "email is set" twice
                flat.append(part)
    return flat
