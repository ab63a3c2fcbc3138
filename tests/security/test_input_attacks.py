"""Attacks 1, 7, 8 and 11 in-process: hostile input gets a clear 4xx before anything reaches JumpCloud.

Each test counts every call that reached the stand-in JumpCloud (`upstream.call_count`), so "no
upstream call" is a measured fact, not an absence of errors: no route is declared for them, so
a stray call would also fail the request (respx refuses calls no route mocks).
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx
import structlog

from ..helpers import AUTH, MANAGER_ID, USER_ID, jc_user

GROUP_ID = "6026da081f24755306c2ee0d"
ORG_ID = "5f1e0c0ffee0000000000001"
ISSUE_FILTER = "emails[type eq" + " " * 1_500 + 'x""y] eq "a"'


class _AllCalls:
    """Every call the stand-in JumpCloud saw, whichever route (or none) it matched."""

    def __init__(self, jc: respx.Router) -> None:
        self._jc = jc

    @property
    def call_count(self) -> int:
        return len(self._jc.calls)


@pytest.fixture(name="upstream")
def _upstream(jc: respx.Router) -> _AllCalls:
    """Every JumpCloud call: must stay at zero for refused input."""
    return _AllCalls(jc)


async def test_backtracking_filter_is_refused_while_a_probe_is_served(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """The issue's 1,500-space filter answers 400 invalidFilter; a concurrent legitimate search is answered."""
    search = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 0, "results": []})

    attack, probe = await asyncio.gather(
        client.get("/scim/v2/Users", params={"filter": ISSUE_FILTER}, headers=AUTH),
        client.get("/scim/v2/Users", params={"filter": 'userName eq "probe"'}, headers=AUTH),
    )

    assert (400, "invalidFilter") == (attack.status_code, attack.json()["scimType"])
    assert (200, 0) == (probe.status_code, probe.json()["totalResults"])
    assert 1 == search.call_count == jc.calls.call_count  # the probe's search, nothing for the attack


async def test_backtracking_patch_path_is_refused(client: httpx.AsyncClient, upstream: _AllCalls) -> None:
    """A PATCH path with 2,000 spaces inside brackets answers 400 invalidPath and calls nothing."""
    path = "emails[type eq" + " " * 2_000 + 'x""y].value'
    body = {"Operations": [{"op": "replace", "path": path, "value": "a@b.co"}]}

    resp = await client.patch(f"/scim/v2/Users/{USER_ID}", json=body, headers=AUTH)

    assert (400, "invalidPath", 0) == (resp.status_code, resp.json()["scimType"], upstream.call_count)


async def test_backtracking_body_key_is_ignored(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A POST body key with 1,000 spaces in brackets is an attribute we do not keep: the user is created without it."""
    create = jc.post("/api/systemusers").respond(200, json=jc_user())
    body = {"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}], f"emails[type eq{' ' * 1_000}x]": "y"}

    resp = await client.post("/scim/v2/Users", json=body, headers=AUTH)

    assert 201 == resp.status_code
    assert {"username": "jdoe", "email": "jdoe@example.com"} == json.loads(create.calls.last.request.content)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"Operations": [{"op": "replace", "path": "title", "value": "a\\ud800b"}]}',
        b'{"Operations": [{"op": "replace", "path": "title", "value": "\\udc00"}]}',
        b'{"Operations": [{"op": "replace", "value": {"title\\ud800": "x"}}]}',
        b'{"Operations": [{"op": "replace", "path": "title", "value": "ok"}], "x": ["\\ud83d"]}',
    ],
    ids=["value", "low-surrogate", "key", "anywhere"],
)
async def test_lone_surrogates_are_refused_before_jumpcloud(
    client: httpx.AsyncClient, upstream: _AllCalls, raw: bytes
) -> None:
    """A lone surrogate anywhere in a JSON body (attack 7) answers 400 invalidValue; JumpCloud never sees it."""
    resp = await client.patch(f"/scim/v2/Users/{USER_ID}", content=raw, headers=AUTH)

    assert (400, "invalidValue", 0) == (resp.status_code, resp.json()["scimType"], upstream.call_count)


async def test_a_surrogate_pair_is_text(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A well-formed pair (an emoji written as two escapes) is ordinary text and reaches JumpCloud."""
    put = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(jobTitle="\U0001f600"))
    raw = b'{"Operations": [{"op": "replace", "path": "title", "value": "\\ud83d\\ude00"}]}'

    resp = await client.patch(f"/scim/v2/Users/{USER_ID}", content=raw, headers=AUTH)

    assert (200, "\U0001f600") == (resp.status_code, resp.json()["title"])
    assert {"jobTitle": "\U0001f600"} == json.loads(put.calls.last.request.content)


