"""Register rows JC-60 to JC-66: `state`, `suspended` and activation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .support import Names, Target, email_of, error_body, live_stops_here

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]
CONFLICT = error_body(400, "Cannot save conflicting state and suspended fields")


def _put(jc: httpx.Client, user_id: str, body: dict[str, Any]) -> httpx.Response:
    return jc.put(f"/api/systemusers/{user_id}", json=body)


def _state(resp: httpx.Response) -> tuple[int, str, bool]:
    return resp.status_code, resp.json().get("state"), resp.json().get("suspended")


def test_jc_60_create_without_state_uses_org_default(target: Target, jc: httpx.Client, names: Names) -> None:
    """A create without `state` gets the org default (ACTIVATED or STAGED; the emulator's is ACTIVATED)."""
    username = names.user()

    resp = jc.post("/api/systemusers", json={"username": username, "email": email_of(username)})

    assert 200 == resp.status_code
    assert resp.json()["state"] in ("ACTIVATED", "STAGED")
    assert False is resp.json()["suspended"]
    if live_stops_here(target, "the org setting newSystemUserStateDefaults.manualEntry is not known to the test"):
        return
    assert "ACTIVATED" == resp.json()["state"]


def test_jc_61_put_cannot_set_staged(target: Target, jc: httpx.Client, names: Names, make_user: MakeUser) -> None:
    """Create accepts STAGED, ACTIVATED and SUSPENDED; PUT accepts only ACTIVATED and SUSPENDED."""
    created = [make_user(state=state) for state in ("STAGED", "ACTIVATED", "SUSPENDED")]
    username = names.user()
    unknown = jc.post("/api/systemusers", json={"username": username, "email": email_of(username), "state": "DISABLED"})
    back_to_staged = _put(jc, created[1]["_id"], {"state": "STAGED"})

    assert [("STAGED", False), ("ACTIVATED", False), ("SUSPENDED", True)] == [
        (u["state"], u["suspended"]) for u in created
    ]
    assert (400, 400) == (unknown.status_code, back_to_staged.status_code)
    assert "ACTIVATED" == jc.get(f"/api/systemusers/{created[1]['_id']}").json()["state"]
    if live_stops_here(target, "the wording of validation messages is the emulator's choice"):
        return
    assert error_body(400, "state must be one of STAGED, ACTIVATED, SUSPENDED") == unknown.json()
    assert error_body(400, "state must be one of ACTIVATED, SUSPENDED") == back_to_staged.json()


def test_jc_62_conflicting_state_and_suspended_is_rejected(jc: httpx.Client, names: Names, make_user: MakeUser) -> None:
    """A conflicting `state`/`suspended` pair is refused with 400 on create and PUT, and nothing is written."""
    username = names.user()
    on_create = jc.post(
        "/api/systemusers",
        json={"username": username, "email": email_of(username), "state": "ACTIVATED", "suspended": True},
    )
    user = make_user(state="ACTIVATED")
    on_put = _put(jc, user["_id"], {"state": "SUSPENDED", "suspended": False, "jobTitle": "changed"})
    staged_pair = _put(jc, user["_id"], {"state": "ACTIVATED", "suspended": True})

    assert [(400, CONFLICT)] * 3 == [(r.status_code, r.json()) for r in (on_create, on_put, staged_pair)]
    after = jc.get(f"/api/systemusers/{user['_id']}").json()
    assert ("ACTIVATED", False, "") == (after["state"], after["suspended"], after["jobTitle"])


def test_jc_63_suspended_true_alone_suspends(jc: httpx.Client, make_user: MakeUser) -> None:
    """`suspended: true` alone suspends a user, from STAGED or ACTIVATED."""
    staged = make_user(state="STAGED")
    active = make_user(state="ACTIVATED")

    answers = [_put(jc, user["_id"], {"suspended": True}) for user in (staged, active)]

    assert [(200, "SUSPENDED", True)] * 2 == [_state(r) for r in answers]


def test_jc_64_suspended_false_alone_leaves_staged_user_staged(jc: httpx.Client, make_user: MakeUser) -> None:
    """`suspended: false` alone reactivates a SUSPENDED user and leaves a STAGED or ACTIVATED one as it was."""
    staged = make_user(state="STAGED")
    suspended = make_user(state="SUSPENDED")
    active = make_user(state="ACTIVATED")

    answers = [_put(jc, user["_id"], {"suspended": False}) for user in (staged, suspended, active)]

    assert [(200, "STAGED", False), (200, "ACTIVATED", False), (200, "ACTIVATED", False)] == [
        _state(r) for r in answers
    ]


def test_jc_65_put_state_activated_activates_staged_user(jc: httpx.Client, make_user: MakeUser) -> None:
    """`PUT {"state": "ACTIVATED"}` activates a STAGED user."""
    staged = make_user(state="STAGED")

    resp = _put(jc, staged["_id"], {"state": "ACTIVATED"})

    assert (200, "ACTIVATED", False) == _state(resp)
    assert "ACTIVATED" == jc.get(f"/api/systemusers/{staged['_id']}").json()["state"]


def test_jc_66_activate_endpoint_activates_staged_user(target: Target, jc: httpx.Client, make_user: MakeUser) -> None:
    """`POST /systemusers/{id}/state/activate` moves a STAGED user to ACTIVATED with a 200."""
    staged = make_user(state="STAGED")

    resp = jc.post(f"/api/systemusers/{staged['_id']}/state/activate", json={"email": False})

    assert 200 == resp.status_code
    assert "ACTIVATED" == jc.get(f"/api/systemusers/{staged['_id']}").json()["state"]
    if live_stops_here(target, "the body and the answer for a suspended user are the emulator's choice"):
        return
    suspended = make_user(state="SUSPENDED")
    refused = jc.post(f"/api/systemusers/{suspended['_id']}/state/activate", json={"email": False})
    assert {} == resp.json()
    assert (400, error_body(400, "a suspended user cannot be activated")) == (refused.status_code, refused.json())
