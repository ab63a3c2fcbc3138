"""/Groups with a respx JumpCloud: exactly what reaches the v2 group endpoints, and what Entra gets back."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from scim_proxy.provision.groups import MEMBER_READS

from .helpers import AUTH, patch_op, sent_json

GID = "6026da081f24755306c2ee0d"
U1, U2, U3 = ("64b0c0ffee00000000000001", "64b0c0ffee00000000000002", "64b0c0ffee00000000000003")
GROUPS = "/api/v2/usergroups"
MEMBERS = f"{GROUPS}/{GID}/members"


def jc_group(**overrides: Any) -> dict[str, Any]:
    """A v2 UserGroup as JumpCloud returns it (the reference's HAR example, with our externalId marker)."""
    group = {
        "attributes": None,
        "id": GID,
        "name": "Sales",
        "type": "user_group",
        "email": "",
        "description": "scimExternalId=entra-1",
    }
    group.update(overrides)
    return group


def members_page(*user_ids: str) -> list[dict[str, Any]]:
    return [{"to": {"id": uid, "type": "user", "attributes": None}, "attributes": None} for uid in user_ids]


def query(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


def member_bodies(route: respx.Route) -> list[Any]:
    return sorted((json.loads(c.request.content) for c in route.calls), key=lambda b: (b["op"], b["id"]))


# -- reads ------------------------------------------------------------------------------------


async def test_find_by_display_name_without_members_is_one_call(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Entra's find (displayName eq, members excluded) is one `name:eq:` list call and no member call."""
    route = jc.get(GROUPS).respond(200, json=[jc_group()], headers={"x-total-count": "1"})

    resp = await client.get(
        "/scim/v2/Groups", params={"excludedAttributes": "members", "filter": 'displayName eq "Sales"'}, headers=AUTH
    )

    assert 200 == resp.status_code
    assert {"limit": "100", "skip": "0", "sort": "_id", "filter": "name:eq:Sales"} == query(route)
    assert 1 == len(jc.calls)
    assert {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 1,
        "Resources": [
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": GID,
                "externalId": "entra-1",
                "displayName": "Sales",
                "meta": {
                    "resourceType": "Group",
                    "location": f"http://proxy.test/scim/v2/Groups/{GID}",
                    "created": "2021-02-12T19:42:00.000Z",
                    "lastModified": "2021-02-12T19:42:00.000Z",
                },
            }
        ],
    } == resp.json()


async def test_find_without_match_is_empty_list(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A displayName nobody has answers 200 with an empty list, after the exact lookup and a scan for other cases."""
    route = jc.get(GROUPS).respond(200, json=[], headers={"x-total-count": "0"})

    resp = await client.get("/scim/v2/Groups", params={"filter": 'displayName eq "Nobody: \\"x\\""'}, headers=AUTH)

    assert (200, 0, []) == (resp.status_code, resp.json()["totalResults"], resp.json()["Resources"])
    assert [{"limit": "100", "skip": "0", "sort": "_id", "filter": 'name:eq:Nobody: "x"'}] == [query(route, 0)]
    assert [{"limit": "100", "skip": "0", "sort": "_id"}] == [query(route, 1)]
    assert 2 == route.call_count


async def test_find_by_external_id_scans_every_page(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """externalId is not a JumpCloud filter field: the group list is read page by page until the last one."""
    others = [jc_group(id=f"{i:024x}", name=f"g{i}", description="") for i in range(100)]
    route = jc.get(GROUPS)
    route.side_effect = [
        httpx.Response(200, json=others, headers={"x-total-count": "101"}),
        httpx.Response(200, json=[jc_group()], headers={"x-total-count": "101"}),
    ]

    resp = await client.get(
        "/scim/v2/Groups", params={"filter": 'externalId eq "entra-1"', "excludedAttributes": "members"}, headers=AUTH
    )

    assert [GID] == [r["id"] for r in resp.json()["Resources"]]
    assert [{"limit": "100", "skip": "0", "sort": "_id"}, {"limit": "100", "skip": "100", "sort": "_id"}] == [
        query(route, i) for i in (0, 1)
    ]


async def test_find_by_id(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """`id eq` is one GET by id; an unknown id is an empty list, not a 404."""
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())
    jc.get(f"{GROUPS}/{'f' * 24}").respond(404, json={"message": "Not Found"})
    params = {"excludedAttributes": "members"}

    found = await client.get("/scim/v2/Groups", params={**params, "filter": f'id eq "{GID}"'}, headers=AUTH)
    missing = await client.get("/scim/v2/Groups", params={**params, "filter": f'id eq "{"f" * 24}"'}, headers=AUTH)

    assert (1, 0) == (found.json()["totalResults"], missing.json()["totalResults"])
    assert 2 == len(jc.calls)


async def test_list_pages_with_members(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """GET /Groups pages with skip/limit, totals from x-total-count, and reads each shown group's members."""
    listed = jc.get(GROUPS).respond(200, json=[jc_group()], headers={"x-total-count": "7"})
    members = jc.get(MEMBERS).respond(200, json=members_page(U1), headers={"x-total-count": "1"})

    resp = await client.get("/scim/v2/Groups", params={"startIndex": "3", "count": "1"}, headers=AUTH)

    assert {"limit": "1", "skip": "2", "sort": "_id"} == query(listed)
    assert {"limit": "100", "skip": "0"} == query(members)  # /members documents no sort
    assert (7, 3, 1) == (resp.json()["totalResults"], resp.json()["startIndex"], resp.json()["itemsPerPage"])
    assert [U1] == [m["value"] for m in resp.json()["Resources"][0]["members"]]


async def test_get_reads_every_member_page(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A group of 150 is read in two member pages (limit 100, skip 0 then 100) and answered whole."""
    many = [f"{i:024x}" for i in range(150)]
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())
    route = jc.get(MEMBERS)
    route.side_effect = [
        httpx.Response(200, json=members_page(*many[:100]), headers={"x-total-count": "150"}),
        httpx.Response(200, json=members_page(*many[100:]), headers={"x-total-count": "150"}),
    ]

    resp = await client.get(f"/scim/v2/Groups/{GID}", headers=AUTH)

    assert 200 == resp.status_code
    assert many == [m["value"] for m in resp.json()["members"]]
    assert f"http://proxy.test/scim/v2/Users/{many[0]}" == resp.json()["members"][0]["$ref"]
    assert [{"limit": "100", "skip": "0"}, {"limit": "100", "skip": "100"}] == [query(route, i) for i in (0, 1)]


async def test_member_pages_stop_at_total_without_an_empty_read(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A group of exactly 100 members costs one member call: x-total-count says there is no more."""
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())
    route = jc.get(MEMBERS).respond(
        200, json=members_page(*[f"{i:024x}" for i in range(100)]), headers={"x-total-count": "100"}
    )

    resp = await client.get(f"/scim/v2/Groups/{GID}", headers=AUTH)

    assert (100, 1) == (len(resp.json()["members"]), route.call_count)


@pytest.mark.parametrize("param", [{"excludedAttributes": "members"}, {"attributes": "displayName"}])
async def test_get_without_members_is_one_call(
    client: httpx.AsyncClient, jc: respx.Router, param: dict[str, str]
) -> None:
    """With members excluded or not asked for, GET /Groups/{id} never calls the members endpoint."""
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())

    resp = await client.get(f"/scim/v2/Groups/{GID}", params=param, headers=AUTH)

    assert (200, "Sales") == (resp.status_code, resp.json()["displayName"])
    assert "members" not in resp.json()
    assert 1 == len(jc.calls)


async def test_unknown_group_is_404(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A group JumpCloud does not have is a SCIM 404; a malformed id is a 404 without a call."""
    jc.get(f"{GROUPS}/{GID}").respond(404, json={"message": "Not Found"})

    missing = await client.get(f"/scim/v2/Groups/{GID}", headers=AUTH)
    malformed = await client.get("/scim/v2/Groups/not-an-id", headers=AUTH)

    assert (404, 404, 1) == (missing.status_code, malformed.status_code, len(jc.calls))
    assert ["404", "404"] == [missing.json()["status"], malformed.json()["status"]]


# -- create -----------------------------------------------------------------------------------


async def test_create_checks_the_name_then_creates(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """POST /Groups looks the name up, then creates with the externalId marker; 201, Location, empty members."""
    lookup = jc.get(GROUPS).respond(200, json=[], headers={"x-total-count": "0"})
    create = jc.post(GROUPS).respond(201, json=jc_group())
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "externalId": "entra-1", "displayName": "Sales"}

    resp = await client.post("/scim/v2/Groups", json={**body, "members": []}, headers=AUTH)

    assert 201 == resp.status_code
    assert f"http://proxy.test/scim/v2/Groups/{GID}" == resp.headers["location"]
    assert ([], "entra-1") == (resp.json()["members"], resp.json()["externalId"])
    assert "name:eq:Sales" == query(lookup)["filter"]
    assert {"name": "Sales", "description": "scimExternalId=entra-1"} == sent_json(create)
    assert 2 == len(jc.calls)


async def test_create_with_members_adds_them(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Members given on create are added one call each after the group exists."""
    jc.get(GROUPS).respond(200, json=[], headers={"x-total-count": "0"})
    jc.post(GROUPS).respond(201, json=jc_group())
    adds = jc.post(MEMBERS).respond(204)

    resp = await client.post(
        "/scim/v2/Groups", json={"displayName": "Sales", "members": [{"value": U1}, {"value": U2}]}, headers=AUTH
    )

    assert 201 == resp.status_code
    assert [U1, U2] == [m["value"] for m in resp.json()["members"]]
    assert [{"op": "add", "type": "user", "id": u} for u in (U1, U2)] == member_bodies(adds)


async def test_create_taken_name_is_409_without_create(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A displayName another group holds answers 409 uniqueness, and nothing is created."""
    jc.get(GROUPS).respond(200, json=[jc_group(description="")], headers={"x-total-count": "1"})

    resp = await client.post("/scim/v2/Groups", json={"displayName": "Sales", "externalId": "entra-2"}, headers=AUTH)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert f"displayName 'Sales' is already taken by JumpCloud group {GID}" == resp.json()["detail"]
    assert [("GET", GROUPS)] == [(c.request.method, c.request.url.path) for c in jc.calls]  # one lookup, no POST


async def test_create_meeting_jumpcloud_409_is_uniqueness(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """JumpCloud's own "Already Exists" (a name differing only in case) answers 409 uniqueness."""
    jc.get(GROUPS).respond(200, json=[], headers={"x-total-count": "0"})
    jc.post(GROUPS).respond(409, json={"message": "Already Exists"})

    resp = await client.post("/scim/v2/Groups", json={"displayName": "SALES"}, headers=AUTH)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert "unique ignoring case" in resp.json()["detail"]


async def test_unanswered_create_is_recovered(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A create whose answer was lost is sent once, then found by name and externalId: 201."""
    lookup = jc.get(GROUPS)
    lookup.side_effect = [
        httpx.Response(200, json=[], headers={"x-total-count": "0"}),
        httpx.Response(200, json=[jc_group()], headers={"x-total-count": "1"}),
    ]
    create = jc.post(GROUPS).mock(side_effect=httpx.ReadTimeout("lost"))

    resp = await client.post("/scim/v2/Groups", json={"displayName": "Sales", "externalId": "entra-1"}, headers=AUTH)

    assert (201, GID) == (resp.status_code, resp.json()["id"])
    assert (1, 2) == (create.call_count, lookup.call_count)


async def test_unanswered_create_not_applied_is_resent(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A create meeting 503 whose group is not found afterwards is sent again, once: 201."""
    lookup = jc.get(GROUPS).respond(200, json=[], headers={"x-total-count": "0"})
    create = jc.post(GROUPS)
    create.side_effect = [httpx.Response(503), httpx.Response(201, json=jc_group())]

    resp = await client.post("/scim/v2/Groups", json={"displayName": "Sales", "externalId": "entra-1"}, headers=AUTH)

    assert (201, GID) == (resp.status_code, resp.json()["id"])
    assert (2, 2) == (create.call_count, lookup.call_count)
    assert create.calls[0].request.content == create.calls[1].request.content


async def test_throttled_create_is_resent_without_a_look_up(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A 429 on a group create is resent straight away (JumpCloud did nothing): 201 after the name check only."""
    lookup = jc.get(GROUPS).respond(200, json=[], headers={"x-total-count": "0"})
    create = jc.post(GROUPS)
    create.side_effect = [httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(201, json=jc_group())]

    resp = await client.post("/scim/v2/Groups", json={"displayName": "Sales", "externalId": "entra-1"}, headers=AUTH)

    assert (201, 2, 1) == (resp.status_code, create.call_count, lookup.call_count)


async def test_unanswered_create_meeting_another_group_is_409(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A create whose answer was lost, when another externalId now holds the name, is 409 naming that
    group, and not resent."""
    lookup = jc.get(GROUPS)
    lookup.side_effect = [
        httpx.Response(200, json=[], headers={"x-total-count": "0"}),
        httpx.Response(200, json=[jc_group(description="scimExternalId=entra-2")], headers={"x-total-count": "1"}),
    ]
    create = jc.post(GROUPS).mock(side_effect=httpx.RemoteProtocolError("Server disconnected"))

    resp = await client.post("/scim/v2/Groups", json={"displayName": "Sales", "externalId": "entra-1"}, headers=AUTH)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert f"displayName 'Sales' is already taken by JumpCloud group {GID}" == resp.json()["detail"]
    assert (1, 2) == (create.call_count, lookup.call_count)


async def test_member_add_meeting_500_is_retried(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A member add that meets a JumpCloud 500 is retried (a repeat add is harmless): 204."""
    route = jc.post(MEMBERS)
    route.side_effect = [httpx.Response(500), httpx.Response(204)]

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}",
        json=patch_op({"op": "add", "path": "members", "value": [{"value": U1}]}),
        headers=AUTH,
    )

    assert (204, 2) == (resp.status_code, route.call_count)
    assert [{"op": "add", "type": "user", "id": U1}] * 2 == [json.loads(c.request.content) for c in route.calls]


# -- patch ------------------------------------------------------------------------------------


async def test_rename_reads_then_puts_everything_back(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A rename is a read and one full-update PUT that keeps the fields Entra does not manage; 204."""
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group(email="sales@contoso.com", attributes={"sambaEnabled": True}))
    put = jc.put(f"{GROUPS}/{GID}").respond(200, json=jc_group(name="Sales EMEA"))

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}",
        json=patch_op({"op": "Replace", "path": "displayName", "value": "Sales EMEA"}),
        headers=AUTH,
    )

    assert (204, b"") == (resp.status_code, resp.content)
    assert {
        "name": "Sales EMEA",
        "description": "scimExternalId=entra-1",
        "email": "sales@contoso.com",
        "attributes": {"sambaEnabled": True},
    } == sent_json(put)
    assert 2 == len(jc.calls)


async def test_rename_to_taken_name_is_409(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Renaming onto another group's name answers 409 uniqueness."""
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())
    jc.put(f"{GROUPS}/{GID}").respond(409, json={"message": "Already Exists"})

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}", json=patch_op({"op": "replace", "value": {"displayName": "HR"}}), headers=AUTH
    )

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])


