"""JumpCloud capacity under a spray of random keys: keys that work keep their slots (issue 11, item 4).

Before: with JumpCloud slow, 1,200 random-token requests held every connection and another
tenant waited 8.2 s. Concurrency is shown the benchmark way: a concurrent probe is answered
while the spray hangs in JumpCloud, with no wall-clock budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import respx

from tests.security.auth_app import (
    EMPTY,
    FIND,
    GOOD_KEY,
    SEARCH,
    Proxy,
    bearer,
    jc_fixture,
    jumpcloud_answer,
    proxy_fixture,
)

__all__ = ["jc_fixture", "proxy_fixture"]  # the `jc` and `proxy` fixtures, used by the tests below


async def test_a_spray_of_random_keys_cannot_take_the_slots_of_a_working_tenant(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """While 40 random-key calls hang in JumpCloud, only 2 of them are in flight and a working tenant is answered."""
    app = proxy(max_calls_in_flight=4, unverified_calls_in_flight=2, auth_failures_per_ip=1000)
    hang = asyncio.Event()
    arrived: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        arrived.append(request.headers["x-api-key"])
        if request.headers["x-api-key"] != GOOD_KEY:
            await hang.wait()
        return jumpcloud_answer(request)

    jc.routes.clear()
    jc.post(SEARCH).mock(side_effect=answer)
    assert 200 == (await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY))).status_code
    spray = [
        asyncio.create_task(app.at().get("/scim/v2/Users", params=FIND, headers=bearer(f"spray-{n}")))
        for n in range(40)
    ]
    for _ in range(10_000):
        if app.upstream.calls.unverified_in_flight == 2:
            break
        await asyncio.sleep(0)

    probes = [await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY)) for _ in range(5)]
    metrics = (await app.at().get("/metrics")).text
    in_flight = (app.upstream.calls.in_flight, app.upstream.calls.unverified_in_flight, len(arrived))
    hang.set()
    answers = await asyncio.gather(*spray)

    assert [200] * 5 == [p.status_code for p in probes]
    assert (2, 2, 1 + 2 + 5) == in_flight
    assert "jumpcloud_calls_in_flight 2.0" in metrics
    assert "jumpcloud_unverified_calls_in_flight 2.0" in metrics
    assert [401] * 40 == [a.status_code for a in answers]


async def test_calls_queued_behind_their_own_key_hold_no_global_slot(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """A tenant with five requests queued on its per-key limit takes one of the two global slots; another is served."""
    app = proxy(max_calls_in_flight=2, max_upstream_concurrency=1)
    other_key = "other-tenant-key-0123"
    hang, warming = asyncio.Event(), [True]

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["x-api-key"] == GOOD_KEY and not warming[0]:
            await hang.wait()
        return httpx.Response(200, json=EMPTY)

    jc.routes.clear()
    jc.post(SEARCH).mock(side_effect=answer)
    for key in (GOOD_KEY, other_key):  # both keys are known to work
        assert 200 == (await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(key))).status_code
    warming[0] = False
    busy = [
        asyncio.create_task(app.at().get("/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY))) for _ in range(5)
    ]
    for _ in range(10_000):
        if app.upstream.calls.in_flight == 1:
            break
        await asyncio.sleep(0)

    other = await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(other_key))
    hang.set()
    answers = await asyncio.gather(*busy)

    assert 200 == other.status_code
    assert [200] * 5 == [a.status_code for a in answers]
