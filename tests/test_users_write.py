"""POST, PUT, PATCH and DELETE /Users: what reaches JumpCloud, what Entra gets back."""

from __future__ import annotations

import httpx
import pytest
import respx

from scim_proxy.settings import Settings

from .helpers import AUTH, MANAGER_ID, USER_ID, jc_user, sent_json

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ENTRA_CREATE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "jane.doe",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "jane.doe@contoso.com"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
    "displayName": "Jane Doe",
    "title": "Engineer",
    "roles": [],
    ENT: {
        "employeeNumber": "701984",
        "department": "Tour Operations",
        "costCenter": "4130",
        "organization": "Universal Studios",
    },
}


async def test_create_sends_mapped_fields_without_state(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An Entra create reaches JumpCloud once, mapped, with no state (the org default applies); 201 + Location."""
    route = jc.post("/api/systemusers").respond(200, json=jc_user(username="jane.doe"))

    resp = await client.post(
        "/scim/v2/Users",
        json=ENTRA_CREATE,
        headers={**AUTH, "content-type": "application/scim+json; charset=utf-8"},
    )

    assert 201 == resp.status_code
    assert f"http://proxy.test/scim/v2/Users/{USER_ID}" == resp.headers["location"]
    assert resp.headers["location"] == resp.json()["meta"]["location"]
    assert 1 == route.call_count
    assert {
        "username": "jane.doe",
        "email": "jane.doe@contoso.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "displayname": "Jane Doe",
        "jobTitle": "Engineer",
        "external_dn": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "employeeIdentifier": "701984",
        "department": "Tour Operations",
        "costCenter": "4130",
        "company": "Universal Studios",
    } == sent_json(route)


async def test_create_inactive_user_is_sent_suspended(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An Entra create with active "False" reaches JumpCloud as a suspended user."""
    route = jc.post("/api/systemusers").respond(200, json=jc_user(state="SUSPENDED", suspended=True))

    resp = await client.post(
        "/scim/v2/Users",
        headers=AUTH,
        json={"userName": "jdoe", "active": "False", "emails": [{"value": "jdoe@example.com"}]},
    )

    assert 201 == resp.status_code
    assert {"state": "SUSPENDED", "suspended": True} == {k: sent_json(route)[k] for k in ("state", "suspended")}
    assert False is resp.json()["active"]


async def test_create_drops_password(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A password in a create is never sent to JumpCloud (users land Password Pending)."""
    route = jc.post("/api/systemusers").respond(200, json=jc_user())

    resp = await client.post(
        "/scim/v2/Users",
        headers=AUTH,
        json={"userName": "jdoe", "password": "Hunter2!", "emails": [{"value": "jdoe@example.com"}]},
    )

    assert (201, 1) == (resp.status_code, route.call_count)
    assert b"Hunter2" not in route.calls.last.request.content
    assert "password" not in sent_json(route)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"emails": [{"value": "a@b.co"}]}, "userName is required"),
        ({"userName": "jdoe"}, "emails is required"),
        ({"userName": "jdoe", "emails": [{"value": "not-an-email"}]}, "well-formed"),
        ({"userName": "j doe", "emails": [{"value": "a@b.co"}]}, "letters, digits"),
        ({"userName": "x" * 1025, "emails": [{"value": "a@b.co"}]}, "longer than 1024"),
        ({"userName": "jdoe", "emails": [{"value": "a@b.co"}], ENT: {"manager": "Bob"}}, "24 hexadecimal"),
        ({"userName": "jdoe", "emails": [{"value": "a@b.co"}], "active": "maybe"}, "boolean"),
    ],
)
async def test_invalid_create_is_400_without_upstream_call(
    client: httpx.AsyncClient, jc: respx.Router, body: dict[str, object], fragment: str
) -> None:
    """A create breaking the seed's validation rules answers 400 invalidValue and calls nothing."""
    resp = await client.post("/scim/v2/Users", json=body, headers=AUTH)

    assert 400 == resp.status_code
    assert "invalidValue" == resp.json()["scimType"]
    assert fragment in resp.json()["detail"]
    assert 0 == len(jc.calls)


async def test_email_username_error_says_how_to_fix_entra(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An email-shaped userName (Entra's default UPN mapping) is refused with the mapping fix in the detail."""
    resp = await client.post(
        "/scim/v2/Users",
        headers=AUTH,
        json={"userName": "jane@contoso.com", "emails": [{"value": "jane@contoso.com"}]},
    )

    assert 400 == resp.status_code
    assert "mailNickname" in resp.json()["detail"]
    assert "SCIM_PROXY_USERNAME_FROM_EMAIL" in resp.json()["detail"]
    assert 0 == len(jc.calls)


FROM_EMAIL = Settings(jumpcloud_url="https://jc.test", retry_attempts=3, username_from_email=True)


@pytest.mark.parametrize("settings", [FROM_EMAIL])
async def test_from_email_setting_uses_local_part(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """With username_from_email, jane@contoso.com becomes JumpCloud username jane and reads back as the UPN."""
    route = jc.post("/api/systemusers").respond(200, json=jc_user(username="jane", email="jane@contoso.com"))

    resp = await client.post(
        "/scim/v2/Users",
        headers=AUTH,
        json={"userName": "jane@contoso.com", "emails": [{"value": "jane@contoso.com"}]},
    )

    assert 201 == resp.status_code
    assert "jane" == sent_json(route)["username"]
    assert "jane@contoso.com" == resp.json()["userName"]


async def test_duplicate_create_is_409_uniqueness(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """JumpCloud's 400 "already exists" for another person becomes 409 uniqueness."""
    jc.post("/api/systemusers").respond(400, json={"message": "User already exists"})
    jc.post("/api/search/systemusers").respond(
        200, json={"totalCount": 1, "results": [jc_user(username="jane.doe", external_dn="someone-else")]}
    )

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert 409 == resp.status_code
    assert ("409", "uniqueness") == (resp.json()["status"], resp.json()["scimType"])
    assert "jane.doe" in resp.json()["detail"]


async def test_resent_create_of_same_entra_user_is_201(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Entra re-sending a create that already succeeded (same externalId) gets 201 with the existing user."""
    create = jc.post("/api/systemusers").respond(400, json={"message": "User already exists"})
    jc.post("/api/search/systemusers").respond(
        200,
        json={
            "totalCount": 1,
            "results": [jc_user(username="jane.doe", external_dn=ENTRA_CREATE["externalId"])],
        },
    )

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (201, USER_ID) == (resp.status_code, resp.json()["id"])
    assert 1 == create.call_count


async def test_create_timeout_that_committed_is_201_not_resent(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A create whose answer timed out is looked up, not re-sent; the committed user is answered 201."""
    create = jc.post("/api/systemusers").mock(side_effect=httpx.ReadTimeout("slow"))
    jc.post("/api/search/systemusers").respond(
        200,
        json={
            "totalCount": 1,
            "results": [jc_user(username="jane.doe", external_dn=ENTRA_CREATE["externalId"])],
        },
    )

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert 201 == resp.status_code
    assert 1 == create.call_count


async def test_create_503_that_did_not_commit_is_503(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A 503 on create with no user found afterwards is answered 503 with Retry-After, sent once."""
    create = jc.post("/api/systemusers").respond(503)
    jc.post("/api/search/systemusers").respond(200, json={"totalCount": 0, "results": []})

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert 503 == resp.status_code
    assert "Retry-After" in resp.headers
    assert 1 == create.call_count


async def test_patch_default_dialect_is_one_put(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Entra's default-dialect PATCH (Replace, filtered email path, URN path) becomes one PUT of those fields."""
    route = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(email="updated@contoso.com"))

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updated@contoso.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
                {"op": "Replace", "path": "externalId", "value": "Eqpj"},
                {"op": "Replace", "path": f"{ENT}:employeeNumber", "value": "Eqpj"},
            ],
        },
    )

    assert 200 == resp.status_code
    assert "updated@contoso.com" == resp.json()["emails"][0]["value"]
    assert 1 == len(jc.calls)
    assert {
        "email": "updated@contoso.com",
        "lastname": "updatedFamilyName",
        "external_dn": "Eqpj",
        "employeeIdentifier": "Eqpj",
    } == sent_json(route)


async def test_patch_flag_dialect_no_path_is_one_put(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """The aadOptscim062020 no-path replace with dotted and URN keys becomes one PUT."""
    route = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {
                    "op": "replace",
                    "value": {
                        "displayName": "Bjfe",
                        "name.givenName": "Kkom",
                        "name.familyName": "Unua",
                        f"{ENT}:employeeNumber": "Aklq",
                        "active": False,
                    },
                }
            ],
        },
    )

    assert (200, 1) == (resp.status_code, len(jc.calls))
    assert {
        "displayname": "Bjfe",
        "firstname": "Kkom",
        "lastname": "Unua",
        "employeeIdentifier": "Aklq",
        "state": "SUSPENDED",
        "suspended": True,
    } == sent_json(route)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("False", {"state": "SUSPENDED", "suspended": True}),
        (False, {"state": "SUSPENDED", "suspended": True}),
        ("True", {"suspended": False}),
        ("true", {"suspended": False}),
    ],
)
async def test_patch_active_in_both_dialects(
    client: httpx.AsyncClient, jc: respx.Router, value: object, expected: dict[str, object]
) -> None:
    """Disable suspends with state and flag; enable sends only suspended false (a STAGED user stays staged)."""
    route = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"Operations": [{"op": "Replace", "path": "active", "value": value}]},
    )

    assert 200 == resp.status_code
    assert expected == sent_json(route)