async def test_add_members_default_dialect(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Entra's Add with several members is one member call each; an existing member (409) counts as added."""

    def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["id"] == U2:
            return httpx.Response(409, json={"message": "Already Exists"})
        return httpx.Response(204)

    route = jc.post(MEMBERS).mock(side_effect=answer)
    value = [{"$ref": None, "value": u} for u in (U1, U2, U3)]

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}", json=patch_op({"op": "Add", "path": "members", "value": value}), headers=AUTH
    )

    assert 204 == resp.status_code
    assert [{"op": "add", "type": "user", "id": u} for u in (U1, U2, U3)] == member_bodies(route)
    assert 3 == len(jc.calls)


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": U1}, {"$ref": None, "value": U2}]},
        {"op": "remove", "path": f'members[value eq "{U1}"]'},
    ],
)
async def test_remove_members_both_dialects(
    client: httpx.AsyncClient, jc: respx.Router, operation: dict[str, Any]
) -> None:
    """Both remove dialects send one remove per member; a non-member's 404 counts as removed."""
    route = jc.post(MEMBERS).mock(
        side_effect=lambda r: httpx.Response(404 if json.loads(r.content)["id"] == U2 else 204)
    )
    expected = [u for u in (U1, U2) if u in json.dumps(operation)]

    resp = await client.patch(f"/scim/v2/Groups/{GID}", json=patch_op(operation), headers=AUTH)

    assert 204 == resp.status_code
    assert [{"op": "remove", "type": "user", "id": u} for u in expected] == member_bodies(route)


