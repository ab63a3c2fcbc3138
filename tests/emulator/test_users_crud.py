"""Create, read, update, delete and activate v1 systemusers."""

from __future__ import annotations

import re

import httpx

from devtools.emulator import DEFAULT_ORG_ID, EmulatorState

from .support import UNKNOWN_ID, user_body

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_create_answers_200_with_the_full_default_user(client: httpx.AsyncClient) -> None:
    """POST /api/systemusers answers 200 (not 201) with every field at JumpCloud's unset value."""
    resp = await client.post("/api/systemusers", json=user_body())

    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json; charset=utf-8"
    user = resp.json()
    assert OBJECT_ID.match(user["_id"]) and user["id"] == user["_id"]
    assert TIMESTAMP.match(user["created"])
    assert (user["username"], user["email"]) == ("jdoe", "jdoe@example.com")
    assert (user["firstname"], user["jobTitle"], user["external_dn"]) == ("", "", "")
    assert (user["phoneNumbers"], user["addresses"], user["attributes"], user["tags"]) == ([], [], [], [])
    assert (user["employeeIdentifier"], user["account_locked_date"], user["manager"]) == (None, None, None)
    assert (user["state"], user["suspended"], user["activated"]) == ("ACTIVATED", False, False)
    assert (user["password_expired"], user["organization"]) == (False, DEFAULT_ORG_ID)


async def test_ids_increase_with_creation_order(client: httpx.AsyncClient) -> None:
    """Each new user's ObjectId sorts after the previous one."""
    ids = [(await client.post("/api/systemusers", json=user_body(f"u{i}"))).json()["_id"] for i in range(5)]

    assert sorted(ids) == ids and len(set(ids)) == 5


async def test_password_is_accepted_never_returned_and_ends_password_pending(
    client: httpx.AsyncClient,
) -> None:
    """A password on create makes `activated` true and never appears in any response."""
    created = (await client.post("/api/systemusers", json=user_body(password="S3cret!pass"))).json()
    fetched = (await client.get(f"/api/systemusers/{created['_id']}")).json()

    assert created["activated"] is True
    assert "password" not in created and "password" not in fetched


async def test_array_items_with_an_id_field_get_one(client: httpx.AsyncClient) -> None:
    """Addresses and phone numbers come back with an ObjectId `id`; attributes come back as sent."""
    body = user_body(
        phoneNumbers=[{"type": "work", "number": "+1 555 0100"}],
        addresses=[{"type": "work", "locality": "Boulder"}],
        attributes=[{"name": "entraObjectId", "value": "9f1c"}],
    )
    user = (await client.post("/api/systemusers", json=body)).json()

    assert OBJECT_ID.match(user["phoneNumbers"][0]["id"])
    assert OBJECT_ID.match(user["addresses"][0]["id"]) and user["addresses"][0]["region"] == ""
    assert user["attributes"] == [{"name": "entraObjectId", "value": "9f1c"}]


async def test_get_returns_the_stored_user_and_fields_projects_it(client: httpx.AsyncClient) -> None:
    """GET by id returns the user; `fields` keeps only the named fields plus `_id` and `id`."""
    user_id = (await client.post("/api/systemusers", json=user_body(firstname="Jane"))).json()["_id"]

    full = await client.get(f"/api/systemusers/{user_id}")
    projected = await client.get(f"/api/systemusers/{user_id}", params={"fields": "username firstname"})

    assert full.json()["firstname"] == "Jane"
    assert {"_id": user_id, "id": user_id, "username": "jdoe", "firstname": "Jane"} == projected.json()


async def test_put_is_partial_and_replaces_arrays_whole(client: httpx.AsyncClient) -> None:
    """PUT changes only the fields sent; an array sent replaces the stored one entirely."""
    body = user_body(firstname="Jane", lastname="Doe", phoneNumbers=[{"type": "work", "number": "1"}])
    user_id = (await client.post("/api/systemusers", json=body)).json()["_id"]

    resp = await client.put(f"/api/systemusers/{user_id}", json={"jobTitle": "Lead", "phoneNumbers": []})

    assert resp.status_code == 200
    user = resp.json()
    assert (
        user["firstname"],
        user["lastname"],
        user["jobTitle"],
        user["phoneNumbers"],
    ) == ("Jane", "Doe", "Lead", [])


