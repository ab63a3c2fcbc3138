"""Every filter operator and combination, sortBy/sortOrder and the search endpoints, end to end.

The proxy and the JumpCloud emulator run on loopback sockets; five users and four groups are
seeded in JumpCloud directly, with creation times one per period so `meta.created` filters have
something to tell apart. Each case states the users it must find and the JumpCloud calls it may
spend, counted by the emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
USER_ROUTES = ("search_users", "list_users", "get_user")
GROUP_ROUTES = ("list_groups", "get_group", "list_group_members")
CREATED = {
    "bjensen": datetime(2021, 1, 1, tzinfo=UTC),
    "jsmith": datetime(2021, 6, 1, tzinfo=UTC),
    "Omalley": datetime(2022, 1, 1, tzinfo=UTC),
    "a.b": datetime(2023, 1, 1, tzinfo=UTC),
    "zed": datetime(2024, 1, 1, tzinfo=UTC),
}


@attrs.frozen
class World:
    """The servers, clients for both proxies (the second reads at most 3 users for a filter), and the seeded ids."""

    emulator: EmulatorState
    scim: httpx.Client
    narrow: httpx.Client
    ids: dict[str, str]


def _seed(emulator: EmulatorState, now: list[datetime]) -> dict[str, str]:
    ids: dict[str, str] = {}

    def user(name: str, **fields: Any) -> None:
        now[0] = CREATED[name]
        ids[name] = emulator.create_user({"username": name, **fields})["_id"]

    user("bjensen", email="bjensen@example.com", firstname="Barbara", lastname="Jensen", jobTitle="Tour Guide",
         department="Sales", external_dn="B-1")  # fmt: skip
    user("jsmith", email="jsmith@example.org", firstname="John", lastname="Smith", department="Sales",
         state="SUSPENDED")  # fmt: skip
    user("Omalley", email="omalley@example.com", firstname="Kate", lastname="Employee", jobTitle="Engineer",
         department="R&D", external_dn="C-3", manager=ids["bjensen"])  # fmt: skip
    user("a.b", email="a.b+tag@example.org", firstname="Al", lastname="Employee", jobTitle="Engineer",
         external_dn="a-4", state="STAGED")  # fmt: skip
    user("zed", email="zed@example.net")
    now[0] = datetime(2024, 6, 1, tzinfo=UTC)
    for name, external, members in (
        ("Sales", "g-1", ("bjensen", "jsmith")),
        ("Sales EMEA, North", "g-2", ("Omalley",)),
        ("R&D*", "g-3", ()),
        ("ops", "g-4", ("zed",)),
    ):
        group = emulator.create_group({"name": name, "description": f"scimExternalId={external}"})
        ids[name] = group["id"]
        for member in members:
            emulator.add_member(group["id"], ids[member])
    return ids


@pytest.fixture(name="world", scope="module")
def _world() -> Iterator[World]:
    """One emulator with the seeded users and groups, a default proxy and a narrow one, on loopback."""
    now = [datetime(2020, 1, 1, tzinfo=UTC)]
    emulator_app = create_emulator_app(EmulatorConfig(clock=lambda: now[0]))
    emulator: EmulatorState = emulator_app.state.emulator
    ids = _seed(emulator, now)
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    with serve_in_thread(emulator_app) as jc_url:
        default = create_app(Settings(jumpcloud_url=jc_url, retry_attempts=1))
        narrow = create_app(Settings(jumpcloud_url=jc_url, retry_attempts=1, filter_scan_limit=3))
        with (
            serve_in_thread(default) as url,
            serve_in_thread(narrow) as narrow_url,
            httpx.Client(base_url=f"{url}/scim/v2", headers=headers, timeout=10) as scim,
            httpx.Client(base_url=f"{narrow_url}/scim/v2", headers=headers, timeout=10) as narrow_client,
        ):
            yield World(emulator, scim, narrow_client, ids)


def _calls(emulator: EmulatorState, routes: tuple[str, ...]) -> int:
    return sum(emulator.calls(route) for route in routes)


def listed(
    world: World, path: str = "/Users", *, routes: tuple[str, ...] = USER_ROUTES, **params: Any
) -> tuple[list[str], int, dict[str, Any]]:
    """(userNames or displayNames in answer order, JumpCloud calls spent, the body) for one GET."""
    before = _calls(world.emulator, routes)
    resp = world.scim.get(path, params=params)
    assert 200 == resp.status_code, resp.text
    body = resp.json()
    names = [r.get("userName") or r.get("displayName") for r in body["Resources"]]
    return names, _calls(world.emulator, routes) - before, body


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
    before = _calls(world.emulator, USER_ROUTES)

    resp = world.scim.get("/Users", params=params)

    assert (400, scim_type) == (resp.status_code, resp.json()["scimType"])
    assert before == _calls(world.emulator, USER_ROUTES)


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
