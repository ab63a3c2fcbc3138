"""scim_proxy.translate.group_search: the fewest v2 calls that find a /Groups filter's candidates."""

from __future__ import annotations

import pytest

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filter_schema import group_filter_attributes
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.translate.group_search import GroupSearch, group_search

GROUPS = group_filter_attributes()
GROUP_ID = "64b0c0ffee0000000000abcd"
USER_ID = "64b0c0ffee0000000000aaaa"


def plan(text: str) -> GroupSearch:
    return group_search(parse(text), GROUPS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('displayName eq "Sales"', GroupSearch(name="Sales")),
        ("displayName eq Sales", GroupSearch(name="Sales")),
        (f'id eq "{GROUP_ID.upper()}"', GroupSearch(group_id=GROUP_ID)),
        (
            f'id eq "{GROUP_ID}" and members eq "{USER_ID}"',
            GroupSearch(group_id=GROUP_ID, needs_members=True),
        ),
        (
            f'displayName eq "Sales" and members.value eq "{USER_ID}"',
            GroupSearch(name="Sales", needs_members=True),
        ),
        (f'members eq "{USER_ID}"', GroupSearch(needs_members=True)),
        (f'members[value eq "{USER_ID}"]', GroupSearch(needs_members=True)),
        ('externalId eq "x"', GroupSearch()),
        ('displayName sw "Sa"', GroupSearch()),
        ('displayName eq "A" or displayName eq "B"', GroupSearch()),
        ('not (displayName eq "Sales")', GroupSearch()),
        ("members pr", GroupSearch(needs_members=True)),
        ('not (members[type eq "User"])', GroupSearch(needs_members=True)),
        ('displayName eq "Sales, EMEA"', GroupSearch()),
        ('displayName eq "Sales*"', GroupSearch()),
        ('id eq "not-an-id"', GroupSearch(empty=True)),
        ('displayName eq ""', GroupSearch(empty=True)),
        ('members eq "nobody" and displayName pr', GroupSearch(empty=True, needs_members=True)),
    ],
)
def test_candidates(text: str, expected: GroupSearch) -> None:
    """id beats name; values v2 would split or glob, and anything else, scan every group."""
    assert expected == plan(text)


def test_unknown_group_attributes_are_invalid() -> None:
    """A filter on an attribute JumpCloud groups do not hold is invalidFilter naming it."""
    with pytest.raises(InvalidFilter, match="'description'"):
        plan('description eq "x"')
