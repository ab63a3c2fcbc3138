"""GET /api/systemusers: v1 `filter` operators, AND/OR forms, paging, sort and fields."""

from __future__ import annotations

import httpx
import pytest

from devtools.emulator import EmulatorState

from .support import user_body

EVENTUAL = {"x-eventually-consistent": "true"}


@pytest.fixture(name="people")
def _people(emulator: EmulatorState) -> None:
    """Four users with distinct names, titles, states and a URL-ish description."""
    emulator.create_user(user_body("alice", jobTitle="Eng", description="see https://a.example:8443/x", unix_uid=7001))
    emulator.create_user(user_body("bob", jobTitle="Ops", state="SUSPENDED", unix_uid=7002))
    emulator.create_user(user_body("carol", jobTitle="Eng|Ops", unix_uid=7003))
    emulator.create_user(user_body("Dave", jobTitle="", password="pw", unix_uid=7004))


async def names(
    client: httpx.AsyncClient, params: list[tuple[str, str]], headers: dict[str, str] | None = None
) -> list[str]:
    """Usernames listed for `params` (sorted by _id), failing on a non-200."""
    resp = await client.get("/api/systemusers", params=[*params, ("sort", "_id")], headers=headers)
    assert resp.status_code == 200, resp.text
    return [user["username"] for user in resp.json()["results"]]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("username:$eq:alice", ["alice"]),
        ("username:$eq:Alice", []),
        ("username:$ne:alice", ["bob", "carol", "Dave"]),
        ("username:$gt:bob", ["carol"]),
        ("username:$gte:bob", ["bob", "carol"]),
        ("username:$lt:alice", ["Dave"]),
        ("username:$lte:alice", ["alice", "Dave"]),
        ("unix_uid:$gte:7003", ["carol", "Dave"]),
        ("username:$in:alice|carol|zed", ["alice", "carol"]),
        ("username:$nin:alice|carol", ["bob", "Dave"]),
        ("username:$sw:ca|Da", ["carol", "Dave"]),
        ("jobTitle:$eq:Eng|Ops", ["carol"]),
        ("jobTitle:$in:Eng\\|Ops", ["carol"]),
        ("jobTitle:$in:Eng\\|Ops|Ops", ["bob", "carol"]),
        ("jobTitle:$eq:", ["Dave"]),
        ("description:$eq:see https://a.example:8443/x", ["alice"]),
        ("suspended:$eq:true", ["bob"]),
        ("activated:$eq:false", ["alice", "bob", "carol"]),
        ("manager:$eq:null", ["alice", "bob", "carol", "Dave"]),
        ("email:$eq:bob@example.com", ["bob"]),
        ("mfa.configured:$eq:false", ["alice", "bob", "carol", "Dave"]),
        ("created:$gte:2000-01-01", ["alice", "bob", "carol", "Dave"]),
    ],
)
async def test_operator(client: httpx.AsyncClient, term: str, expected: list[str]) -> None:
    """Each v1 operator matches case-sensitively; the value is all text after the second colon."""
    assert expected == await names(client, [("filter", term)])


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("username:$ew:ob|ve", ["bob", "Dave"]),
        ("username:$co:ar|li", ["alice", "carol"]),
        ("username:$nco:a", ["bob"]),
    ],
)
async def test_eventually_consistent_operator(client: httpx.AsyncClient, term: str, expected: list[str]) -> None:
    """`$ew`, `$co` and `$nco` work with `x-eventually-consistent: true`, and are a 400 without it."""
    refused = await client.get("/api/systemusers", params={"filter": term})

    assert expected == await names(client, [("filter", term)], headers=EVENTUAL)
    assert refused.status_code == 400
    assert "x-eventually-consistent" in refused.json()["message"]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("filter", "jobTitle:$eq:Eng"), ("filter", "username:$eq:alice")], ["alice"]),
        ([("filter", "jobTitle:$eq:Ops"), ("filter", "username:$eq:alice")], []),
        ([("filter[0]", "jobTitle:$sw:Eng"), ("filter[1]", "username:$ne:alice")], ["carol"]),
        ([("filter[or][0]", "username:$eq:alice"), ("filter[or][1]", "username:$eq:bob")], ["alice", "bob"]),
        (
            [
                ("filter", "state:$eq:ACTIVATED"),
                ("filter[or][0]", "username:$eq:bob"),
                ("filter[or][1]", "username:$eq:Dave"),
            ],
            ["Dave"],
        ),
    ],
)
async def test_and_or_forms(client: httpx.AsyncClient, params: list[tuple[str, str]], expected: list[str]) -> None:
    """Repeated `filter=` and `filter[n]=` are ANDed, `filter[or][n]=` are ORed, and the two groups ANDed."""
    assert expected == await names(client, params)


