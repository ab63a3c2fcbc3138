"""/Users against JumpCloud's published behaviour (issue 12): what is sent, what Entra gets back (respx)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from .helpers import AUTH, MANAGER_ID, USER_ID, jc_user, patch_op, sent_json

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = f"/api/systemusers/{USER_ID}"
OTHER_ID = "64b0c0ffee0000000000bbbb"


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(200), httpx.Response(200, text="  "), httpx.Response(200, json=None), httpx.Response(200, json={})],
)
async def test_empty_answer_to_a_user_read_is_404(client: httpx.AsyncClient, jc: respx.Router, answer: object) -> None:
    """A 200 with no user in it (empty body, null, {}) on GET by id is SCIM 404, not a 5xx Entra would retry."""
    route = jc.get(USER).mock(return_value=answer)

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (404, 1) == (resp.status_code, route.call_count)
    assert "Not found in JumpCloud (get_user" in resp.json()["detail"]


async def test_empty_answer_to_a_user_update_is_404(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A PATCH whose PUT is answered 200 with an empty body is 404: the user is gone."""
    route = jc.put(USER).respond(200)

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}", json=patch_op({"op": "replace", "path": "title", "value": "T"}), headers=AUTH
    )

    assert (404, {"jobTitle": "T"}) == (resp.status_code, sent_json(route))


async def test_a_non_json_answer_to_a_read_stays_a_502(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An HTML page in a 200 is not JumpCloud saying "no such user": it stays 502, the user is not declared gone."""
    route = jc.get(USER).respond(200, text="<html>maintenance</html>")

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (502, "JumpCloud sent an answer we could not read", 1) == (
        resp.status_code,
        resp.json()["detail"],
        route.call_count,
    )


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, json={"code": 400, "message": "username cannot be changed", "status": "INVALID_ARGUMENT"}),
        httpx.Response(409, json={"message": "Username is immutable once bound"}),
        httpx.Response(200, json=jc_user(username="jdoe", jobTitle="T")),  # the rename silently dropped
    ],
)
async def test_a_refused_rename_is_400_mutability(client: httpx.AsyncClient, jc: respx.Router, answer: object) -> None:
    """A rename JumpCloud refuses, or answers 200 without applying, is 400 mutability with the reason and the fix."""
    route = jc.put(USER).mock(return_value=answer)

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        json=patch_op(
            {"op": "Replace", "path": "userName", "value": "jane.doe"}, {"op": "Replace", "path": "title", "value": "T"}
        ),
        headers=AUTH,
    )

    body = resp.json()
    assert (400, "mutability") == (resp.status_code, body["scimType"])
    assert body["detail"].startswith("userName cannot be changed to 'jane.doe'")
    assert "bound to devices" in body["detail"] and "Fix:" in body["detail"]
    assert ({"username": "jane.doe", "jobTitle": "T"}, 1) == (sent_json(route), route.call_count)


async def test_a_rename_answered_in_another_case_is_not_refused(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A rename JumpCloud applied but answers in another case is a success (userName is not caseExact)."""
    route = jc.put(USER).respond(200, json=jc_user(username="Jane.Doe"))

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        json=patch_op({"op": "replace", "path": "userName", "value": "jane.doe"}),
        headers=AUTH,
    )

    assert (200, "Jane.Doe") == (resp.status_code, resp.json()["userName"])
    assert ({"username": "jane.doe"}, 1) == (sent_json(route), route.call_count)


async def test_a_rename_to_a_taken_username_stays_409(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """JumpCloud's "User already exists" on a rename is a uniqueness conflict (409), not a refused rename."""
    jc.put(USER).respond(400, json={"code": 400, "message": "User already exists", "status": "INVALID_ARGUMENT"})

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        json=patch_op({"op": "replace", "path": "userName", "value": "taken"}),
        headers=AUTH,
    )

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])


async def test_search_pages_in_body_and_query_sorted_by_id(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A filtered list sends skip/limit in the search body and in the query, with sort=_id in the query."""
    route = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 0, "results": []})

    resp = await client.get(
        "/scim/v2/Users", params={"filter": 'userName eq "jdoe"', "startIndex": "3", "count": "5"}, headers=AUTH
    )

    assert 200 == resp.status_code
    assert {"skip": "2", "limit": "5", "sort": "_id"} == dict(route.calls.last.request.url.params)
    assert (2, 5, ["filter", "limit", "skip"]) == (
        sent_json(route)["skip"],
        sent_json(route)["limit"],
        sorted(sent_json(route)),
    )


@pytest.mark.parametrize(
    ("held", "puts"),
    [(MANAGER_ID, [{"manager": None}]), (OTHER_ID, []), (None, [])],
)
async def test_value_filtered_manager_remove(
    client: httpx.AsyncClient, jc: respx.Router, held: str | None, puts: list[object]
) -> None:
    """Entra's remove of manager[value eq id] reads the user, then clears the manager only if it is that id."""
    read = jc.get(USER).respond(200, json=jc_user(manager=held))
    if puts:  # no PUT route otherwise: an unexpected PUT would reach no mock and fail the request
        jc.put(USER).respond(200, json=jc_user(manager=None))

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        json=patch_op({"op": "remove", "path": f'{ENT}:manager[value eq "{MANAGER_ID}"]'}),
        headers=AUTH,
    )

    assert 200 == resp.status_code
    sent = [json.loads(c.request.content) for c in jc.calls if c.request.method == "PUT"]
    assert (1, puts, 1 + len(puts)) == (read.call_count, sent, len(jc.calls))
    expected = None if puts or held is None else {"value": held, "$ref": f"http://proxy.test/scim/v2/Users/{held}"}
    assert expected == resp.json().get(ENT, {}).get("manager")


async def test_unsupported_manager_filter_is_400_without_a_call(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A manager filter the proxy cannot evaluate is 400 invalidPath, and nothing reaches JumpCloud."""
    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        json=patch_op({"op": "remove", "path": 'manager[displayName eq "Boss"]'}),
        headers=AUTH,
    )

    assert (400, "invalidPath", 0) == (resp.status_code, resp.json()["scimType"], len(jc.calls))
