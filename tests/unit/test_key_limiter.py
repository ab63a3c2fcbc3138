"""KeyLimiter (jumpcloud/budget.py): per API key, at most `limit` calls run and `max_queued` wait."""

from __future__ import annotations

import asyncio

import pytest

from scim_proxy.errors import UpstreamBusy
from scim_proxy.jumpcloud.budget import KeyLimiter
from scim_proxy.jumpcloud.models import Credentials


async def test_key_limiter_bounds_in_flight_calls_and_queue() -> None:
    """At most `limit` holders per key run at once; past limit + queue, callers get 503 at once."""
    limiter = KeyLimiter(limit=2, max_queued=1)
    key_a, key_b = Credentials("key-a").key_id, Credentials("key-b").key_id
    running, peak, release = [0], [0], asyncio.Event()

    async def hold() -> None:
        async with limiter.slot(key_a):
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            await release.wait()
            running[0] -= 1

    async def take(key: str) -> None:
        async with limiter.slot(key):
            pass

    tasks = [asyncio.create_task(hold()) for _ in range(3)]
    for _ in range(100):  # bounded: the three tasks take their turns, two run and one queues
        await asyncio.sleep(0)
    held = (running[0], limiter.in_flight())
    fourth, other_key = asyncio.create_task(take(key_a)), asyncio.create_task(take(key_b))
    for _ in range(100):  # neither may wait: the fourth is refused at once, another key is not held back
        await asyncio.sleep(0)
    settled = (fourth.done(), other_key.done())
    fourth.cancel()  # a no-op once settled; else it would wait for a slot and never end
    release.set()
    await asyncio.gather(*tasks)

    assert ((2, 2), 2, (True, True)) == (held, peak[0], settled)
    with pytest.raises(UpstreamBusy, match="Too many JumpCloud calls"):
        fourth.result()
    assert 0 == limiter.in_flight()
