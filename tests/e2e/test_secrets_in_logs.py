"""No secret in any log line of a full lifecycle: not the API key, a password, an email or a user's name."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY
from devtools.entra_sim import DirectoryUser, EntraClient
from scim_proxy.logs import configure_logging
from scim_proxy.settings import Settings

from .conftest import Stack

PASSWORD = "Sup3r-Secret-Pa55!"


async def test_lifecycle_logs_hold_no_secret(
    capsys: pytest.CaptureFixture[str], stack: Stack, scim: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:  # capsys first: set up before the servers, so it outlives their last line
    """Each log line of a lifecycle with passwords, rendered as in production, holds no key, password, email or name."""
    user = DirectoryUser(
        object_id="obj-1", mail_nickname="dana.lee", upn="dana.lee@contoso.com", given_name="Dana", surname="Lee"
    )
    entra = EntraClient(scim)
    caplog.set_level(logging.DEBUG)
    settings = Settings(jumpcloud_url=stack.jumpcloud_url)
    configure_logging(settings.log_format, "debug", allow_personal_data=settings.log_personal_data)

    await entra.test_connection()
    created = await scim.post("/Users", json={**user.scim(), "password": PASSWORD})
    user_id = created.json()["id"]
    await entra.patch(user_id, [{"op": "replace", "path": "password", "value": PASSWORD}])
    await entra.patch(user_id, [{"op": "replace", "value": {"password": PASSWORD, "title": "x"}}])
    await entra.set_active(user_id, False)
    await scim.get("/Users", params={"filter": 'userName eq "nobody"'}, headers={"Authorization": "Bearer bad"})
    await entra.delete(user_id)
    # The server logs a request after its answer is sent: wait (bounded) for the last line.
    output = ""
    for _ in range(200):
        output += capsys.readouterr().out
        if output.count('"scim_request"') >= 7:
            break
        await asyncio.sleep(0.01)

    requests = [json.loads(line) for line in output.splitlines() if '"scim_request"' in line]
    assert [201, 204] == [r["status"] for r in requests if r["operation"] in ("create_user", "delete_user")]
    assert 7 == len(requests)
    text = output + "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    for secret in (DEFAULT_API_KEY, PASSWORD, "dana.lee@contoso.com", "Bearer bad", "dana.lee"):
        assert secret not in text
    assert all("password" not in u for u in stack.emulator.users())
