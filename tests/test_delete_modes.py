"""SCIM_PROXY_DELETE_MODE=suspend and SCIM_PROXY_EXTERNAL_ID_FIELD: what reaches JumpCloud, in how many calls."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import httpx
import pytest
import respx

from scim_proxy import __main__ as cli
from scim_proxy.settings import Settings

from .helpers import AUTH, USER_ID, jc_user, sent_json
from .test_users_write import ENTRA_CREATE

CREATE = "/api/systemusers"
SEARCH = "/api/search/systemusers"

MARKED = [{"name": "scimProxyRemoved", "value": "2026-12-02T00:00:00Z"}]


@pytest.fixture(name="settings")
def _suspending(settings: Settings) -> Settings:
    """The suite's settings in suspend mode, externalId kept in the custom attribute entraId (`client` runs on them)."""
    return attrs.evolve(settings, delete_mode="suspend", external_id_field="attributes.entraId")


async def test_delete_suspends_and_marks_in_two_calls(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """DELETE reads the user and PUTs it suspended and marked; nothing is deleted in JumpCloud."""
    read = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(attributes=[{"name": "hr", "value": "1"}]))
    put = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(suspended=True, attributes=MARKED))

    resp = await client.delete(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (204, 1, 1, 2) == (resp.status_code, read.call_count, put.call_count, len(jc.calls))
    body = sent_json(put)
    assert (True, "SUSPENDED") == (body["suspended"], body["state"])
    assert ["hr", "scimProxyRemoved"] == [a["name"] for a in body["attributes"]]


@pytest.mark.parametrize(
    ("method", "json"),
    [
        ("GET", None),
        ("PATCH", {"Operations": [{"op": "replace", "path": "active", "value": "True"}]}),
        ("PUT", {"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}]}),
        ("DELETE", None),
    ],
)
async def test_a_removed_user_is_gone_for_every_operation(
    client: httpx.AsyncClient, jc: respx.Router, method: str, json: object
) -> None:
    """A user suspend mode removed is 404 to reads, writes and deletes alike, after one read and no write:
    a PATCH `active: true` can never re-enable it."""
    read = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(suspended=True, attributes=MARKED))

    resp = await client.request(method, f"/scim/v2/Users/{USER_ID}", json=json, headers=AUTH)

    assert (404, 1, 1) == (resp.status_code, read.call_count, len(jc.calls))


async def test_lists_and_filters_leave_removed_users_out(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A page of everyone is a search excluding the marked users; a hit JumpCloud still returns marked is dropped."""
    search = jc.post("/api/search/systemusers").respond(
        200, json={"totalCount": 2, "results": [jc_user(), jc_user(_id="64b0c0ffee0000000000abce", attributes=MARKED)]}
    )

    resp = await client.get("/scim/v2/Users", headers=AUTH)

    assert (200, [USER_ID], 1) == (resp.status_code, [r["id"] for r in resp.json()["Resources"]], search.call_count)
    assert {"attributes.name": {"$ne": "scimProxyRemoved"}} in sent_json(search)["filter"]["and"]


async def test_external_id_in_a_custom_attribute_is_one_narrow_search(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """`externalId eq` searches the custom attribute by name and value in one call, and checks the hit exactly:
    a user whose entraId differs (the value sat in another attribute) is not a match."""
    other = jc_user(
        _id="64b0c0ffee0000000000abce", attributes=[{"name": "entraId", "value": "x"}, {"name": "b", "value": "e-1"}]
    )
    hit = jc_user(attributes=[{"name": "entraId", "value": "e-1"}])
    search = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 2, "results": [hit, other]})

    resp = await client.get("/scim/v2/Users", params={"filter": 'externalId eq "e-1"'}, headers=AUTH)

    assert ([USER_ID], 1) == ([r["id"] for r in resp.json()["Resources"]], search.call_count)
    conditions = sent_json(search)["filter"]["and"]
    assert {"attributes.name": "entraId"} in conditions and {"attributes.value": "e-1"} in conditions


async def test_a_create_refused_for_a_removed_username_revives_that_user_in_three_calls(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """A create JumpCloud refuses because a removed user holds the userName brings that user back:
    the create, one username look-up, one PUT unsuspending and unmarking it; 201 with its id."""
    jc.post(CREATE).respond(409, json={"message": "User already exists"})
    removed = jc_user(username="jane.doe", suspended=True, state="SUSPENDED", attributes=MARKED)
    search = jc.post(SEARCH).respond(200, json={"totalCount": 1, "results": [removed]})
    put = jc.put(f"{CREATE}/{USER_ID}").respond(200, json=jc_user(username="jane.doe"))

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (201, USER_ID) == (resp.status_code, resp.json()["id"])
    assert [("POST", CREATE), ("POST", SEARCH), ("PUT", f"{CREATE}/{USER_ID}")] == calls(jc)
    assert [{"username": {"$regex": r"(?i)(^jane\.doe$)"}}] == [sent_json(search)["filter"]["and"][0]]
    body = sent_json(put)
    assert (False, "jane.doe") == (body["suspended"], body["username"])
    assert "scimProxyRemoved" not in [a["name"] for a in body["attributes"]]


async def test_a_refused_create_asks_for_each_unique_value_once(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """In suspend mode a refused create looks the username up once (for a revival and a conflict
    alike), then the email: two look-ups, 409 naming the email's holder."""
    jc.post(CREATE).respond(409, json={"message": "User already exists"})
    search = jc.post(SEARCH)
    search.side_effect = [
        httpx.Response(200, json={"totalCount": 0, "results": []}),
        httpx.Response(200, json={"totalCount": 1, "results": [jc_user(email="jane.doe@contoso.com")]}),
    ]

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert f"emails 'jane.doe@contoso.com' is already taken in JumpCloud by user {USER_ID}" == resp.json()["detail"]
    assert [("POST", CREATE), ("POST", SEARCH), ("POST", SEARCH)] == calls(jc)
    assert [["username"], ["email"]] == [list(json.loads(c.request.content)["filter"]["and"][0]) for c in search.calls]


def calls(jc: respx.Router) -> list[tuple[str, str]]:
    """The JumpCloud calls made, as (method, path), in order."""
    return [(call.request.method, call.request.url.path) for call in jc.calls]


def test_check_validates_a_mapping_file_without_an_api_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scim-proxy check --mapping-file F` lists what F maps and needs no key; a bad file exits 2 naming the line."""
    monkeypatch.delenv("JUMPCLOUD_API_KEY", raising=False)
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text('[[attribute]]\nscim = "nickName"\njumpcloud = "description"\n')
    bad.write_text('[[attribute]]\nscim = "nickName"\njumpcloud = "state"\n')

    assert 0 == cli.main(["check", "--mapping-file", str(good)])
    assert "nickName -> JumpCloud description" in capsys.readouterr().out
    assert 2 == cli.main(["check", "--mapping-file", str(bad)])
    assert "line 1 ([[attribute]] #1): 'state' is not a JumpCloud target" in capsys.readouterr().err