@pytest.mark.parametrize("value", [MANAGER_ID, {"value": MANAGER_ID}, [{"$ref": None, "value": MANAGER_ID}]])
async def test_patch_manager_shapes(client: httpx.AsyncClient, jc: respx.Router, value: object) -> None:
    """Manager as a string, an object or a one-element array is sent as the id and returned as {"value": id}."""
    route = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(manager=MANAGER_ID))

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"Operations": [{"op": "add", "path": f"{ENT}:manager", "value": value}]},
    )

    assert {"manager": MANAGER_ID} == sent_json(route)
    assert {"value": MANAGER_ID, "$ref": f"http://proxy.test/scim/v2/Users/{MANAGER_ID}"} == resp.json()[ENT]["manager"]


async def test_patch_remove_manager_sends_null(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Removing the manager clears it in JumpCloud with null."""
    route = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"Operations": [{"op": "Remove", "path": f"{ENT}:manager"}]},
    )

    assert (200, 1) == (resp.status_code, route.call_count)
    assert {"manager": None} == sent_json(route)


async def test_patch_of_unmapped_attribute_only_reads(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A PATCH touching only attributes JumpCloud does not keep changes nothing and answers the current user."""
    get = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"Operations": [{"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555 0100"}]},
    )

    assert (200, 1, 1) == (resp.status_code, get.call_count, len(jc.calls))


