"""GET /Users (filters, paging, projection), GET /Users/{id} and POST /Users/.search."""

from __future__ import annotations

import httpx
import respx

from .helpers import AUTH, USER_ID, jc_user, sent_json

EMPTY = {"totalCount": 0, "results": []}


async def test_test_connection_probe_is_one_case_insensitive_search(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """Entra's Test Connection GUID probe becomes one escaped (?i) search and answers 200 with an empty list."""
    route = jc.post("/api/search/systemusers").respond(200, json=EMPTY)

    resp = await client.get(
        "/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22", headers=AUTH
    )

    assert 200 == resp.status_code
    assert "application/scim+json" == resp.headers["content-type"]
    assert {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    } == resp.json()
    assert 1 == route.call_count
    assert {
        "filter": {"and": [{"username": {"$regex": "(?i)(^7d420df3\\-9995\\-4831\\-a406\\-ecf8166f5f6a$)"}}]},
        "skip": 0,
        "limit": 100,
    } == sent_json(route)
    assert "jc-test-key-0123456789" == route.calls.last.request.headers["x-api-key"]


async def test_username_filter_finds_suspended_user(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A suspended JumpCloud user is still found by userName and comes back active false."""
    jc.post("/api/search/systemusers").respond(
        200, json={"totalCount": 1, "results": [jc_user(state="SUSPENDED", suspended=True)]}
    )

    resp = await client.get("/scim/v2/Users", params={"filter": 'userName eq "JDOE"'}, headers=AUTH)

    body = resp.json()
    assert 1 == body["totalResults"]
    assert USER_ID == body["Resources"][0]["id"]
    assert False is body["Resources"][0]["active"]
    assert f"http://proxy.test/scim/v2/Users/{USER_ID}" == body["Resources"][0]["meta"]["location"]


async def test_external_id_filter_unquoted_is_exact(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """`externalId eq jyoung` (unquoted, as Entra's docs show) searches external_dn exactly."""
    route = jc.post("/api/search/systemusers").respond(200, json=EMPTY)

    resp = await client.get("/scim/v2/Users", params={"filter": "externalId eq jyoung"}, headers=AUTH)

    assert 200 == resp.status_code
    assert [{"external_dn": "jyoung"}] == sent_json(route)["filter"]["and"]


async def test_work_email_and_username_filter(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """`emails[type eq "work"].value eq ... and userName eq ...` becomes two ANDed escaped regexes."""
    route = jc.post("/api/search/systemusers").respond(200, json=EMPTY)

    await client.get(
        "/scim/v2/Users",
        params={"filter": 'emails[type eq "work"].value eq "a+b@x.com" and userName eq "a.b"'},
        headers=AUTH,
    )

    assert [
        {"email": {"$regex": "(?i)(^a\\+b\\@x\\.com$)"}},
        {"username": {"$regex": "(?i)(^a\\.b$)"}},
    ] == sent_json(route)["filter"]["and"]


async def test_id_filter_is_one_get_by_id(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """`id eq` is answered by one GET of that id, checked against the other terms."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.get(
        "/scim/v2/Users", params={"filter": f'id eq "{USER_ID}" and userName eq "JDoe"'}, headers=AUTH
    )

    assert 1 == resp.json()["totalResults"]
    assert 1 == route.call_count


async def test_id_filter_with_a_failing_term_is_empty(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Entra's reference check `id eq X and manager eq Y` is empty when X's manager is not Y (one GET)."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(manager="64b0c0ffee0000000000aaaa"))
    check = f'id eq "{USER_ID}" and manager eq "64b0c0ffee0000000000bbbb"'

    resp = await client.get("/scim/v2/Users", params={"filter": check, "attributes": "id"}, headers=AUTH)

    assert (200, 0, []) == (resp.status_code, resp.json()["totalResults"], resp.json()["Resources"])
    assert 1 == route.call_count


async def test_id_filter_on_missing_user_is_empty(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An `id eq` for an id JumpCloud does not know is an empty list, not a 404."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(404, json={"message": "Not Found"})

    resp = await client.get("/scim/v2/Users", params={"filter": f'id eq "{USER_ID}"'}, headers=AUTH)

    assert (200, 0) == (resp.status_code, resp.json()["totalResults"])


async def test_id_filter_with_impossible_id_makes_no_call(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An `id eq` value that is not a JumpCloud id answers empty without calling JumpCloud."""
    resp = await client.get("/scim/v2/Users", params={"filter": 'id eq "../../api/organizations"'}, headers=AUTH)

    assert (200, 0) == (resp.status_code, resp.json()["totalResults"])
    assert 0 == len(jc.calls)


async def test_filter_on_an_attribute_jumpcloud_lacks_is_invalid_filter(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """A filter on an attribute JumpCloud does not keep answers 400 invalidFilter naming it, and calls nothing."""
    resp = await client.get("/scim/v2/Users", params={"filter": 'nickName sw "O"'}, headers=AUTH)

    assert 400 == resp.status_code
    assert "invalidFilter" == resp.json()["scimType"]
    assert "400" == resp.json()["status"]
    assert "'nickName'" in resp.json()["detail"]
    assert 0 == len(jc.calls)


async def test_starts_with_is_one_escaped_anchored_regex(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """`userName sw "O.M"` is one search: a case-insensitive regex anchored at the start, the `.` escaped;
    the proxy still checks each hit, so a regex false positive is dropped from the page and the total."""
    hits = [jc_user(username="o.malley"), jc_user(_id="64b0c0ffee0000000000beef", id=None, username="oxmalley")]
    route = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 2, "results": hits})

    resp = await client.get("/scim/v2/Users", params={"filter": 'userName sw "O.M"', "count": 5}, headers=AUTH)

    assert {"filter": {"and": [{"username": {"$regex": "(?i)^O\\.M"}}]}, "skip": 0, "limit": 5} == sent_json(route)
    assert (200, 1) == (resp.status_code, resp.json()["totalResults"])
    assert ["o.malley"] == [u["userName"] for u in resp.json()["Resources"]]


async def test_list_without_filter_pages_sorted_by_id(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """startIndex and count become skip and limit, with sort=_id as JumpCloud advises for paging."""
    route = jc.get("/api/systemusers").respond(200, json={"totalCount": 7, "results": [jc_user()]})

    resp = await client.get("/scim/v2/Users?startIndex=3&count=2", headers=AUTH)

    assert {"skip": "2", "limit": "2", "sort": "_id"} == dict(route.calls.last.request.url.params)
    body = resp.json()
    assert (7, 3, 1) == (body["totalResults"], body["startIndex"], body["itemsPerPage"])


async def test_count_zero_returns_only_the_total(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """count=0 answers the total with no resources."""
    jc.get("/api/systemusers").respond(200, json={"totalCount": 5, "results": [jc_user()]})

    body = (await client.get("/scim/v2/Users?count=0", headers=AUTH)).json()

    assert (5, 0, []) == (body["totalResults"], body["itemsPerPage"], body["Resources"])


async def test_bad_paging_value_is_invalid_value(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A non-integer startIndex answers 400 invalidValue without an upstream call."""
    resp = await client.get("/scim/v2/Users?startIndex=abc", headers=AUTH)

    assert (400, "invalidValue") == (resp.status_code, resp.json()["scimType"])
    assert 0 == len(jc.calls)


async def test_get_user_maps_every_attribute(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """GET /Users/{id} returns every mapped JumpCloud field in SCIM shape, manager as an object."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(
        200,
        json=jc_user(
            jobTitle="Engineer",
            department="R&D",
            company="Contoso",
            costCenter="CC-1",
            employeeType="Employee",
            employeeIdentifier="E1001",
            location="Berlin",
            manager="64b0c0ffee0000000000aaaa",
            external_dn="ext-1",
        ),
    )

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "id": USER_ID,
        "externalId": "ext-1",
        "userName": "jdoe",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "displayName": "Jane Doe",
        "title": "Engineer",
        "userType": "Employee",
        "locale": "Berlin",
        "active": True,
        "emails": [{"value": "jdoe@example.com", "type": "work", "primary": True}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "E1001",
            "costCenter": "CC-1",
            "organization": "Contoso",
            "department": "R&D",
            "manager": {
                "value": "64b0c0ffee0000000000aaaa",
                "$ref": "http://proxy.test/scim/v2/Users/64b0c0ffee0000000000aaaa",
            },
        },
        "meta": {
            "resourceType": "User",
            "created": "2024-07-13T09:12:44.101Z",
            "lastModified": "2024-07-13T09:12:44.101Z",
            "location": f"http://proxy.test/scim/v2/Users/{USER_ID}",
        },
    } == resp.json()


async def test_get_user_with_attributes_projection(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """attributes=userName,emails keeps only those (and id, schemas)."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.get(f"/scim/v2/Users/{USER_ID}?attributes=userName,emails", headers=AUTH)

    assert {"schemas", "id", "userName", "emails"} == set(resp.json())


async def test_password_expired_user_reads_inactive(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A user whose password expired reads active false, as the seed's rule says."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(password_expired=True))

    assert False is (await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)).json()["active"]


async def test_get_unknown_user_is_scim_404(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """JumpCloud's 404 becomes a SCIM 404 Error body."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(404, json={"message": "Not Found"})

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert 404 == resp.status_code
    assert {"schemas", "status", "detail"} == set(resp.json())
    assert "404" == resp.json()["status"]


async def test_get_malformed_id_makes_no_call(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An id that is not 24 hex characters (path traversal included) is 404 without an upstream call."""
    for bad in ["..%2F..%2Fapi%2Forganizations", "ZZZZc0ffee0000000000abcd", "64b0c0ffee0000000000abc"]:
        resp = await client.get(f"/scim/v2/Users/{bad}", headers=AUTH)
        assert 404 == resp.status_code, bad
    assert 0 == len(jc.calls)


async def test_search_endpoint_takes_a_search_request(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """POST /Users/.search with a SearchRequest body behaves like GET /Users with a filter."""
    route = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 1, "results": [jc_user()]})

    resp = await client.post(
        "/scim/v2/Users/.search",
        headers=AUTH,
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName eq "jdoe"',
            "startIndex": 1,
            "count": 10,
            "attributes": ["userName"],
        },
    )

    assert 200 == resp.status_code
    assert {"schemas", "id", "userName"} == set(resp.json()["Resources"][0])
    assert {"filter": {"and": [{"username": {"$regex": "(?i)(^jdoe$)"}}]}, "skip": 0, "limit": 10} == sent_json(route)


async def test_empty_filter_value_matches_nothing_without_a_call(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """`externalId eq ""` answers an empty list at once: searching "" would match every user without one."""
    resp = await client.get("/scim/v2/Users", params={"filter": 'externalId eq ""'}, headers=AUTH)

    assert (200, 0) == (resp.status_code, resp.json()["totalResults"])
    assert 0 == len(jc.calls)


async def test_search_results_are_checked_against_the_filter(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A search hit that SCIM's eq would not match (here a trailing newline) is dropped from the answer."""
    jc.post("/api/search/systemusers").respond(
        200,
        json={
            "totalCount": 2,
            "results": [
                jc_user(),
                jc_user(_id="64b0c0ffee0000000000abce", id="64b0c0ffee0000000000abce", username="jdoe\n"),
            ],
        },
    )

    body = (await client.get("/scim/v2/Users", params={"filter": 'userName eq "jdoe"'}, headers=AUTH)).json()

    assert (1, [USER_ID]) == (body["totalResults"], [r["id"] for r in body["Resources"]])
