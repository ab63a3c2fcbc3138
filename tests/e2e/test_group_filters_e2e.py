"""/Groups filters, sorting and /Groups/.search, and the root /.search, end to end.

The proxy and the JumpCloud emulator run on loopback sockets around the seeded world of
filter_world.py; each case counts the JumpCloud calls it spends.
"""

from __future__ import annotations

import pytest

from .filter_world import GROUP_ROUTES, SEARCH, World, listed, world_fixture

__all__ = ["world_fixture"]  # the module-scoped `world` fixture, used by the tests below


@pytest.mark.parametrize(
    ("text", "expected", "calls"),
    [
        ('displayName eq "Sales"', ["Sales"], 1),
        ('displayName eq "Sales EMEA, North"', ["Sales EMEA, North"], 1),  # never a v2 filter value: a scan
        ('displayName eq "R&D*"', ["R&D*"], 1),
        ('displayName sw "sales"', ["Sales", "Sales EMEA, North"], 1),
        ('not (displayName co "sales")', ["R&D*", "ops"], 1),
        ('externalId eq "g-4"', ["ops"], 1),
        ('externalId eq "G-4"', [], 1),
        ("meta.created gt 2024-05-01T00:00:00Z", ["Sales", "Sales EMEA, North", "R&D*", "ops"], 1),
    ],
)
def test_group_filters(world: World, text: str, expected: list[str], calls: int) -> None:
    """/Groups filters find exactly the groups RFC 7644 says; members excluded, no member list is read."""
    names, spent, _ = listed(world, "/Groups", routes=GROUP_ROUTES, filter=text, excludedAttributes="members")

    assert (expected, calls) == (names, spent)


def test_group_membership_filters(world: World) -> None:
    """`members` filters read member lists: of the one group named, or of every group when none is."""
    sales, zed = world.ids["Sales"], world.ids["zed"]

    check = listed(world, "/Groups", routes=GROUP_ROUTES, filter=f'id eq "{sales}" and members eq "{zed}"')
    holding = listed(world, "/Groups", routes=GROUP_ROUTES, filter=f'members[value eq "{zed}"]', attributes="id")

    assert ([], 2) == check[:2]  # the group, then its members
    assert 1 == holding[2]["totalResults"]
    assert world.ids["ops"] == holding[2]["Resources"][0]["id"]
    assert 1 + 4 == holding[1]  # the group list, then each group's members


def test_group_sorting_and_groups_search(world: World) -> None:
    """sortBy=displayName sorts in JumpCloud; POST /Groups/.search filters and sorts the same way."""
    unfiltered, spent, _ = listed(
        world, "/Groups", routes=GROUP_ROUTES, sortBy="displayName", excludedAttributes="members"
    )
    searched = world.scim.post(
        "/Groups/.search",
        json={
            "filter": 'displayName co "a"',
            "sortBy": "displayName",
            "sortOrder": "descending",
            "excludedAttributes": ["members"],
        },
    )

    assert (["R&D*", "Sales", "Sales EMEA, North", "ops"], 1) == (unfiltered, spent)
    assert ["Sales EMEA, North", "Sales"] == [g["displayName"] for g in searched.json()["Resources"]]


def test_root_search_spans_users_and_groups(world: World) -> None:
    """POST /.search pages across users then groups; an attribute one type lacks is unassigned for it."""
    body = {"schemas": [SEARCH], "filter": 'userName sw "a" or displayName sw "S"', "attributes": ["id"]}

    everything = world.scim.post("/.search", json=body).json()
    second_page = world.scim.post("/.search", json={**body, "startIndex": 2, "count": 1}).json()
    nowhere = world.scim.post("/.search", json={"filter": 'nickName eq "x"'})
    sorted_root = world.scim.post("/.search", json={"sortBy": "userName"})

    ids = [r["id"] for r in everything["Resources"]]
    assert [world.ids["a.b"], world.ids["Sales"], world.ids["Sales EMEA, North"]] == ids
    assert (3, [world.ids["Sales"]]) == (second_page["totalResults"], [r["id"] for r in second_page["Resources"]])
    assert (400, "invalidFilter") == (nowhere.status_code, nowhere.json()["scimType"])
    assert (400, "invalidValue") == (sorted_root.status_code, sorted_root.json()["scimType"])
