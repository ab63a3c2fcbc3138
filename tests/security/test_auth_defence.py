"""Failed authentication is remembered and limited in front of JumpCloud (issue 11, item 4).

Before: 2,000 random tokens made 2,000 JumpCloud calls, one wrong token 500 times made 500,
and random tokens held every connection while a working tenant waited. Here the app runs
in-process with its real JumpCloud client over a respx router; "addresses" are ASGI clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx

from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.jumpcloud.verdicts import KeyVerdicts, key_digest
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

JC_URL = "https://jc.test"
GOOD_KEY = "tenant-key-0123456789"
ORG_A, ORG_B = "5f0c0ffee0c0ffee0c0ffee1", "5f0c0ffee0c0ffee0c0ffee2"
SEARCH = "/api/search/systemusers"
FIND = {"filter": 'userName eq "nobody"'}
EMPTY = {"totalCount": 0, "results": []}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jumpcloud_answer(request: httpx.Request) -> httpx.Response:
    """JumpCloud accepts only GOOD_KEY (any org), like the real one answers a wrong key."""
    if request.headers["x-api-key"] == GOOD_KEY:
        return httpx.Response(200, json=EMPTY)
    return httpx.Response(401, json={"message": "Unauthorized: api key user not found"})


class Proxy:
    """Our app with its JumpCloud client, reachable from several client addresses."""

    def __init__(self, settings: Settings, jc: respx.Router, *, verdicts: KeyVerdicts | None = None) -> None:
        self.upstream = make_jumpcloud_client(settings, transport=httpx.MockTransport(jc.async_handler))
        if verdicts is not None:
            self.upstream.verdicts = verdicts
        self.app = create_app(settings, jumpcloud=self.upstream)
        self._clients: dict[str, httpx.AsyncClient] = {}

    def at(self, address: str = "198.51.100.7") -> httpx.AsyncClient:
        """A client whose requests come from `address`."""
        if address not in self._clients:
            transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
            self._clients[address] = httpx.AsyncClient(transport=transport, base_url="http://proxy.test")
        return self._clients[address]

    async def rejections(self) -> dict[str, float]:
        """scim_auth_rejections_total by reason, read from /metrics."""
        text = (await self.at().get("/metrics")).text
        found = {}
        for line in text.splitlines():
            if line.startswith("scim_auth_rejections_total{"):
                reason = line.split('reason="', 1)[1].split('"', 1)[0]
                found[reason] = float(line.rsplit(" ", 1)[1])
        return found

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        await self.upstream.http.aclose()


@pytest.fixture(name="jc")
def _jc() -> respx.Router:
    """A stand-in JumpCloud that knows one key."""
    router = respx.Router(base_url=JC_URL, assert_all_mocked=True, assert_all_called=False)
    router.post(SEARCH).mock(side_effect=jumpcloud_answer)
    return router


@pytest.fixture(name="proxy")
async def _proxy(jc: respx.Router) -> AsyncIterator[Callable[..., Proxy]]:
    """Builds proxies with settings overrides; closes them afterwards."""
    built: list[Proxy] = []

    def build(verdicts: KeyVerdicts | None = None, **overrides: Any) -> Proxy:
        settings = Settings(jumpcloud_url=JC_URL, retry_attempts=1, **overrides)
        built.append(Proxy(settings, jc, verdicts=verdicts))
        return built[-1]

    yield build
    for proxy in built:
        await proxy.aclose()


async def test_a_rejected_key_is_answered_from_memory(proxy: Callable[..., Proxy], jc: respx.Router) -> None:
    """The same wrong key three times: one JumpCloud call, three identical 401s, counted by reason."""
    app = proxy()

    answers = [await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("wrong")) for _ in range(3)]

    assert [401, 401, 401] == [a.status_code for a in answers]
    assert 1 == len({a.json()["detail"] for a in answers})
    assert 1 == len(jc.calls)
    assert {"jumpcloud": 1.0, "negative_cache": 2.0, "ip_budget": 0.0} == await app.rejections()


async def test_a_rejected_key_is_answered_before_the_body_is_read(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """Once rejected, a key gets 401 even with a body that is not JSON: the guard answers before the handler."""
    app = proxy()
    await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("wrong"))

    resp = await app.at().post("/scim/v2/Users", content=b"\xff not json", headers=bearer("wrong"))

    assert (401, 'Bearer realm="scim-proxy"') == (resp.status_code, resp.headers["www-authenticate"])
    assert 1 == len(jc.calls)


async def test_a_multi_tenant_key_rejected_for_one_org_still_works_for_another(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """Key and org id are judged together: a 401 for org A does not refuse the same key for org B."""
    jc.routes.clear()
    jc.post(SEARCH).mock(
        side_effect=lambda r: httpx.Response(200 if r.headers["x-org-id"] == ORG_B else 401, json=EMPTY)
    )
    app = proxy()

    refused = [await app.at().get(f"/orgs/{ORG_A}/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY)) for _ in "ab"]
    other_org = await app.at().get(f"/orgs/{ORG_B}/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY))

    assert ([401, 401], 200) == ([r.status_code for r in refused], other_org.status_code)
    assert [ORG_A, ORG_B] == [call.request.headers["x-org-id"] for call in jc.calls]


async def test_a_key_fixed_in_jumpcloud_works_again_after_the_ttl(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """Rejected now, accepted by JumpCloud later: refused from memory within the TTL, served after it."""
    now = [0.0]
    app = proxy(verdicts=KeyVerdicts(ttl=60, clock=lambda: now[0]))
    fixed = [False]
    jc.routes.clear()
    jc.post(SEARCH).mock(side_effect=lambda r: httpx.Response(200 if fixed[0] else 401, json=EMPTY))

    first = await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("late-key"))
    fixed[0] = True
    now[0] = 59.0
    within = await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("late-key"))
    now[0] = 61.0
    after = await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("late-key"))

    assert [401, 401, 200] == [first.status_code, within.status_code, after.status_code]
    assert 2 == len(jc.calls)


async def test_five_hundred_parallel_requests_with_one_wrong_key_cost_one_call(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """500 concurrent requests with one unknown key: the first call decides, 499 wait, 500 get 401, one call."""
    app = proxy()
    gate = asyncio.Event()

    async def slow_rejection(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return jumpcloud_answer(request)

    jc.routes.clear()
    jc.post(SEARCH).mock(side_effect=slow_rejection)
    digest = key_digest("one-wrong-key", None)
    requests = [
        asyncio.create_task(app.at().get("/scim/v2/Users", params=FIND, headers=bearer("one-wrong-key")))
        for _ in range(500)
    ]
    for _ in range(10_000):
        if app.upstream.verdicts.waiting(digest) == 499:
            break
        await asyncio.sleep(0)
    waiting = app.upstream.verdicts.waiting(digest)
    gate.set()
    answers = await asyncio.gather(*requests)

    assert 499 == waiting
    assert [401] * 500 == [a.status_code for a in answers]
    assert 1 == len(jc.calls)
    assert {"jumpcloud": 1.0, "negative_cache": 499.0, "ip_budget": 0.0} == await app.rejections()


async def test_an_address_out_of_failures_gets_429_without_a_call(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """After 3 rejected keys, a 4th and 5th from that address get 429 with Retry-After and reach nothing."""
    app = proxy(auth_failures_per_ip=3, auth_failure_window=60)

    answers = [await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(f"rnd-{n}")) for n in range(5)]

    assert [401, 401, 401, 429, 429] == [a.status_code for a in answers]
    assert 0 < int(answers[3].headers["retry-after"]) <= 60
    assert "rejected by JumpCloud" in answers[3].json()["detail"]
    assert 3 == len(jc.calls)
    assert {"jumpcloud": 3.0, "negative_cache": 0.0, "ip_budget": 2.0} == await app.rejections()


async def test_a_working_key_is_never_held_back_by_its_address_budget(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """A key that worked is served from an address out of failures; another address keeps its own budget."""
    app = proxy(auth_failures_per_ip=2)
    assert 200 == (await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY))).status_code
    for n in range(3):
        await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(f"rnd-{n}"))

    tenant = await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY))
    elsewhere = await app.at("203.0.113.9").get("/scim/v2/Users", params=FIND, headers=bearer("rnd-x"))

    assert (200, 401) == (tenant.status_code, elsewhere.status_code)
    assert [GOOD_KEY, "rnd-0", "rnd-1", GOOD_KEY, "rnd-x"] == [c.request.headers["x-api-key"] for c in jc.calls]


async def test_a_burst_of_random_keys_from_one_address_reaches_jumpcloud_at_most_budget_times(
    proxy: Callable[..., Proxy], jc: respx.Router
) -> None:
    """50 concurrent random keys from one address: at most `auth_failures_per_ip` calls; the rest 429."""
    app = proxy(auth_failures_per_ip=4)

    answers = await asyncio.gather(
        *(app.at().get("/scim/v2/Users", params=FIND, headers=bearer(f"spray-{n}")) for n in range(50))
    )

    assert 4 >= len(jc.calls) >= 1
    assert 50 - len(jc.calls) == sum(a.status_code == 429 for a in answers)
    assert len(jc.calls) == sum(a.status_code == 401 for a in answers)


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


async def test_the_tables_are_exported_as_metrics(proxy: Callable[..., Proxy], jc: respx.Router) -> None:
    """/metrics shows how full each bounded table is."""
    app = proxy()
    await app.at().get("/scim/v2/Users", params=FIND, headers=bearer(GOOD_KEY))
    await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("wrong"))

    text = (await app.at().get("/metrics")).text

    assert 'scim_auth_table_entries{table="rejected_keys"} 1.0' in text
    assert 'scim_auth_table_entries{table="accepted_keys"} 1.0' in text
    assert 'scim_auth_table_entries{table="client_addresses"} 1.0' in text


async def test_discovery_stays_open_to_a_rejected_key(proxy: Callable[..., Proxy], jc: respx.Router) -> None:
    """The guard covers /Users and /Groups only: discovery answers whatever the token."""
    app = proxy()
    await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("wrong"))

    resp = await app.at().get("/scim/v2/ServiceProviderConfig", headers=bearer("wrong"))

    assert 200 == resp.status_code


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