async def test_patch_removing_username_is_refused(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Removing a required attribute answers 400 and calls nothing."""
    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}", headers=AUTH, json={"Operations": [{"op": "remove", "path": "userName"}]}
    )

    assert 400 == resp.status_code
    assert 0 == len(jc.calls)


async def test_put_replaces_and_clears_absent_fields(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A SCIM PUT sends every mapped field, clearing the absent ones ("", or null for unique ones), in one call."""
    route = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.put(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}], "title": "Lead"},
    )

    assert (200, 1) == (resp.status_code, len(jc.calls))
    assert {
        "username": "jdoe",
        "email": "jdoe@example.com",
        "firstname": "",
        "lastname": "",
        "middlename": "",
        "displayname": "",
        "jobTitle": "Lead",
        "location": "",
        "employeeType": "",
        "external_dn": "",
        "employeeIdentifier": None,
        "department": "",
        "costCenter": "",
        "company": "",
        "manager": None,
    } == sent_json(route)


async def test_delete_cascades_manager_and_answers_204(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """DELETE sends cascade_manager=null (so a manager can be deleted) and answers 204 with no body."""
    route = jc.delete(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await client.delete(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (204, b"") == (resp.status_code, resp.content)
    assert "null" == route.calls.last.request.url.params["cascade_manager"]


async def test_delete_unknown_user_is_404(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Deleting an id JumpCloud does not know answers a SCIM 404."""
    route = jc.delete(f"/api/systemusers/{USER_ID}").respond(404, json={"message": "Not Found"})

    resp = await client.delete(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (404, ["urn:ietf:params:scim:api:messages:2.0:Error"], "404") == (
        resp.status_code,
        resp.json()["schemas"],
        resp.json()["status"],
    )
    assert 1 == route.call_count


async def test_middle_name_is_one_table_row_end_to_end(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """name.middleName (one row of the table) is sent as JumpCloud's middlename on create and PATCH,
    read back under `name`, filtered on, and advertised by /Schemas."""
    created = jc.post("/api/systemusers").respond(200, json=jc_user(middlename="Quinn"))
    patched = jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(middlename="Q."))
    search = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 0, "results": []})
    body = {**ENTRA_CREATE, "name": {"givenName": "Jane", "middleName": "Quinn", "familyName": "Doe"}}

    create = await client.post("/scim/v2/Users", json=body, headers=AUTH)
    patch = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"Operations": [{"op": "Replace", "value": {"name.middleName": "Q."}}]},
    )
    listed = await client.get("/scim/v2/Users", params={"filter": 'name.middleName eq "Q."'}, headers=AUTH)
    schema = await client.get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", headers=AUTH)

    assert (201, 200, 200) == (create.status_code, patch.status_code, listed.status_code)
    assert "Quinn" == sent_json(created)["middlename"]
    assert {"middlename": "Q."} == sent_json(patched)
    assert [{"middlename": {"$regex": r"(?i)(^Q\.$)"}}] == sent_json(search)["filter"]["and"]
    assert ("Quinn", "Q.") == (create.json()["name"]["middleName"], patch.json()["name"]["middleName"])
    name = next(a for a in schema.json()["attributes"] if a["name"] == "name")
    assert "middleName" in [sub["name"] for sub in name["subAttributes"]]
