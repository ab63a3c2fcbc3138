"""Pure: how each User attribute reads in JumpCloud's search, read off the attribute table in force.

translate/search.py translates filters with these rules; translate/sorting.py sorts by their fields.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

from scim_proxy.scim.filter_schema import FilterAttributes, user_filter_attributes
from scim_proxy.translate.users import UserMapping


@attrs.frozen
class Rule:
    """How one SCIM attribute reads in JumpCloud.

    kind: "string" (a stored field), "id" (`_id`), "date" (`created`), "active", "constant" (the
    same value whenever `fields` are set), "complex" (present when any of `fields` is),
    "local_part" (userName read from the email), "derived" (not searchable: superset) or
    "absent" (an attribute Users lack, in a root search: never set).
    """

    kind: str
    fields: tuple[str, ...] = ()
    case_exact: bool = False
    constant: Any = None


def user_search_rules(mapping: UserMapping) -> dict[str, Rule]:
    """The rule for every filterable User attribute, by its case-folded SCIM path, read off the table."""
    rules = {
        "id": Rule("id", ("_id",)),
        "meta": Rule("complex", ("created",)),
        "meta.created": Rule("date", ("created",)),
        "meta.lastmodified": Rule("date", ("created",)),
    }
    for row in mapping.schema.attributes:
        key = row.path.lower()
        if row.jc_field is None:
            rules[key] = Rule("active" if row.kind == "boolean" else "derived")
        elif row.kind == "email":
            rules[key] = Rule("complex", (row.jc_field,))
            rules[f"{key}.value"] = Rule("string", (row.jc_field,), row.case_exact)
            rules[f"{key}.type"] = Rule("constant", (row.jc_field,), constant="work")
            rules[f"{key}.primary"] = Rule("constant", (row.jc_field,), constant=True)
        elif row.kind == "reference":
            rules[key] = Rule("complex", (row.jc_field,))
            rules[f"{key}.value"] = Rule("string", (row.jc_field,), case_exact=True)
            rules[f"{key}.$ref"] = Rule("derived")
        elif row.field == "user_name" and mapping.username_from_email:
            rules[key] = Rule("local_part", (row.jc_field,))
        else:
            rules[key] = Rule("string", (row.jc_field,), row.case_exact)
            if "." in row.name:
                parent = key.rpartition(".")[0]
                held = rules.get(parent, Rule("complex")).fields
                rules[parent] = Rule("complex", (*held, row.jc_field))
    return rules


@attrs.frozen
class UserTables:
    """What filtering and sorting users needs, built once per attribute table."""

    attributes: FilterAttributes
    rules: Mapping[str, Rule]
    sort_fields: Mapping[str, str]  # SCIM path (case-folded) -> the JumpCloud field it sorts by


@functools.lru_cache(maxsize=8)  # one mapping per app; a few in tests
def user_tables(mapping: UserMapping) -> UserTables:
    rules = user_search_rules(mapping)
    sortable = ("string", "date", "id", "local_part")
    fields = {key: rule.fields[0] for key, rule in rules.items() if rule.kind in sortable}
    return UserTables(user_filter_attributes(mapping.schema), rules, fields)