async def test_replace_members_adds_missing_and_removes_extra(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Replacing the member list reads the current members, then adds only the missing and removes only the extra."""
    listed = jc.get(MEMBERS).respond(200, json=members_page(U1, U2), headers={"x-total-count": "2"})
    changes = jc.post(MEMBERS).respond(204)

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}",
        json=patch_op({"op": "replace", "path": "members", "value": [{"value": U2}, {"value": U3}]}),
        headers=AUTH,
    )

    assert (204, 1) == (resp.status_code, listed.call_count)
    assert [{"op": "add", "type": "user", "id": U3}, {"op": "remove", "type": "user", "id": U1}] == member_bodies(
        changes
    )


async def test_partial_failure_names_failed_members(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """When one member keeps failing upstream, the others are applied and the 503 names the failed member."""
    route = jc.post(MEMBERS).mock(
        side_effect=lambda r: httpx.Response(503 if json.loads(r.content)["id"] == U2 else 204)
    )

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}",
        json=patch_op({"op": "add", "path": "members", "value": [{"value": u} for u in (U1, U2, U3)]}),
        headers=AUTH,
    )

    assert 503 == resp.status_code
    assert f"1 of 3 member changes failed ({U2}); the others were applied" in resp.json()["detail"]
    assert "retry-after" in resp.headers
    assert 2 + 3 == route.call_count  # U1 and U3 once; U2 three times (retry_attempts=3)


async def test_unknown_user_member_is_400_naming_it(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A member JumpCloud does not know (404 on add) is a 400 naming it, after checking the group exists."""
    jc.post(MEMBERS).mock(side_effect=lambda r: httpx.Response(404 if json.loads(r.content)["id"] == U2 else 204))
    check = jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}",
        json=patch_op({"op": "add", "path": "members", "value": [{"value": U1}, {"value": U2}]}),
        headers=AUTH,
    )

    assert (400, "invalidValue") == (resp.status_code, resp.json()["scimType"])
    assert U2 in resp.json()["detail"] and U1 not in resp.json()["detail"]
    assert 1 == check.call_count