@pytest.mark.parametrize("term", ["username", "username:$eq", "username:eq:alice", "username:$regex:a", ":$eq:a"])
async def test_malformed_filter_is_400(client: httpx.AsyncClient, term: str) -> None:
    """A filter without three parts, without the `$`, or with an unknown operator is a 400."""
    resp = await client.get("/api/systemusers", params={"filter": term})

    assert resp.status_code == 400
    assert resp.json()["message"].startswith("invalid filter")


async def test_email_with_plus_survives_url_encoding(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """A percent-encoded `+` and `@` in a filter value match the literal email."""
    emulator.create_user(user_body("tagged", email="a+tag@example.com"))

    resp = await client.get("/api/systemusers?filter=email:$eq:a%2Btag%40example.com")

    assert [user["username"] for user in resp.json()["results"]] == ["tagged"]


@pytest.mark.usefixtures("people")
async def test_paging_reports_total_count_and_pages_past_the_end_are_empty(client: httpx.AsyncClient) -> None:
    """`limit`/`skip` slice the `_id`-sorted list; `totalCount` counts every match; past the end is empty."""
    pages = [
        (await client.get("/api/systemusers", params={"limit": 3, "skip": skip, "sort": "_id"})).json()
        for skip in (0, 3, 9)
    ]

    assert [p["totalCount"] for p in pages] == [4, 4, 4]
    assert [[u["username"] for u in p["results"]] for p in pages] == [["alice", "bob", "carol"], ["Dave"], []]


async def test_default_limit_is_10(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """Without `limit`, a list returns 10 results."""
    for i in range(12):
        emulator.create_user(user_body(f"u{i:02d}"))

    body = (await client.get("/api/systemusers")).json()

    assert (body["totalCount"], len(body["results"])) == (12, 10)


@pytest.mark.parametrize(("name", "value"), [("limit", "101"), ("limit", "-1"), ("limit", "ten"), ("skip", "-5")])
async def test_bad_paging_is_400(client: httpx.AsyncClient, name: str, value: str) -> None:
    """A `limit` above 100, or a negative or non-numeric `limit`/`skip`, is a 400 (no silent clamp)."""
    resp = await client.get("/api/systemusers", params={name: value})

    assert resp.status_code == 400


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("username", ["Dave", "alice", "bob", "carol"]),
        ("-username", ["carol", "bob", "alice", "Dave"]),
        ("-_id", ["Dave", "carol", "bob", "alice"]),
        ("jobTitle -username", ["Dave", "alice", "carol", "bob"]),
        ("state", ["alice", "carol", "Dave", "bob"]),
    ],
)
async def test_sort(client: httpx.AsyncClient, sort: str, expected: list[str]) -> None:
    """`sort` takes space-separated fields, `-` for descending, ties in `_id` order."""
    resp = await client.get("/api/systemusers", params={"sort": sort})

    assert expected == [user["username"] for user in resp.json()["results"]]


@pytest.mark.usefixtures("people")
async def test_fields_projection_keeps_ids(client: httpx.AsyncClient) -> None:
    """`fields` returns only the named fields, plus `_id` and `id`."""
    resp = await client.get("/api/systemusers", params={"fields": "username state", "limit": 1, "sort": "_id"})

    assert {"_id", "id", "username", "state"} == set(resp.json()["results"][0])


async def test_search_query_parameter_is_refused(client: httpx.AsyncClient) -> None:
    """The GET `search` parameter, whose encoding is unknown, is a 400 pointing at the search endpoint."""
    resp = await client.get("/api/systemusers", params={"search": "jdoe"})

    assert resp.status_code == 400
