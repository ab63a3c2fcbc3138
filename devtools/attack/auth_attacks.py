"""Attacks 2 and 4: wrong keys by the thousand, and group fan-out with a wrong key.

Those that reach JumpCloud run once each, on a proxy and an emulator of their own (`Stack`),
with a working tenant as the probe. The failed-auth defence keeps state by design: keys
JumpCloud rejected (60 s) and, per client address, the keys JumpCloud rejected (10 per 60 s).
On the shared proxy, the 2,000 random tokens from 127.0.0.1 would leave the next rows' wrong
keys answered 429 by the address budget (the "one wrong token x500" row would never show that
500 parallel uses cost one call, and the shared rows' own bad tokens would meet 429 instead of
what they test). Faking a different address per row (X-Forwarded-For from the runner) would
hide the same thing the other way round: an attacker on the internet cannot pick its address,
so only the botnet row, which models many addresses, has its proxy trust X-Forwarded-For from
the runner (standing for a reverse proxy that passes on each client's address).

The PATCHes over the member cap run on the shared proxy, repeated: they are refused before any
JumpCloud call, so they leave no state, and repeating them gives the probe time to see what
three at once, and one alone, cost the other clients.

The sizes are the issue's; tests/security/test_auth_attacks.py runs the same functions small.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable

import httpx

from devtools.attack.probe import SEARCH
from devtools.attack.registry import Outcome, Stack, Target, attack, statuses
from devtools.entra_sim import PATCH_OP
from scim_proxy.settings import Settings

SLOW_JUMPCLOUD = Stack(jumpcloud_latency=0.5)
BEHIND_A_REVERSE_PROXY = Stack(jumpcloud_latency=0.5, proxy_args=("--forwarded-allow-ips", "127.0.0.1"))
MEMBER_CAP = Settings().max_group_members  # the proxy's default
SPRAY, SLOW = "1,200 random tokens at once", "JumpCloud 500 ms a call"


Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


Answer = int | str  # a status, or the name of the transport error that came instead


async def _send(target: Target, requests: Iterable[Request], concurrency: int) -> list[Answer]:
    """Each request's answer, at most `concurrency` in flight on as many connections."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)

    async def one(client: httpx.AsyncClient, request: Request) -> Answer:
        async with gate:
            try:
                return (await request(client)).status_code
            except httpx.RemoteProtocolError:
                return "closed"  # before any answer: the proxy's connection cap (1,000) closing idle ones
            except httpx.TransportError as exc:
                return type(exc).__name__

    async with httpx.AsyncClient(base_url=target.url, limits=limits, timeout=120) as client:
        return list(await asyncio.gather(*(one(client, r) for r in requests)))


def _within(answers: list[Answer], *allowed: Answer) -> Outcome:
    return Outcome(statuses(answers), all(answer in allowed for answer in answers))


def _address(number: int) -> str:
    """The `number`th address of 10.0.0.0/8, so that every request of a spread spray has its own."""
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


@attack(4, "2,000 random tokens, 50 at a time, one address", stack=Stack(), max_calls=10)
async def random_tokens(target: Target, *, count: int = 2_000, concurrency: int = 50) -> Outcome:
    """Each search with a fresh random token: JumpCloud sees the address's budget, the rest is 429."""

    def search(client: httpx.AsyncClient) -> Awaitable[httpx.Response]:
        return client.get("/scim/v2/Users", params=SEARCH, headers=_bearer(secrets.token_hex(20)))

    return _within(await _send(target, (search for _ in range(count)), concurrency), 401, 429)


@attack(4, "one wrong token x500 in parallel", stack=Stack(), max_calls=1)
async def one_wrong_token(target: Target, *, count: int = 500) -> Outcome:
    """The same wrong token `count` times at once: one JumpCloud call decides them all."""
    headers = _bearer(secrets.token_hex(20))

    def search(client: httpx.AsyncClient) -> Awaitable[httpx.Response]:
        return client.get("/scim/v2/Users", params=SEARCH, headers=headers)

    return _within(await _send(target, (search for _ in range(count)), count), 401)


def group_patch_body(members: int) -> bytes:
    """An Entra-shaped PATCH adding `members` random user ids (25,641 of them make about 1 MiB)."""
    value = [{"value": secrets.token_hex(12)} for _ in range(members)]
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": value}]}
    return json.dumps(body, separators=(",", ":")).encode()


@attack(2, "1 group PATCH x1,000 member ids, wrong key", stack=Stack(), max_calls=1, members=1_000, parallel=1)
@attack(2, "1 group PATCH x25,641 member ids (1 MiB), wrong key, one at a time", max_calls=0, parallel=1)
@attack(2, "3 group PATCHes x25,641 member ids (1 MiB each) at once, wrong key", max_calls=0)
async def group_fan_out(target: Target, *, members: int = 25_641, parallel: int = 3) -> Outcome:
    """`parallel` PATCHes at once, each adding `members` random ids to the group, with one wrong key:
    over the member cap 400 before any call; within it, the first 401 stops the fan-out."""
    body = group_patch_body(members)
    headers = {**_bearer(secrets.token_hex(20)), "content-type": "application/scim+json"}

    def patch(client: httpx.AsyncClient) -> Awaitable[httpx.Response]:
        return client.patch(f"/scim/v2/Groups/{target.group_id}", content=body, headers=headers)

    allowed = 400 if members > MEMBER_CAP else 401
    return _within(await _send(target, (patch for _ in range(parallel)), parallel), allowed)


@attack(4, f"{SPRAY} from 1,200 addresses, {SLOW}", stack=BEHIND_A_REVERSE_PROXY, max_calls=1_200, spread=True)
@attack(4, f"{SPRAY}, {SLOW}", stack=SLOW_JUMPCLOUD, max_calls=10)
async def random_tokens_at_once(target: Target, *, count: int = 1_200, spread: bool = False) -> Outcome:
    """`count` random-token searches all at once against a slow JumpCloud while the probe tenant works.

    `spread`: each request names its own client address in X-Forwarded-For, as a botnet's would
    arrive through a reverse proxy; the per-address budget cannot help, the share of calls in
    flight for keys not yet accepted (then 503) must.
    """

    def search(number: int) -> Request:
        headers = _bearer(secrets.token_hex(20))
        if spread:
            headers["X-Forwarded-For"] = _address(number + 1)
        return lambda client: client.get("/scim/v2/Users", params=SEARCH, headers=headers)

    return _within(await _send(target, (search(n) for n in range(count)), count), 401, 429, 503, "closed")
