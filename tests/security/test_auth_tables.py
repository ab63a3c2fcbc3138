"""The failed-auth tables on their own: rejected and accepted keys, the per-address budget, the call limiter.

Each takes a clock, so time moves by assignment here, never by sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx

from scim_proxy.errors import UpstreamBusy
from scim_proxy.jumpcloud import models as models_module
from scim_proxy.jumpcloud.budget import CallLimiter
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.jumpcloud.verdicts import KeyRejected, KeyVerdicts, key_digest
from scim_proxy.web.auth_guard import FailedAuthBudget, client_key

from ..helpers import API_KEY, JC_URL, USER_ID, jc_user


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


KEY = key_digest("some-key", None)
ORG_ID = "5f0c0ffee000000000000042"


# -- KeyVerdicts -----------------------------------------------------------------------------------


def test_a_rejected_key_is_remembered_for_the_ttl_then_forgotten() -> None:
    """A 401 marks the key rejected for `ttl` seconds; afterwards it is unknown again (an admin may have fixed it)."""
    clock = Clock()
    verdicts = KeyVerdicts(ttl=60, clock=clock)

    verdicts.learn(KEY, 401)
    remembered = verdicts.is_rejected(KEY)
    clock.now += 59.9
    still = verdicts.is_rejected(KEY)
    clock.now += 0.2

    assert (True, True, False) == (remembered, still, verdicts.is_rejected(KEY))
    assert (0, 0) == verdicts.sizes()


@pytest.mark.parametrize("status", [200, 201, 204, 403, 404, 409])
def test_answers_that_show_the_key_works_accept_it(status: int) -> None:
    """A success, 403 (the role, not the key), 404 or 409 shows JumpCloud authenticated the key."""
    verdicts = KeyVerdicts()

    verdicts.learn(KEY, status)

    assert (True, False) == (verdicts.is_accepted(KEY), verdicts.is_rejected(KEY))


@pytest.mark.parametrize("status", [400, 422, 429, 500, 502, 503, 504])
def test_throttling_malformed_requests_and_server_errors_decide_nothing(status: int) -> None:
    """A 400, 422, 429 or 5xx may come before the key is looked at: it stays unknown."""
    verdicts = KeyVerdicts()

    verdicts.learn(KEY, status)

    assert (False, False) == (verdicts.is_accepted(KEY), verdicts.is_rejected(KEY))


def test_a_key_that_worked_and_is_then_rejected_moves_to_the_rejected_table() -> None:
    """A revoked key loses its accepted standing at the first 401."""
    verdicts = KeyVerdicts()
    verdicts.learn(KEY, 200)

    verdicts.learn(KEY, 401)

    assert (False, True) == (verdicts.is_accepted(KEY), verdicts.is_rejected(KEY))


def test_random_keys_cannot_grow_the_tables_beyond_their_size() -> None:
    """10,000 distinct rejected keys leave at most `max_entries` in memory, the newest ones."""
    verdicts = KeyVerdicts(max_entries=100)
    keys = [key_digest(f"random-{n}", None) for n in range(10_000)]

    for key in keys:
        verdicts.learn(key, 401)

    assert (100, 0) == verdicts.sizes()
    assert verdicts.is_rejected(keys[-1]) and not verdicts.is_rejected(keys[0])


def test_a_multi_tenant_key_is_judged_per_org() -> None:
    """The same key with two org ids is two credentials; neither is the bare key."""
    assert len({key_digest("k", "a" * 24), key_digest("k", "b" * 24), key_digest("k", None)}) == 3


async def test_one_call_decides_and_the_others_wait_for_its_verdict() -> None:
    """While one call tries an unknown key, others wait; a 401 then fails them all without a turn of their own."""
    verdicts = KeyVerdicts()
    assert await verdicts.wait_turn(KEY, timeout=5)  # this call decides
    waiters = [asyncio.create_task(verdicts.wait_turn(KEY, timeout=5)) for _ in range(3)]
    for _ in range(100):
        if verdicts.waiting(KEY) == 3:
            break
        await asyncio.sleep(0)
    waiting = verdicts.waiting(KEY)

    verdicts.learn(KEY, 401)
    verdicts.done(KEY)
    results = await asyncio.gather(*waiters, return_exceptions=True)

    assert 3 == waiting
    assert [KeyRejected] * 3 == [type(r) for r in results]
    assert 0 == verdicts.waiting(KEY)


async def test_an_accepting_verdict_lets_every_waiter_go_at_once() -> None:
    """After the deciding call succeeds, the waiters proceed as calls with an accepted key (no more deciding)."""
    verdicts = KeyVerdicts()
    assert await verdicts.wait_turn(KEY, timeout=5)
    waiters = [asyncio.create_task(verdicts.wait_turn(KEY, timeout=5)) for _ in range(3)]
    await asyncio.sleep(0)
    waiting = verdicts.waiting(KEY)

    verdicts.learn(KEY, 200)
    verdicts.done(KEY)

    assert (3, [False, False, False]) == (waiting, await asyncio.gather(*waiters))


async def test_an_undecided_call_hands_the_decision_to_one_waiter() -> None:
    """A deciding call that ends in a 5xx or timeout lets exactly one waiter decide next."""
    verdicts = KeyVerdicts()
    assert await verdicts.wait_turn(KEY, timeout=5)
    waiters = [asyncio.create_task(verdicts.wait_turn(KEY, timeout=5)) for _ in range(2)]
    await asyncio.sleep(0)

    verdicts.learn(KEY, 503)
    verdicts.done(KEY)
    done, pending = await asyncio.wait(waiters, timeout=5, return_when=asyncio.FIRST_COMPLETED)

    assert [True] == [task.result() for task in done]
    assert 1 == len(pending) and 1 == verdicts.waiting(KEY)
    verdicts.learn(KEY, 200)
    verdicts.done(KEY)
    assert [False] == [await task for task in pending]


async def test_waiting_on_one_unknown_key_is_bounded() -> None:
    """Beyond `max_waiters` calls waiting on the same unknown key, the next is refused with 503 at once."""
    verdicts = KeyVerdicts(max_waiters=2)
    assert await verdicts.wait_turn(KEY, timeout=5)
    waiters = [asyncio.create_task(verdicts.wait_turn(KEY, timeout=5)) for _ in range(2)]
    await asyncio.sleep(0)

    with pytest.raises(UpstreamBusy):
        await verdicts.wait_turn(KEY, timeout=5)
    verdicts.learn(KEY, 200)
    verdicts.done(KEY)
    await asyncio.gather(*waiters)


async def test_a_credential_is_hashed_when_made_not_for_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Key and org id are hashed once, into Credentials (the key alone once more, for the per-key
    limiter); each JumpCloud call reuses them, and the key is judged under the guard's digest."""
    hashed: list[bytes] = []

    def sha256(data: bytes) -> Any:
        hashed.append(data)
        return hashlib.sha256(data)

    monkeypatch.setattr(models_module, "hashlib", SimpleNamespace(sha256=sha256))
    router = respx.Router(base_url=JC_URL, assert_all_mocked=True)
    route = router.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())
    client = JumpCloudClient(httpx.AsyncClient(base_url=JC_URL, transport=httpx.MockTransport(router.async_handler)))
    auth = Credentials(API_KEY, org_id=ORG_ID)

    async with client.http:
        for _ in range(3):
            await JumpCloudUsers(client).get_user(USER_ID, auth=auth)

    assert (3, 2) == (route.call_count, len(hashed))
    assert ORG_ID == route.calls.last.request.headers["x-org-id"]
    monkeypatch.undo()
    assert client.verdicts.is_accepted(key_digest(API_KEY, ORG_ID))


