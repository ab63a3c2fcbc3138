"""Failed authentication is remembered and limited in front of JumpCloud (issue 11, item 4).

Before: 2,000 random tokens made 2,000 JumpCloud calls and one wrong token 500 times made
500. Here the app runs in-process with its real JumpCloud client over a respx router;
"addresses" are ASGI clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import respx

from scim_proxy.jumpcloud.verdicts import KeyVerdicts, key_digest
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

ORG_A, ORG_B = "5f0c0ffee0c0ffee0c0ffee1", "5f0c0ffee0c0ffee0c0ffee2"


__all__ = ["jc_fixture", "proxy_fixture"]  # the `jc` and `proxy` fixtures, used by the tests below


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


async def test_root_search_is_held_to_the_address_budget(proxy: Callable[..., Proxy], jc: respx.Router) -> None:
    """POST /.search calls JumpCloud too: after 2 rejected keys, the 3rd to 5th from that address get 429."""
    app = proxy(auth_failures_per_ip=2)
    search = {"filter": 'userName eq "nobody"'}

    answers = [
        await app.at().post(path, json=search, headers=bearer(f"rnd-{n}"))
        for n, path in enumerate(["/scim/v2/.search", f"/orgs/{ORG_A}/scim/v2/.search"] * 2 + ["/scim/v2/.search"])
    ]

    assert [401, 401, 429, 429, 429] == [a.status_code for a in answers]
    assert ["rnd-0", "rnd-1"] == [c.request.headers["x-api-key"] for c in jc.calls]
    assert {"jumpcloud": 2.0, "negative_cache": 0.0, "ip_budget": 3.0} == await app.rejections()


async def test_a_malformed_token_is_not_charged_to_the_address(proxy: Callable[..., Proxy], jc: respx.Router) -> None:
    """A token the handler refuses unsent (a space, non-ASCII) gets its 401 even from an address out of budget."""
    app = proxy(auth_failures_per_ip=1)
    await app.at().get("/scim/v2/Users", params=FIND, headers=bearer("rnd-0"))

    answers = [
        await app.at().get("/scim/v2/Users", params=FIND, headers={"Authorization": value})
        for value in (b"Bearer two words", "Bearer caf\u00e9".encode())
    ]

    assert [401, 401] == [a.status_code for a in answers]
    assert {"The bearer token is not a well-formed JumpCloud API key"} == {a.json()["detail"] for a in answers}
    assert ["rnd-0"] == [c.request.headers["x-api-key"] for c in jc.calls]
    assert {"jumpcloud": 1.0, "negative_cache": 0.0, "ip_budget": 0.0} == await app.rejections()


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
