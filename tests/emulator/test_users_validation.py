"""Validation, uniqueness and error bodies of the v1 user routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devtools.emulator import EmulatorState, Quirks

from .support import UNKNOWN_ID, user_body

ALREADY_EXISTS = {"code": 400, "message": "User already exists", "status": "INVALID_ARGUMENT"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "a@example.com"}, "username is required"),
        ({"username": "a"}, "email is required"),
        ({"username": " ", "email": "a@example.com"}, "username is required"),
        (user_body(email="not-an-email"), "email must be a valid email address"),
        (user_body(firstname="x" * 1025), "firstname must be at most 1024 characters"),
        (user_body(employeeIdentifier="x" * 257), "employeeIdentifier must be at most 256 characters"),
        (user_body(firstname=7), "firstname must be a string"),
        (user_body(sudo="yes"), "sudo must be a boolean"),
        (user_body(phoneNumbers={"type": "work"}), "phoneNumbers must be an array"),
        (user_body(tags=[1]), "tags must be an array of strings"),
        (user_body(manager="nobody"), "manager must be the id of a user"),
        (user_body(manager=UNKNOWN_ID), "manager must be the id of another user in the organization"),
        (user_body(state="ENABLED"), "state must be one of STAGED, ACTIVATED, SUSPENDED"),
    ],
)
async def test_invalid_create_is_400_naming_the_problem(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    """An invalid create body is a 400 whose message names the field at fault."""
    resp = await client.post("/api/systemusers", json=body)

    assert resp.status_code == 400
    assert {"code": 400, "message": message, "status": "INVALID_ARGUMENT"} == resp.json()


async def test_limits_are_inclusive(client: httpx.AsyncClient) -> None:
    """Strings of exactly 1024 characters (256 for employeeIdentifier) are accepted."""
    resp = await client.post("/api/systemusers", json=user_body(firstname="x" * 1024, employeeIdentifier="e" * 256))

    assert resp.status_code == 200


@pytest.mark.parametrize(
    "duplicate",
    [
        user_body("jdoe", email="other@example.com"),
        user_body("JDoe", email="other@example.com"),
        user_body("other", email="jdoe@example.com"),
        user_body("other", email="JDOE@Example.COM"),
        user_body("other", employeeIdentifier="E1"),
    ],
)
async def test_duplicate_create_is_400_already_exists(client: httpx.AsyncClient, duplicate: dict[str, Any]) -> None:
    """A repeated username or email (in any case) or employeeIdentifier is a 400 "User already exists"."""
    await client.post("/api/systemusers", json=user_body("jdoe", employeeIdentifier="E1"))

    resp = await client.post("/api/systemusers", json=duplicate)

    assert (resp.status_code, resp.json()) == (400, ALREADY_EXISTS)


async def test_employee_identifier_uniqueness_is_exact_and_ignores_null(client: httpx.AsyncClient) -> None:
    """employeeIdentifier compares case-sensitively, and any number of users may leave it null or absent."""
    await client.post("/api/systemusers", json=user_body("a", employeeIdentifier="E1"))

    other_case = await client.post("/api/systemusers", json=user_body("b", employeeIdentifier="e1"))
    unset = [await client.post("/api/systemusers", json=user_body(n, employeeIdentifier=None)) for n in ("c", "d")]
    absent = await client.post("/api/systemusers", json=user_body("e"))

    assert [other_case.status_code, *(r.status_code for r in unset), absent.status_code] == [200] * 4
    assert [r.json()["employeeIdentifier"] for r in (*unset, absent)] == [None, None, None]


async def test_empty_employee_identifier_is_a_value_that_collides(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    """By default "" is stored as "" and a second user with "" is "User already exists"; the quirk off stores null."""
    first = await client.post("/api/systemusers", json=user_body("a", employeeIdentifier=""))
    second = await client.post("/api/systemusers", json=user_body("b", employeeIdentifier=""))
    cleared = await client.put(f"/api/systemusers/{first.json()['_id']}", json={"employeeIdentifier": None})
    emulator.quirks = Quirks(empty_identifier_collides=False)
    lenient = [await client.post("/api/systemusers", json=user_body(n, employeeIdentifier="")) for n in ("c", "d")]

    assert (first.status_code, first.json()["employeeIdentifier"]) == (200, "")
    assert (second.status_code, second.json()) == (400, ALREADY_EXISTS)
    assert (cleared.status_code, cleared.json()["employeeIdentifier"]) == (200, None)
    assert [(r.status_code, r.json()["employeeIdentifier"]) for r in lenient] == [(200, None), (200, None)]
    assert ["a", "c", "d"] == [u["username"] for u in emulator.users()]


async def test_put_to_another_users_email_is_400_already_exists(client: httpx.AsyncClient) -> None:
    """A PUT taking another user's email is a 400; keeping one's own email is fine."""
    await client.post("/api/systemusers", json=user_body("a"))
    user_id = (await client.post("/api/systemusers", json=user_body("b"))).json()["_id"]

    taken = await client.put(f"/api/systemusers/{user_id}", json={"email": "A@example.com"})
    own = await client.put(f"/api/systemusers/{user_id}", json={"email": "b@example.com"})

    assert (taken.status_code, taken.json(), own.status_code) == (400, ALREADY_EXISTS, 200)


async def test_put_cannot_empty_username_or_email(client: httpx.AsyncClient) -> None:
    """PUT with an empty username or email is a 400: both stay required."""
    user_id = (await client.post("/api/systemusers", json=user_body())).json()["_id"]

    for field in ("username", "email"):
        resp = await client.put(f"/api/systemusers/{user_id}", json={field: ""})
        assert (400, f"{field} is required") == (resp.status_code, resp.json()["message"])


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/systemusers/{}"), ("PUT", "/api/systemusers/{}"), ("DELETE", "/api/systemusers/{}")],
)
async def test_unknown_id_is_404_and_malformed_id_is_400(client: httpx.AsyncClient, method: str, path: str) -> None:
    """A well-formed unknown ObjectId is 404 Not Found; a non-ObjectId is 400 "invalid object id"."""
    unknown = await client.request(method, path.format(UNKNOWN_ID), json={})
    malformed = await client.request(method, path.format("jdoe"), json={})

    assert (
        unknown.status_code,
        unknown.json(),
    ) == (404, {"code": 404, "message": "Not Found", "status": "NOT_FOUND"})
    assert (malformed.status_code, malformed.json()["message"]) == (400, "invalid object id")


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
async def test_bad_json_is_400_not_500(client: httpx.AsyncClient, content: bytes) -> None:
    """A body that is not a JSON object is a 400 with a message, never a 500."""
    resp = await client.post("/api/systemusers", content=content, headers={"content-type": "application/json"})

    assert resp.status_code == 400
    assert resp.json()["message"].startswith("request body")


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    """A path the emulator does not serve is a JSON 404, and PATCH on a user is a JSON 405."""
    missing = await client.get("/api/systemusers-lite")
    patch = await client.patch(f"/api/systemusers/{UNKNOWN_ID}", json={})

    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    assert (patch.status_code, patch.json()) == (405, {"message": "Method Not Allowed"})


async def test_manager_cannot_be_oneself(client: httpx.AsyncClient) -> None:
    """Setting a user's manager to the user itself is a 400."""
    user_id = (await client.post("/api/systemusers", json=user_body())).json()["_id"]

    resp = await client.put(f"/api/systemusers/{user_id}", json={"manager": user_id})

    assert resp.status_code == 400
