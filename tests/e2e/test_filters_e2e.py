"""Every filter operator and combination on /Users, sortBy/sortOrder and /Users/.search, end to end.

The proxy and the JumpCloud emulator run on loopback sockets around the seeded world of
filter_world.py. Each case states the users it must find and the JumpCloud calls it may spend,
counted by the emulator.
"""

from __future__ import annotations

import pytest

from .filter_world import CREATED, SEARCH, USER_ROUTES, E, World, jumpcloud_calls, listed, world_fixture

__all__ = ["world_fixture"]  # the module-scoped `world` fixture, used by the tests below


@pytest.mark.parametrize(
    ("text", "expected", "calls"),
    [
        ('userName eq "BJENSEN"', {"bjensen"}, 1),
        ('userName ne "bjensen"', {"jsmith", "Omalley", "a.b", "zed"}, 1),
        ('userName co "EN"', {"bjensen"}, 1),
        ("userName sw O", {"Omalley"}, 1),
        ('userName ew "ED"', {"zed"}, 1),
        ('userName gt "m"', {"Omalley", "zed"}, 1),
        ('userName le "b"', {"a.b"}, 1),
        (
            "name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)",
            {"Omalley", "a.b"},
            1,
        ),
        ("meta.Created gt 2021-10-10T14:38:21.8617979-07:00", {"Omalley", "a.b", "zed"}, 1),
        ('meta.created ge "2021-06-01T00:00:00Z"', {"jsmith", "Omalley", "a.b", "zed"}, 1),
        ('meta.created gt "2021-06-01T00:00:00Z"', {"Omalley", "a.b", "zed"}, 1),
        ('meta.lastModified lt "2021-06-01T02:00:00+02:00"', {"bjensen"}, 1),
        ('meta.created le "2021-06-01T00:00:00.000Z"', {"bjensen", "jsmith"}, 1),
        ('meta.created eq "2021-06-01T00:00:00Z"', {"jsmith"}, 1),
        ('meta.created ne "2021-06-01T00:00:00Z"', {"bjensen", "Omalley", "a.b", "zed"}, 1),
        ("title pr", {"bjensen", "Omalley", "a.b"}, 1),
        ("not (title pr)", {"jsmith", "zed"}, 1),
        ("title eq null", {"jsmith", "zed"}, 1),
        ("title ne null", {"bjensen", "Omalley", "a.b"}, 1),
        ('title eq "engineer"', {"Omalley", "a.b"}, 1),
        ('externalId eq "C-3"', {"Omalley"}, 1),
        ('externalId eq "c-3"', set(), 1),
        ('externalId gt "B"', {"bjensen", "Omalley", "a.b"}, 1),
        ('externalId lt "C"', {"bjensen"}, 1),
        ('not (externalId lt "C")', {"jsmith", "Omalley", "a.b", "zed"}, 1),
        ('externalId ne "C-3"', {"bjensen", "jsmith", "a.b", "zed"}, 1),
        ("active eq false", {"jsmith"}, 1),
        ('active eq "True"', {"bjensen", "Omalley", "a.b", "zed"}, 1),
        ('emails[type eq "work" and value ew ".ORG"]', {"jsmith", "a.b"}, 1),
        ('emails[type eq "work"].value eq "A.B+TAG@example.org"', {"a.b"}, 1),
        ('emails[type eq "home"]', set(), 0),
        ("emails.primary eq true and emails.type eq work", set(CREATED), 1),
        ('department eq "sales"', {"bjensen", "jsmith"}, 1),
        (f'{E}:department pr and not ({E}:department eq "Sales")', {"Omalley"}, 1),
        ('userName eq "a.b" or userName eq "zed"', {"a.b", "zed"}, 1),
        ('(userName sw "a" or userName sw "z") and not (active eq false)', {"a.b", "zed"}, 1),
        ('not (userName co "a" or title pr)', {"jsmith", "zed"}, 1),
        ("displayName pr", set(), 1),
        ('userName eq ""', set(), 0),
    ],
)
def test_user_filters(world: World, text: str, expected: set[str], calls: int) -> None:
    """Each filter finds exactly the users RFC 7644 says, in at most the stated JumpCloud calls."""
    names, spent, body = listed(world, filter=text)

    assert expected == set(names)
    assert len(expected) == body["totalResults"]
    assert calls == spent


def test_filters_naming_users_by_id(world: World) -> None:
    """`id eq` in the top-level `and` is one GET; the manager reference filters exactly; bad ids need no call."""
    omalley, bjensen = world.ids["Omalley"], world.ids["bjensen"]

    by_id = listed(world, filter=f'id eq "{omalley.upper()}" and title eq "Engineer"')
    by_manager = listed(world, filter=f'{E}:manager.value eq "{bjensen}"')
    either = listed(world, filter=f'id eq "{omalley}" or id eq "{bjensen}"')
    impossible = listed(world, filter='id eq "not-an-id"')

    assert (["Omalley"], 1) == by_id[:2]
    assert (["Omalley"], 1) == by_manager[:2]
    assert ({"Omalley", "bjensen"}, 1) == (set(either[0]), either[1])
    assert ([], 0) == impossible[:2]


