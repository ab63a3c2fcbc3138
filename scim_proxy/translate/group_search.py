"""Pure: how to find the groups a /Groups filter selects with the fewest JumpCloud v2 calls.

The v2 list filter (`filter=name:eq:<value>`) is case-sensitive, ANDs repeated terms and has no
OR; its value is a comma-separated array in the spec and "supports wild cards", so a value
holding ',' or '*' is never sent. What the plan names are candidates: the proxy always
evaluates the whole filter on them (scim/filter_eval.py), reading member lists only when the
filter mentions `members`. In order of preference:

- `id eq <id>` anywhere in the top-level `and`: one GET by id;
- `displayName eq <name>`: one `name:eq:` lookup. It is case-sensitive where SCIM's displayName
  is not; JumpCloud's names are unique ignoring case (register JC-73), so a hit is the only
  match, and a name that differs only in case is reported by the 409 of the create that follows;
- otherwise every group, read page by page up to the caller's cap (a filter on members then
  reads each candidate's member list, up to another cap: provision/groups.py).
"""

from __future__ import annotations

import attrs

from scim_proxy.ids import object_id
from scim_proxy.jumpcloud.v2_filter import v2_literal
from scim_proxy.scim.filter_schema import FilterAttributes
from scim_proxy.scim.filter_syntax import And, Compare, Filter, Not, Or, ValuePath


@attrs.frozen(kw_only=True)
class GroupSearch:
    """The candidate groups of a filter (none named: every group) and what evaluating it needs."""

    group_id: str | None = None
    name: str | None = None
    empty: bool = False  # an id or member that cannot exist: nothing matches, no call needed
    needs_members: bool = False


def group_search(node: Filter, attributes: FilterAttributes) -> GroupSearch:
    """The cheapest candidate set for `node` (validated separately by compile_filter)."""
    group_id = name = None
    empty = False
    for term in node.children if isinstance(node, And) else (node,):
        kind, value = _narrowing(term, attributes)
        if kind is None:
            continue
        if kind == "name":
            if not value:
                empty = True  # a displayName is never empty
            elif v2_literal(value):
                name = name or value
            continue
        found = object_id(value)
        if found is None:
            empty = True  # no group or user has that id
        elif kind == "id":
            group_id = group_id or found
    return GroupSearch(
        group_id=group_id,
        name=None if group_id else name,
        empty=empty,
        needs_members=_mentions_members(node, attributes),
    )


def _narrowing(term: Filter, attributes: FilterAttributes) -> tuple[str | None, str]:
    """("id" | "name" | "member", value) for an `eq` term that names candidates, else (None, "")."""
    if isinstance(term, ValuePath):
        parent = attributes.resolve_parent(term.path)
        inner = term.filter
        if parent.key == "members" and isinstance(inner, Compare) and inner.path.key == "value":
            term = Compare(attrs.evolve(inner.path, name="members", sub="value"), inner.op, inner.value, inner.raw)
    if not isinstance(term, Compare) or term.op != "eq" or term.value is None:
        return None, ""
    key = attributes.resolve(term.path).key
    value = term.value if isinstance(term.value, str) else term.raw
    return {"id": "id", "displayname": "name", "members.value": "member"}.get(key), value


def _mentions_members(node: Filter, attributes: FilterAttributes) -> bool:
    if isinstance(node, And | Or):
        return any(_mentions_members(child, attributes) for child in node.children)
    if isinstance(node, Not):
        return _mentions_members(node.child, attributes)
    if isinstance(node, ValuePath):
        return attributes.resolve_parent(node.path).top.lower() == "members"
    return attributes.resolve_leaf(node).top.lower() == "members"
