"""POST /api/search/systemusers: filter objects, `$regex`, searchFilter and paging."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from devtools.emulator import EmulatorState

from .support import user_body

REGEX_SPECIALS = re.compile(r"([\\.+*?^$()\[\]{}|/\-#&~'\" ])")


def exact_ci(value: str) -> dict[str, str]:
    """The proxy's case-insensitive equality: `(?i)(^<escaped>$)`, punctuation backslash-escaped."""
    escaped = REGEX_SPECIALS.sub(r"\\\1", value)
    return {"$regex": f"(?i)(^{escaped}$)"}


@pytest.fixture(name="people")
def _people(emulator: EmulatorState) -> None:
    """Users whose names contain regex metacharacters."""
    emulator.create_user(user_body("first.last", firstname="Ann", department="R&D"))
    emulator.create_user(user_body("firstXlast", firstname="Ben", state="SUSPENDED"))
    emulator.create_user(user_body("a+b", email="A+B@Example.com", firstname="Cy"))
    emulator.create_user(user_body("o'brien (x)", email="ob@example.com", firstname="Dee", unix_uid=9000))


async def search(client: httpx.AsyncClient, body: dict[str, Any]) -> list[str]:
    """Usernames found by a search body, in `_id` order (as KB-BP advises), failing on a non-200."""
    resp = await client.post("/api/search/systemusers", params={"sort": "_id"}, json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["totalCount"] >= len(resp.json()["results"])
    return [user["username"] for user in resp.json()["results"]]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FIRST.LAST", ["first.last"]),
        ("first.last", ["first.last"]),
        ("A+B", ["a+b"]),
        ("O'Brien (X)", ["o'brien (x)"]),
        ("first", []),
    ],
)
async def test_case_insensitive_exact_match_with_escaped_metacharacters(
    client: httpx.AsyncClient, value: str, expected: list[str]
) -> None:
    """An anchored, escaped `(?i)` regex matches exactly one username regardless of case; `.` is literal."""
    assert expected == await search(client, {"filter": {"and": [{"username": exact_ci(value)}]}})


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"and": [{"username": {"$regex": "first.last"}}]}, ["first.last", "firstXlast"]),
        ({"or": [{"firstname": "Ann"}, {"firstname": "Cy"}]}, ["first.last", "a+b"]),
        ([{"firstname": "Ann"}, {"department": "R&D"}], ["first.last"]),
        ([{"firstname": "ann"}], []),
        ({"state": "SUSPENDED"}, ["firstXlast"]),
        ({"suspended": True}, ["firstXlast"]),
        ({"firstname": {"$eq": "Ben"}}, ["firstXlast"]),
        ({"firstname": {"$ne": "Ben"}}, ["first.last", "a+b", "o'brien (x)"]),
        ({"firstname": {"$in": ["Ben", "Cy"]}}, ["firstXlast", "a+b"]),
        ({"unix_uid": {"$gte": 9000}}, ["o'brien (x)"]),
        ({"unix_uid": {"$gt": False}}, []),  # a boolean orders against no number (Python would say 5001 > False)
        ({"suspended": {"$lt": 1}}, []),
        ({"created": {"$lt": "2000-01-01T00:00:00.000Z"}}, []),
        (
            {"and": [{"or": [{"firstname": "Ann"}, {"firstname": "Ben"}]}, {"suspended": False}]},
            ["first.last"],
        ),
        ({"email": {"$regex": "(?i)^a\\+b@example\\.com$"}}, ["a+b"]),
        ({"recoveryEmail.address": ""}, ["first.last", "firstXlast", "a+b", "o'brien (x)"]),
        ({"department": {"$nin": ["", None]}}, ["first.last"]),
        ({"manager": {"$in": ["", None]}}, ["first.last", "firstXlast", "a+b", "o'brien (x)"]),
        ({"firstname": {"$gt": "B", "$ne": ""}}, ["firstXlast", "a+b", "o'brien (x)"]),
        (
            {"created": {"$gte": "2000-01-01T00:00:00.000Z", "$lte": "2999-01-01T00:00:00.000Z"}},
            ["first.last", "firstXlast", "a+b", "o'brien (x)"],
        ),
        (
            {"and": [{"suspended": {"$ne": True}}, {"state": {"$ne": "SUSPENDED"}}]},
            ["first.last", "a+b", "o'brien (x)"],
        ),
    ],
)
async def test_filter_forms(client: httpx.AsyncClient, flt: Any, expected: list[str]) -> None:
    """`and`/`or`/list filters combine plain (exact, case-sensitive) values and operator objects."""
    assert expected == await search(client, {"filter": flt, "limit": 100})


@pytest.mark.parametrize(
    "body",
    [
        {"filter": {"username": {"$regex": "(unclosed"}}},
        {"filter": {"username": {"$regex": "^a$", "$options": "i"}}},
        {"filter": {"username": {"$where": "1"}}},
        {"filter": "username=a"},
        {"filter": {"and": {"username": "a"}}},
        {"limit": 1001},
        {"skip": -1},
        {"searchFilter": {"searchTerm": 3}},
    ],
)
async def test_bad_search_is_400(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    """An invalid regex, `$options`, an unknown operator, a bad filter shape or paging is a 400."""
    resp = await client.post("/api/search/systemusers", json=body)

    assert resp.status_code == 400
    assert "message" in resp.json()


@pytest.mark.usefixtures("people")
async def test_search_filter_is_a_case_insensitive_substring_match(client: httpx.AsyncClient) -> None:
    """`searchFilter` finds any term as a case-insensitive substring of any listed field."""
    found = await search(client, {"searchFilter": {"searchTerm": ["LAST", "dee"], "fields": ["username", "firstname"]}})

    assert found == ["first.last", "firstXlast", "o'brien (x)"]


@pytest.mark.usefixtures("people")
async def test_paging_fields_and_sort_in_body_or_query(client: httpx.AsyncClient) -> None:
    """`skip`/`limit`/`fields` work in the body, and also as query parameters for older clients."""
    in_body = await client.post("/api/search/systemusers", json={"skip": 1, "limit": 2, "fields": "username"})
    in_query = await client.post("/api/search/systemusers?skip=1&limit=2&sort=-username", json={})

    assert in_body.json()["totalCount"] == 4
    assert [{"_id", "id", "username"}] * 2 == [set(user) for user in in_body.json()["results"]]
    assert [user["username"] for user in in_query.json()["results"]] == ["firstXlast", "first.last"]


async def test_search_allows_a_limit_of_1000(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """The search endpoint accepts `limit` up to 1000 and returns every match."""
    for i in range(120):
        emulator.create_user(user_body(f"u{i:03d}"))

    assert len(await search(client, {"limit": 1000})) == 120


async def test_empty_body_searches_everything(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """A search with no body at all matches every user, 10 per page."""
    emulator.create_user(user_body())

    resp = await client.post("/api/search/systemusers")

    assert (resp.status_code, resp.json()["totalCount"]) == (200, 1)


async def test_id_matches_as_a_plain_string(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """`{"_id": "<24 hex>"}` and `{"_id": {"$ne": ...}}` select by id, as the proxy's `id eq`/`ne` send them."""
    first = emulator.create_user(user_body("one"))
    emulator.create_user(user_body("two"))

    assert ["one"] == await search(client, {"filter": {"_id": first["_id"]}})
    assert ["two"] == await search(client, {"filter": {"_id": {"$ne": first["_id"]}}})
