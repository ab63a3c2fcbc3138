"""The user state model of reference section 11: state, suspended, and the org default."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devtools.emulator import EmulatorConfig, create_emulator_app

from .support import AUTH, BASE_URL, user_body

CONFLICT = "Cannot save conflicting state and suspended fields"


@pytest.mark.parametrize(
    ("fields", "state", "suspended"),
    [
        ({}, "ACTIVATED", False),
        ({"state": "STAGED"}, "STAGED", False),
        ({"state": "ACTIVATED"}, "ACTIVATED", False),
        ({"state": "SUSPENDED"}, "SUSPENDED", True),
        ({"suspended": True}, "SUSPENDED", True),
        ({"suspended": False}, "ACTIVATED", False),
        ({"state": "SUSPENDED", "suspended": True}, "SUSPENDED", True),
    ],
)
async def test_create_state(client: httpx.AsyncClient, fields: dict[str, Any], state: str, suspended: bool) -> None:
    """A create's `state`/`suspended` give the stored pair; without either, the org default (ACTIVATED)."""
    user = (await client.post("/api/systemusers", json=user_body(**fields))).json()

    assert (state, suspended) == (user["state"], user["suspended"])


async def test_create_without_state_uses_a_staged_org_default() -> None:
    """With the org default set to STAGED, a create without `state` is STAGED."""
    app = create_emulator_app(EmulatorConfig(default_state="STAGED"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=AUTH) as client:
        user = (await client.post("/api/systemusers", json=user_body())).json()

    assert (user["state"], user["suspended"]) == ("STAGED", False)


@pytest.mark.parametrize(
    ("start", "change", "state", "suspended"),
    [
        ("ACTIVATED", {"suspended": True}, "SUSPENDED", True),
        ("SUSPENDED", {"suspended": False}, "ACTIVATED", False),
        ("STAGED", {"suspended": False}, "STAGED", False),
        ("ACTIVATED", {"suspended": False}, "ACTIVATED", False),
        ("STAGED", {"suspended": True}, "SUSPENDED", True),
        ("ACTIVATED", {"state": "SUSPENDED", "suspended": True}, "SUSPENDED", True),
        ("SUSPENDED", {"state": "ACTIVATED", "suspended": False}, "ACTIVATED", False),
        ("SUSPENDED", {"state": "ACTIVATED"}, "ACTIVATED", False),
        ("ACTIVATED", {"state": "SUSPENDED"}, "SUSPENDED", True),
        ("STAGED", {"state": "ACTIVATED"}, "ACTIVATED", False),
        ("STAGED", {"jobTitle": "Lead"}, "STAGED", False),
    ],
)
async def test_put_state(
    client: httpx.AsyncClient, start: str, change: dict[str, Any], state: str, suspended: bool
) -> None:
    """PUT moves the state as section 11 says; `suspended: false` alone leaves a STAGED user staged."""
    user_id = (await client.post("/api/systemusers", json=user_body(state=start))).json()["_id"]

    user = (await client.put(f"/api/systemusers/{user_id}", json=change)).json()

    assert (state, suspended) == (user["state"], user["suspended"])


@pytest.mark.parametrize(
    ("verb", "change", "message"),
    [
        ("put", {"state": "STAGED"}, "state must be one of ACTIVATED, SUSPENDED"),
        ("put", {"state": "ACTIVATED", "suspended": True}, CONFLICT),
        ("put", {"state": "SUSPENDED", "suspended": False}, CONFLICT),
        ("post", {"state": "STAGED", "suspended": True}, CONFLICT),
        ("post", {"state": "ACTIVATED", "suspended": True}, CONFLICT),
        ("put", {"suspended": "yes"}, "suspended must be a boolean"),
    ],
)
async def test_refused_state_changes_are_400(
    client: httpx.AsyncClient, verb: str, change: dict[str, Any], message: str
) -> None:
    """PUT cannot set STAGED, and a conflicting state/suspended pair is a 400 on create and update."""
    user_id = (await client.post("/api/systemusers", json=user_body("base"))).json()["_id"]
    if verb == "put":
        resp = await client.put(f"/api/systemusers/{user_id}", json=change)
    else:
        resp = await client.post("/api/systemusers", json=user_body("other", **change))

    assert (400, message) == (resp.status_code, resp.json()["message"])
    assert (lambda u: (u["state"], u["suspended"]))((await client.get(f"/api/systemusers/{user_id}")).json()) == (
        "ACTIVATED",
        False,
    )