# -- FailedAuthBudget -----------------------------------------------------------------------------


def keys(count: int) -> list[bytes]:
    return [key_digest(f"k{n}", None) for n in range(count)]


def test_an_address_out_of_failures_waits_for_the_end_of_its_window() -> None:
    """After `limit` rejected keys, a new key from that address is refused with the seconds left in the window."""
    clock = Clock()
    failures = FailedAuthBudget(limit=3, window=60, max_clients=10, clock=clock)
    for key in keys(3):
        assert failures.admit("198.51.100.7", key) is None
        failures.release("198.51.100.7", key)
        failures.record_failure("198.51.100.7")
    clock.now += 20

    assert 40 == failures.admit("198.51.100.7", key_digest("next", None))
    assert failures.admit("203.0.113.9", key_digest("next", None)) is None  # another address is not affected
    clock.now += 40
    assert failures.admit("198.51.100.7", key_digest("next", None)) is None  # a new window


def test_keys_being_tried_count_against_the_budget() -> None:
    """An address may try at most `limit` distinct unknown keys at once; the same key again is no new attempt."""
    failures = FailedAuthBudget(limit=2, window=60, max_clients=10, clock=Clock())
    first, second, third = keys(3)

    admitted = [failures.admit("a", first), failures.admit("a", first), failures.admit("a", second)]
    refused = failures.admit("a", third)
    failures.release("a", second)

    assert [None, None, None] == admitted
    assert 1 == refused  # moments: the keys in flight are about to be decided
    assert failures.admit("a", third) is None


def test_the_address_table_is_bounded() -> None:
    """A million addresses leave at most `max_clients` entries; releasing a dropped one is harmless."""
    failures = FailedAuthBudget(limit=1, window=60, max_clients=50, clock=Clock())
    for n in range(5_000):
        failures.admit(f"10.0.{n // 256}.{n % 256}", KEY)

    failures.release("10.0.0.0", KEY)

    assert 50 == len(failures)


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        (None, "unknown"),
        ("not-an-address:x", "not-an-address:x"),
    ],
)
def test_ipv6_clients_are_counted_per_64(host: str | None, key: str) -> None:
    """IPv6 addresses in one /64 share a budget (one subscriber holds the block); IPv4 addresses are their own."""
    assert key == client_key(host)


# -- CallLimiter ----------------------------------------------------------------------------------


async def test_unverified_keys_get_only_their_share_of_the_slots() -> None:
    """With 2 of 4 slots for unverified keys, a third unverified call waits while a verified call goes through."""
    limiter = CallLimiter(4, 2, 10)
    release = asyncio.Event()

    async def hold(verified: bool) -> None:
        async with limiter.slot(verified=verified, timeout=10):
            await release.wait()

    unverified = [asyncio.create_task(hold(False)) for _ in range(3)]
    for _ in range(100):
        await asyncio.sleep(0)
    in_share = (limiter.in_flight, limiter.unverified_in_flight)
    async with limiter.slot(verified=True, timeout=10):
        with_verified = limiter.in_flight
    release.set()
    await asyncio.gather(*unverified)

    assert (2, 2) == in_share
    assert 3 == with_verified
    assert (0, 0) == (limiter.in_flight, limiter.unverified_in_flight)


async def test_the_unverified_queue_is_bounded() -> None:
    """With the unverified share taken and `max_queued` calls waiting, the next unverified call gets 503 at once."""
    limiter = CallLimiter(10, 1, 1)
    release = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot(verified=False, timeout=10):
            await release.wait()

    held = [asyncio.create_task(hold()) for _ in range(2)]  # one in flight, one queued
    for _ in range(100):
        await asyncio.sleep(0)

    with pytest.raises(UpstreamBusy):
        async with limiter.slot(verified=False, timeout=10):
            pass
    release.set()
    await asyncio.gather(*held)