@pytest.mark.parametrize(
    ("sort_by", "order", "expected"),
    [
        ("userName", None, ["Omalley", "a.b", "bjensen", "jsmith", "zed"]),  # code-point order: "O" < "a"
        ("userName", "descending", ["zed", "jsmith", "bjensen", "a.b", "Omalley"]),
        ("name.familyName", "ascending", ["zed", "Omalley", "a.b", "bjensen", "jsmith"]),  # unset first; ties by id
        ("name.familyName", "descending", ["jsmith", "bjensen", "Omalley", "a.b", "zed"]),
        ("meta.created", "descending", ["zed", "a.b", "Omalley", "jsmith", "bjensen"]),
        ("emails.value", None, ["a.b", "bjensen", "jsmith", "Omalley", "zed"]),
    ],
)
def test_sorting(world: World, sort_by: str, order: str | None, expected: list[str]) -> None:
    """sortBy/sortOrder sort in JumpCloud (one call); with a filter the proxy sorts the same way itself."""
    params = {"sortBy": sort_by, **({"sortOrder": order} if order else {})}

    unfiltered, spent, _ = listed(world, **params)
    filtered, _, _ = listed(world, filter="userName pr", **params)

    assert (expected, 1) == (unfiltered, spent)
    assert expected == filtered


@pytest.mark.parametrize("text", [None, 'emails.value co "example"'])
def test_sorted_paging_is_stable(world: World, text: str | None) -> None:
    """Pages of two under sortBy=name.familyName (with ties) add up to the whole sorted list, each user once."""
    base = {"sortBy": "name.familyName", **({"filter": text} if text else {})}
    whole, _, _ = listed(world, **base)

    pages = [listed(world, startIndex=start, count=2, **base) for start in (1, 3, 5)]

    assert sorted(CREATED) == sorted(whole)  # every user, once
    assert whole == [name for names, _, _ in pages for name in names]
    assert all(len(whole) == body["totalResults"] for _, _, body in pages)


def test_filter_with_sort_and_paging_through_users_search(world: World) -> None:
    """POST /Users/.search takes filter, sortBy, sortOrder, startIndex and count from its body."""
    resp = world.scim.post(
        "/Users/.search",
        json={
            "schemas": [SEARCH],
            "filter": "title pr or active eq false",
            "sortBy": "userName",
            "sortOrder": "descending",
            "startIndex": 2,
            "count": 2,
            "attributes": ["userName"],
        },
    )

    body = resp.json()
    assert (200, 4) == (resp.status_code, body["totalResults"])
    assert ["bjensen", "a.b"] == [r["userName"] for r in body["Resources"]]
    assert {"id", "schemas", "userName", "meta"} >= set(body["Resources"][0])


def test_superset_past_the_scan_limit_is_too_many(world: World) -> None:
    """A filter JumpCloud cannot answer exactly, selecting more than the scan limit, is 400 tooMany;
    exact filters and JumpCloud-sorted lists are not limited."""
    too_many = world.narrow.get("/Users", params={"filter": 'userName ne "x"'})
    exact = world.narrow.get("/Users", params={"filter": 'userName co "a"'})
    sorted_all = world.narrow.get("/Users", params={"sortBy": "userName"})

    assert (400, "tooMany") == (too_many.status_code, too_many.json()["scimType"])
    assert "SCIM_PROXY_FILTER_SCAN_LIMIT" in too_many.json()["detail"]
    assert (200, 2) == (exact.status_code, exact.json()["totalResults"])
    assert (200, 5) == (sorted_all.status_code, sorted_all.json()["totalResults"])


@pytest.mark.parametrize(
    ("params", "scim_type"),
    [
        ({"filter": 'nickName eq "x"'}, "invalidFilter"),
        ({"filter": "userName eq"}, "invalidFilter"),
        ({"filter": "active gt true"}, "invalidFilter"),
        ({"filter": 'meta.created gt "last week"'}, "invalidFilter"),
        ({"sortBy": "active"}, "invalidValue"),
        ({"sortBy": "userName", "sortOrder": "upwards"}, "invalidValue"),
    ],
)
def test_bad_filters_and_sorts_are_400_without_a_call(world: World, params: dict[str, str], scim_type: str) -> None:
    """What the proxy cannot answer exactly is refused before anything reaches JumpCloud."""
    before = jumpcloud_calls(world.emulator, USER_ROUTES)

    resp = world.scim.get("/Users", params=params)

    assert (400, scim_type) == (resp.status_code, resp.json()["scimType"])
    assert before == jumpcloud_calls(world.emulator, USER_ROUTES)