async def test_stored_surrogate_does_not_break_reads(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A user JumpCloud already holds with a lone surrogate is still readable, one by one and in a list."""
    stored = json.dumps(jc_user(jobTitle="a\ud800b")).encode()  # ensure_ascii: the escape JumpCloud would send
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, content=stored, headers={"content-type": "application/json"})
    page = b'{"totalCount": 1, "results": [' + stored + b"]}"
    jc.post("/api/search/systemusers").respond(200, content=page, headers={"content-type": "application/json"})

    one = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)
    listed = await client.get("/scim/v2/Users", params={"filter": 'userName eq "jdoe"'}, headers=AUTH)

    assert (200, "a\ud800b") == (one.status_code, one.json()["title"])
    assert (200, "a\ud800b") == (listed.status_code, listed.json()["Resources"][0]["title"])
    assert b"\\ud800" in one.content


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
async def test_non_finite_numbers_are_refused(client: httpx.AsyncClient, upstream: _AllCalls, number: bytes) -> None:
    """NaN, Infinity and numbers too large for a float (attack 11) answer 400 invalidSyntax instead of "nan"."""
    raw = b'{"Operations": [{"op": "replace", "path": "employeeNumber", "value": ' + number + b"}]}"

    resp = await client.patch(f"/scim/v2/Users/{USER_ID}", content=raw, headers=AUTH)

    assert (400, "invalidSyntax", 0) == (resp.status_code, resp.json()["scimType"], upstream.call_count)


@pytest.mark.parametrize("length", [b"\xb2", b"9" * 5_000], ids=["superscript-two", "5000-digits"])
async def test_a_content_length_that_is_no_number_is_not_a_500(
    client: httpx.AsyncClient, upstream: _AllCalls, length: bytes
) -> None:
    """A Content-Length `isdigit()` accepts but `int()` does not: the body is read as sent and judged (400)."""
    headers = {**AUTH, "Content-Length": length}

    resp = await client.patch(f"/scim/v2/Users/{USER_ID}", content=b"not json", headers=headers)

    assert (400, "invalidSyntax", 0) == (resp.status_code, resp.json()["scimType"], upstream.call_count)


@pytest.mark.parametrize("token", [b"t\xe9st", "t\u00e9st".encode(), b"tok\x7fen"], ids=["latin-1", "utf-8", "DEL"])
async def test_non_ascii_token_is_401(client: httpx.AsyncClient, upstream: _AllCalls, token: bytes) -> None:
    """A bearer token that is not printable ASCII (attack 8) answers 401, not 500, and calls nothing."""
    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers={"Authorization": b"Bearer " + token})

    assert (401, 0) == (resp.status_code, upstream.call_count)
    assert resp.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "path",
    [
        f"/scim/v2/Users/{USER_ID}%0A",
        f"/scim/v2/Groups/{GROUP_ID}%0A",
        f"/orgs/{ORG_ID}%0A/scim/v2/Users/{USER_ID}",
        f"/orgs/{ORG_ID}%0A/scim/v2/Users",
        f"/orgs/{ORG_ID}%0A/scim/v2/ServiceProviderConfig",
    ],
)
async def test_ids_with_a_trailing_newline_are_404(client: httpx.AsyncClient, upstream: _AllCalls, path: str) -> None:
    """A user, group or org id followed by a newline (attack 8) is no id: 404 without a call."""
    resp = await client.get(path, headers=AUTH)

    assert (404, 0) == (resp.status_code, upstream.call_count)


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "add", "path": "members", "value": [{"value": f"{USER_ID}\n"}]},
        {"op": "remove", "path": f'members[value eq "{USER_ID}\\n"]'},
        {"op": "remove", "path": f'members[value eq "{USER_ID}\n"]'},
    ],
    ids=["add", "remove-escaped", "remove-raw"],
)
async def test_member_ids_with_a_newline_are_refused(
    client: httpx.AsyncClient, upstream: _AllCalls, operation: dict[str, object]
) -> None:
    """A member id with a trailing newline answers 400 and never reaches JumpCloud's member endpoint."""
    resp = await client.patch(f"/scim/v2/Groups/{GROUP_ID}", json={"Operations": [operation]}, headers=AUTH)

    assert (400, 0) == (resp.status_code, upstream.call_count)


async def test_manager_id_with_a_newline_is_sent_trimmed(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A manager value is trimmed before the id rule applies: JumpCloud receives the 24 characters, no newline."""
    put = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(manager=MANAGER_ID))
    body = {"Operations": [{"op": "replace", "path": "manager", "value": f"{MANAGER_ID}\n"}]}

    resp = await client.patch(f"/scim/v2/Users/{USER_ID}", json=body, headers=AUTH)

    assert 200 == resp.status_code
    assert {"manager": MANAGER_ID} == json.loads(put.calls.last.request.content)


@pytest.mark.parametrize("resource", ["Users", "Groups"])
async def test_id_filter_with_a_newline_finds_nothing_without_a_call(
    client: httpx.AsyncClient, upstream: _AllCalls, resource: str
) -> None:
    """`id eq "<id>\\n"` names no resource: an empty list, and JumpCloud is not asked."""
    resp = await client.get(f"/scim/v2/{resource}", params={"filter": f'id eq "{USER_ID}\\n"'}, headers=AUTH)

    assert (200, 0, 0) == (resp.status_code, resp.json()["totalResults"], upstream.call_count)


@pytest.mark.parametrize(
    "path", ["/scim/v2/Users", f"/scim/v2/Users/{USER_ID}", "/scim/v2/Groups", f"/scim/v2/Groups/{GROUP_ID}"]
)
async def test_head_on_resources_is_405_without_a_call(
    client: httpx.AsyncClient, upstream: _AllCalls, path: str
) -> None:
    """HEAD on /Users and /Groups (attack 11) answers 405 naming the allowed methods; JumpCloud is not called."""
    resp = await client.head(path, headers=AUTH)

    assert (405, 0) == (resp.status_code, upstream.call_count)
    assert "GET" in resp.headers["allow"]


async def test_head_on_discovery_is_answered(client: httpx.AsyncClient, upstream: _AllCalls) -> None:
    """HEAD on a discovery document costs nothing upstream, so it is answered like GET, without a body."""
    resp = await client.head("/scim/v2/ServiceProviderConfig")

    assert (200, b"", 0) == (resp.status_code, resp.content, upstream.call_count)


async def test_inner_value_filter_is_honoured_not_ignored(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Attack 11: `emails[value eq "x"].value eq "admin@..."` keeps both conditions, so the admin
    (whose one address is not "x") is not matched, even when JumpCloud's wider search returns it."""
    admin = jc_user(username="admin", email="admin@example.com")
    search = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 1, "results": [admin]})

    resp = await client.get(
        "/scim/v2/Users", params={"filter": 'emails[value eq "x"].value eq "admin@example.com"'}, headers=AUTH
    )

    assert (200, 0, []) == (resp.status_code, resp.json()["totalResults"], resp.json()["Resources"])
    assert 1 == search.call_count


