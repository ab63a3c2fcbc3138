"""The production JumpCloud transports over a real socket: every attempt is our client's own."""

from __future__ import annotations

import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, FaultRule, Faults, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.settings import Settings

FIRST_DRAW_ONLY = 1  # random.Random(1): 0.134 then 0.847, so a rate of 0.5 fires on the first DELETE only


@pytest.mark.parametrize("upstream_client", ["httptools", "aiohttp", "httpx"])
async def test_delete_whose_answer_was_lost_is_done_with_every_attempt_counted(upstream_client: str) -> None:
    """A DELETE applied by an attempt whose kept-alive connection dropped is retried by our client and succeeds.

    aiohttp would resend it itself, unseen: the resend met 404 and the delete looked like an unknown user.
    Ours (httptools) never resends.
    """
    emulator_app = create_emulator_app(EmulatorConfig())
    emulator = emulator_app.state.emulator
    user = emulator.create_user({"username": "jdoe", "email": "jdoe@example.com"})
    with serve_in_thread(emulator_app, log_level="critical") as jc_url:
        settings = Settings(jumpcloud_url=jc_url, retry_backoff=0.001, retry_backoff_max=0.01)
        client = make_jumpcloud_client(settings, upstream_client=upstream_client)
        users, auth = JumpCloudUsers(client), Credentials(DEFAULT_API_KEY)
        stats = budget.begin_request(10.0)
        try:
            await users.get_user(user["_id"], auth=auth)  # opens the connection the DELETE will reuse
            emulator.faults = Faults(
                seed=FIRST_DRAW_ONLY, rules=[FaultRule(route="delete_user", rate=0.5, drop="after")]
            )
            await users.delete_user(user["_id"], auth=auth)
        finally:
            await client.aclose()

    assert (2, {"drop_after": 1}) == (emulator.calls("delete_user"), dict(emulator.fault_counts))
    assert (3, 1) == (stats.calls, stats.retries)
    assert [] == emulator.users()
