"""No secret in any log line of a full lifecycle: not the API key, not a password, not an email."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from structlog.testing import capture_logs

from devtools.emulator import DEFAULT_API_KEY
from devtools.entra_sim import DirectoryUser, EntraClient

from .conftest import Stack

PASSWORD = "Sup3r-Secret-Pa55!"


async def test_lifecycle_logs_hold_no_secret(
    stack: Stack, scim: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Every structlog event and stdlib record of a lifecycle with passwords is free of key, password and email."""
    user = DirectoryUser(
        object_id="obj-1", mail_nickname="dana.lee", upn="dana.lee@contoso.com", given_name="Dana", surname="Lee"
    )
    entra = EntraClient(scim)
    caplog.set_level(logging.DEBUG)

    with capture_logs() as events:
        await entra.test_connection()
        created = await scim.post("/Users", json={**user.scim(), "password": PASSWORD})
        user_id = created.json()["id"]
        await entra.patch(user_id, [{"op": "replace", "path": "password", "value": PASSWORD}])
        await entra.patch(user_id, [{"op": "replace", "value": {"password": PASSWORD, "title": "x"}}])
        await entra.set_active(user_id, False)
        await scim.get("/Users", params={"filter": 'userName eq "nobody"'}, headers={"Authorization": "Bearer bad"})
        await entra.delete(user_id)
        # The server logs a request after its answer is sent: wait (bounded) for the last line.
        for _ in range(200):
            if len([e for e in events if e["event"] == "scim_request"]) >= 7:
                break
            await asyncio.sleep(0.01)

    assert len([e for e in events if e["event"] == "scim_request"]) == 7
    text = repr(events) + "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    for secret in (DEFAULT_API_KEY, PASSWORD, "dana.lee@contoso.com", "Bearer bad"):
        assert secret not in text
    assert all("password" not in u for u in stack.emulator.users())
