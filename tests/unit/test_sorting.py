"""scim_proxy.translate.sorting: sortBy/sortOrder as JumpCloud's `sort`, and the proxy sorting the same way."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.emulator.query import sort_records
from scim_proxy.errors import InvalidValue
from scim_proxy.scim.filter_schema import group_filter_attributes
from scim_proxy.scim.schema import ENTERPRISE_USER
from scim_proxy.translate.search_rules import user_tables
from scim_proxy.translate.sorting import (
    GROUP_SORT_FIELDS,
    GROUP_TIE_BREAK,
    USER_TIE_BREAK,
    Sort,
    parse_sort,
    sort_resources,
)
from scim_proxy.translate.users import DEFAULT_MAPPING

TABLES = user_tables(DEFAULT_MAPPING)
USERS = TABLES.attributes
FIELDS = TABLES.sort_fields


def user_sort(sort_by: str | None, sort_order: str | None = None) -> Sort | None:
    return parse_sort(sort_by, sort_order, USERS, FIELDS, tie_break=USER_TIE_BREAK)


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "jumpcloud"),
    [
        ("userName", None, "username _id"),
        ("userName", "descending", "-username _id"),
        ("USERNAME", "Ascending", "username _id"),
        ("name.familyName", "DESCENDING", "-lastname _id"),
        ("meta.created", None, "created _id"),
        ("meta.lastModified", "descending", "-created _id"),
        ("emails.value", None, "email _id"),
        ("emails", None, "email _id"),
        ("id", "descending", "-_id"),
        ("externalId", None, "external_dn _id"),
        (f"{ENTERPRISE_USER}:employeeNumber", None, "employeeIdentifier _id"),
        ("department", None, "department _id"),
        (f"{ENTERPRISE_USER}:manager", None, "manager _id"),
    ],
)
def test_sortable_user_attributes(sort_by: str, sort_order: str | None, jumpcloud: str) -> None:
    """Every stored attribute sorts by its JumpCloud field, ties broken by `_id` so paging is stable."""
    found = user_sort(sort_by, sort_order)

    assert found is not None
    assert jumpcloud == found.jumpcloud
    assert ((sort_order or "").lower() == "descending") is found.descending


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "message"),
    [
        ("active", None, "JumpCloud does not store it"),
        ("emails.type", None, "JumpCloud does not store it"),
        (f"{ENTERPRISE_USER}:manager.$ref", None, "JumpCloud does not store it"),
        ("nickName", None, "not an attribute JumpCloud keeps"),
        ("name", None, "complex"),
        ("user name", None, "not an attribute path"),
        ("userName", "up", "sortOrder"),
    ],
)
def test_unsortable_requests_are_invalid_values(sort_by: str, sort_order: str | None, message: str) -> None:
    """A derived, unknown or malformed sortBy, or a sortOrder other than the two, is 400 invalidValue."""
    with pytest.raises(InvalidValue, match=message):
        user_sort(sort_by, sort_order)


def test_no_sort_by_means_no_sort() -> None:
    """Without sortBy there is nothing to sort, and a lone sortOrder (even a bad one) changes nothing."""
    assert user_sort(None, "descending") is None
    assert user_sort("  ", "sideways") is None


def test_group_sort_uses_commas_and_id() -> None:
    """v2 group lists sort by `name` or `id` (meta.created: an ObjectId starts with its creation time)."""
    groups = group_filter_attributes()

    by_name = parse_sort(
        "displayName", "descending", groups, GROUP_SORT_FIELDS, tie_break=GROUP_TIE_BREAK, separator=","
    )
    by_date = parse_sort("meta.created", None, groups, GROUP_SORT_FIELDS, tie_break=GROUP_TIE_BREAK, separator=",")

    assert by_name is not None and "-name,id" == by_name.jumpcloud
    assert by_date is not None and "id" == by_date.jumpcloud
    with pytest.raises(InvalidValue):
        parse_sort("externalId", None, groups, GROUP_SORT_FIELDS, tie_break=GROUP_TIE_BREAK)


NAMES = st.sampled_from(["", "adam", "Adam", "zoe", "Zoe", "émile", "b"])


@given(st.lists(NAMES, max_size=12), st.booleans())
def test_proxy_sort_matches_jumpcloud_order(names: list[str], descending: bool) -> None:
    """The proxy orders resources as the emulator (JumpCloud's model) orders the records: unset first, code points."""
    records = [{"_id": f"64b0c0ffee00000000000{n:03x}", "lastname": name} for n, name in enumerate(names)]
    resources: list[dict[str, Any]] = [
        {"id": r["_id"], **({"name": {"familyName": r["lastname"]}} if r["lastname"] else {})} for r in records
    ]
    sort = user_sort("name.familyName", "descending" if descending else None)
    assert sort is not None

    expected = [r["_id"] for r in sort_records(records, sort.jumpcloud)]
    assert expected == [r["id"] for r in sort_resources(resources, sort, resource=lambda r: r)]
