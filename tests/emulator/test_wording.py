"""The wording switch: the same behaviour, every error body worded differently, the relied-on text kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from devtools.emulator import EmulatorConfig, FaultRule, Faults, create_emulator_app

from .support import AUTH, BASE_URL, UNKNOWN_ID, user_body

Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]

# One request for each kind of error the emulator answers: JcError subclasses, Starlette's 404/405, a fault.
ERRORS: dict[str, Call] = {
    "bad request": lambda c: c.get("/api/systemusers", params={"limit": "101"}),
    "required": lambda c: c.post("/api/systemusers", json={"email": "x@example.com"}),
    "not json": lambda c: c.post("/api/systemusers", content=b"{", headers={"content-type": "application/json"}),
    "malformed id": lambda c: c.get("/api/systemusers/not-an-id"),
    "not found": lambda c: c.get(f"/api/systemusers/{UNKNOWN_ID}"),
    "duplicate user": lambda c: c.post("/api/systemusers", json=user_body("seeded")),
    "duplicate group": lambda c: c.post("/api/v2/usergroups", json={"name": "Seeded"}),
    "bad key": lambda c: c.get("/api/systemusers", headers={"x-api-key": "wrong"}),
    "no route": lambda c: c.get("/api/no-such-route"),
    "no method": lambda c: c.patch(f"/api/systemusers/{UNKNOWN_ID}", json={}),
    "fault": lambda c: c.get("/api/v2/usergroups", params={"limit": "1"}),
}


async def _answers(wording: str) -> dict[str, tuple[int, object]]:
    config = EmulatorConfig(wording=wording, faults=Faults(rules=[FaultRule(route="list_groups", status=503)]))
    app = create_emulator_app(config)
    app.state.emulator.create_user(user_body("seeded"))
    app.state.emulator.create_group({"name": "Seeded"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=AUTH) as client:
        return {name: ((resp := await call(client)).status_code, resp.json()) for name, call in ERRORS.items()}


async def test_alternative_wording_changes_every_error_body_but_no_status() -> None:
    """Every error answers the same status in both wordings, and never the same body."""
    register, alternative = await _answers("register"), await _answers("alternative")

    assert {name: status for name, (status, _) in register.items()} == {
        name: status for name, (status, _) in alternative.items()
    }
    assert [] == [name for name in ERRORS if register[name][1] == alternative[name][1]]
    assert {"message": "Bad Request: limit must be <= 100"} == alternative["bad request"][1]
    assert {"code": 400, "message": "limit must be at most 100", "status": "INVALID_ARGUMENT"} == register[
        "bad request"
    ][1]


async def test_alternative_wording_keeps_the_documented_duplicate_text() -> None:
    """A duplicate user still "already exists" in the other wording: the public spec says so."""
    alternative = await _answers("alternative")

    assert (400, {"message": "Bad Request: a user with these details already exists"}) == alternative["duplicate user"]


def test_unknown_wording_is_refused() -> None:
    """A wording the emulator does not know is a configuration error, not a silent default."""
    with pytest.raises(ValueError, match="wording"):
        EmulatorConfig(wording="shouting")  # type: ignore[arg-type]