async def test_put_clears_strings_and_manager_and_ignores_read_only_fields(client: httpx.AsyncClient) -> None:
    """PUT with "" or null clears a string, `manager: null` clears the manager; read-only fields are kept."""
    boss = (await client.post("/api/systemusers", json=user_body("boss"))).json()["_id"]
    user = (
        await client.post("/api/systemusers", json=user_body(jobTitle="Eng", department="R&D", manager=boss))
    ).json()
    change = {
        "jobTitle": "",
        "department": None,
        "manager": None,
        "_id": UNKNOWN_ID,
        "created": "x",
        "nope": 1,
    }

    updated = (await client.put(f"/api/systemusers/{user['_id']}", json=change)).json()

    assert (updated["jobTitle"], updated["department"], updated["manager"]) == ("", "", None)
    assert (user["_id"], user["created"]) == (updated["_id"], updated["created"])
    assert "nope" not in updated


async def test_put_with_username_renames_the_user(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """A PUT carrying a new `username` renames the user."""
    user_id = (await client.post("/api/systemusers", json=user_body())).json()["_id"]

    await client.put(f"/api/systemusers/{user_id}", json={"username": "jane.doe"})

    assert [user["username"] for user in emulator.users()] == ["jane.doe"]


async def test_delete_answers_200_with_the_deleted_user(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """DELETE answers 200 with the user it removed; a second DELETE is 404."""
    user_id = (await client.post("/api/systemusers", json=user_body())).json()["_id"]

    first = await client.delete(f"/api/systemusers/{user_id}")
    second = await client.delete(f"/api/systemusers/{user_id}")

    assert (200, user_id) == (first.status_code, first.json()["_id"])
    assert second.status_code == 404
    assert emulator.users() == []


async def test_delete_manager_with_cascade_null_clears_reports(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    """`cascade_manager=null` deletes a manager and clears `manager` on the direct reports."""
    boss = (await client.post("/api/systemusers", json=user_body("boss"))).json()["_id"]
    await client.post("/api/systemusers", json=user_body("report", manager=boss))

    resp = await client.delete(f"/api/systemusers/{boss}", params={"cascade_manager": "null"})

    assert resp.status_code == 200
    assert [user["manager"] for user in emulator.users()] == [None]


async def test_delete_manager_with_cascade_id_reassigns_reports(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    """`cascade_manager=<id>` deletes a manager and gives the direct reports that manager instead."""
    boss = (await client.post("/api/systemusers", json=user_body("boss"))).json()["_id"]
    heir = (await client.post("/api/systemusers", json=user_body("heir"))).json()["_id"]
    await client.post("/api/systemusers", json=user_body("report", manager=boss))

    await client.delete(f"/api/systemusers/{boss}", params={"cascade_manager": heir})

    assert {"heir": None, "report": heir} == {user["username"]: user["manager"] for user in emulator.users()}


async def test_delete_manager_without_cascade_is_409(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """Deleting a user who still manages someone, without `cascade_manager`, is 409 and deletes nothing."""
    boss = (await client.post("/api/systemusers", json=user_body("boss"))).json()["_id"]
    await client.post("/api/systemusers", json=user_body("report", manager=boss))

    resp = await client.delete(f"/api/systemusers/{boss}")

    assert resp.status_code == 409
    assert (resp.json()) == {
        "code": 409,
        "message": "User is a manager of other users; set cascade_manager",
        "status": "FAILED_PRECONDITION",
    }
    assert len(emulator.users()) == 2


async def test_activate_moves_staged_to_activated(client: httpx.AsyncClient) -> None:
    """POST .../state/activate turns a STAGED user ACTIVATED and answers 200 `{}`."""
    user_id = (await client.post("/api/systemusers", json=user_body(state="STAGED"))).json()["_id"]

    resp = await client.post(f"/api/systemusers/{user_id}/state/activate", json={"email": False})

    assert (resp.status_code, resp.json()) == (200, {})
    assert (await client.get(f"/api/systemusers/{user_id}")).json()["state"] == "ACTIVATED"


async def test_activate_refuses_a_suspended_user(client: httpx.AsyncClient) -> None:
    """Activating a SUSPENDED user is a 400; only PUT un-suspends."""
    user_id = (await client.post("/api/systemusers", json=user_body(state="SUSPENDED"))).json()["_id"]

    resp = await client.post(f"/api/systemusers/{user_id}/state/activate")

    assert resp.status_code == 400


async def test_emulator_helpers_seed_and_reset(emulator: EmulatorState, client: httpx.AsyncClient) -> None:
    """Users seeded through the state helper are served over HTTP; `reset()` forgets them and the counts."""
    emulator.create_user(user_body())
    listed = await client.get("/api/systemusers")

    assert listed.json()["totalCount"] == 1
    assert 1 == emulator.calls("list_users") == emulator.requests[("GET", "/api/systemusers")]
    emulator.reset()
    assert (emulator.users(), emulator.calls("list_users")) == ([], 0)