async def test_inner_filter_on_an_attribute_we_do_not_keep_is_refused(
    client: httpx.AsyncClient, upstream: _AllCalls
) -> None:
    """A value filter naming a sub-attribute JumpCloud does not store is 400 invalidFilter, with no call."""
    resp = await client.get(
        "/scim/v2/Users", params={"filter": 'emails[display eq "x"].value eq "admin@example.com"'}, headers=AUTH
    )

    assert (400, "invalidFilter", 0) == (resp.status_code, resp.json()["scimType"], upstream.call_count)


async def test_type_filter_inside_a_filter_still_works(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Entra's own `emails[type eq "work"].value eq` filter is still answered with one search."""
    search = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 1, "results": [jc_user()]})

    resp = await client.get(
        "/scim/v2/Users", params={"filter": 'emails[type eq "work"].value eq "jdoe@example.com"'}, headers=AUTH
    )

    assert (200, 1, 1) == (resp.status_code, resp.json()["totalResults"], search.call_count)


async def test_a_huge_ignored_key_is_logged_short(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A 100 KB attribute name is ignored and logged as its first 128 characters, not copied into the log."""
    jc.post("/api/systemusers").respond(200, json=jc_user())
    body = {"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}], "x" * 100_000: "y"}

    with structlog.testing.capture_logs() as logs:
        resp = await client.post("/scim/v2/Users", json=body, headers=AUTH)

    assert 201 == resp.status_code
    (ignored,) = [e for e in logs if e["event"] == "attributes_ignored"]
    assert ["x" * 128 + "..."] == ignored["paths"]