async def test_adding_to_a_deleted_group_is_404(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Member adds that meet 404 because the group is gone answer 404 for the group."""
    jc.post(MEMBERS).respond(404, json={"message": "Not Found"})
    jc.get(f"{GROUPS}/{GID}").respond(404, json={"message": "Not Found"})

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}",
        json=patch_op({"op": "add", "path": "members", "value": [{"value": U1}]}),
        headers=AUTH,
    )

    assert (404, "404") == (resp.status_code, resp.json()["status"])
    assert [("POST", MEMBERS), ("GET", f"{GROUPS}/{GID}")] == [(c.request.method, c.request.url.path) for c in jc.calls]


async def test_member_value_that_is_not_a_user_id_is_400_without_calls(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """A member value that cannot be a JumpCloud user id is 400 invalidValue naming it, with no upstream call."""
    resp = await client.patch(
        f"/scim/v2/Groups/{GID}",
        json=patch_op({"op": "Add", "path": "members", "value": [{"value": U1}, {"value": "u1091"}]}),
        headers=AUTH,
    )

    assert (400, "invalidValue") == (resp.status_code, resp.json()["scimType"])
    assert "'u1091'" in resp.json()["detail"]
    assert 0 == len(jc.calls)


async def test_patch_with_attributes_answers_200_with_resource(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """PATCH with the `attributes` parameter answers 200 with the group, projected."""
    jc.post(MEMBERS).respond(204)
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())
    jc.get(MEMBERS).respond(200, json=members_page(U1), headers={"x-total-count": "1"})

    resp = await client.patch(
        f"/scim/v2/Groups/{GID}?attributes=members",
        json=patch_op({"op": "add", "path": "members", "value": [{"value": U1}]}),
        headers=AUTH,
    )

    assert 200 == resp.status_code
    assert {"schemas", "id", "members"} == set(resp.json())


# -- put, delete ------------------------------------------------------------------------------


async def test_put_renames_and_replaces_members(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """PUT reads the group, PUTs the new name, and brings the members to the given list; 200 with the group."""
    jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())
    put = jc.put(f"{GROUPS}/{GID}").respond(200, json=jc_group(name="Sales EMEA", description="scimExternalId=e2"))
    jc.get(MEMBERS).respond(200, json=members_page(U1), headers={"x-total-count": "1"})
    changes = jc.post(MEMBERS).respond(204)

    resp = await client.put(
        f"/scim/v2/Groups/{GID}",
        json={"displayName": "Sales EMEA", "externalId": "e2", "members": [{"value": U2}]},
        headers=AUTH,
    )

    assert (200, "Sales EMEA", "e2") == (resp.status_code, resp.json()["displayName"], resp.json()["externalId"])
    assert [U2] == [m["value"] for m in resp.json()["members"]]
    assert {"name": "Sales EMEA", "description": "scimExternalId=e2", "email": ""} == sent_json(put)
    assert [{"op": "add", "type": "user", "id": U2}, {"op": "remove", "type": "user", "id": U1}] == member_bodies(
        changes
    )


@pytest.mark.parametrize("status", [200, 204])
async def test_delete_is_204(client: httpx.AsyncClient, jc: respx.Router, status: int) -> None:
    """DELETE /Groups/{id} is one call and 204, whether JumpCloud answers 200 with the group or 204."""
    route = jc.delete(f"{GROUPS}/{GID}").respond(status, json=jc_group() if status == 200 else None)

    resp = await client.delete(f"/scim/v2/Groups/{GID}", headers=AUTH)

    assert (204, 1) == (resp.status_code, route.call_count)


@pytest.mark.parametrize(("first", "status"), [(httpx.ReadTimeout("lost answer"), 204), (httpx.Response(404), 404)])
async def test_delete_meeting_404_is_done_only_after_an_unanswered_attempt(
    client: httpx.AsyncClient, jc: respx.Router, first: httpx.Response | Exception, status: int
) -> None:
    """A group DELETE whose retry meets 404 did delete (204, two calls); a 404 on the first attempt is 404."""
    route = jc.delete(f"{GROUPS}/{GID}")
    route.side_effect = [first, httpx.Response(404, json={"message": "Not Found"})]

    resp = await client.delete(f"/scim/v2/Groups/{GID}", headers=AUTH)

    assert (status, 2 if status == 204 else 1) == (resp.status_code, route.call_count)


@pytest.mark.parametrize(("member", "found"), [(U2, 1), (U3, 0)])
async def test_membership_check_reads_the_group_and_its_members(
    client: httpx.AsyncClient, jc: respx.Router, member: str, found: int
) -> None:
    """`id eq "<group>" and members eq "<user>"` reads that group and its members: one result only for a member."""
    get = jc.get(f"{GROUPS}/{GID}").respond(200, json=jc_group())
    listed = jc.get(MEMBERS).respond(200, json=members_page(U1, U2), headers={"x-total-count": "2"})

    resp = await client.get(
        "/scim/v2/Groups",
        params={"filter": f'id eq "{GID}" and members eq "{member}"', "attributes": "id"},
        headers=AUTH,
    )

    assert (200, found) == (resp.status_code, resp.json()["totalResults"])
    assert (1, 1) == (get.call_count, listed.call_count)


async def test_membership_check_without_a_group_reads_every_small_group(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """`members eq` alone lists the groups once, reads each one's members, and keeps the groups holding the user."""
    other = "6026da081f24755306c2ee0e"
    listed = jc.get(GROUPS).respond(
        200, json=[jc_group(), jc_group(id=other, name="Ops")], headers={"x-total-count": "2"}
    )
    sales = jc.get(MEMBERS).respond(200, json=members_page(U1), headers={"x-total-count": "1"})
    ops = jc.get(f"{GROUPS}/{other}/members").respond(200, json=members_page(U2), headers={"x-total-count": "1"})

    resp = await client.get(
        "/scim/v2/Groups", params={"filter": f'members eq "{U1}"', "excludedAttributes": "members"}, headers=AUTH
    )

    assert (200, 1, "Sales") == (
        resp.status_code,
        resp.json()["totalResults"],
        resp.json()["Resources"][0]["displayName"],
    )
    assert "members" not in resp.json()["Resources"][0]
    assert {"limit": "100", "skip": "0", "sort": "_id"} == query(listed)
    assert (1, 1, 1) == (listed.call_count, sales.call_count, ops.call_count)


async def test_membership_check_over_too_many_groups_is_too_many(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Past MEMBER_READS candidate groups, a members filter is 400 tooMany after one list call, no member reads."""
    many = [jc_group(id=f"6026da081f24755306c2{n:04x}", name=f"g{n}") for n in range(MEMBER_READS + 1)]
    listed = jc.get(GROUPS).respond(200, json=many[:100], headers={"x-total-count": str(len(many))})

    resp = await client.get("/scim/v2/Groups", params={"filter": f'members eq "{U1}"'}, headers=AUTH)

    assert (400, "tooMany") == (resp.status_code, resp.json()["scimType"])
    assert "id eq or displayName eq" in resp.json()["detail"]
    assert 1 == listed.call_count == len(jc.calls)


async def test_group_filter_on_unknown_attribute_is_invalid_filter(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A filter on an attribute JumpCloud groups do not hold is 400 invalidFilter naming it, with no upstream call."""
    resp = await client.get("/scim/v2/Groups", params={"filter": 'description co "x"'}, headers=AUTH)

    assert (400, "invalidFilter") == (resp.status_code, resp.json()["scimType"])
    assert "'description'" in resp.json()["detail"]
    assert 0 == len(jc.calls)
