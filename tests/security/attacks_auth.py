"""Heavy failed-auth and fan-out attacks (issue 11, items 2 and 4), for `make attack`.

Each attack is a plain function `attack(proxy_url, upstream_calls, **sizes) -> row`:
`proxy_url` is the proxy's base URL (http://host:port), `upstream_calls()` reads how many
requests the stand-in JumpCloud has received so far. While the attack runs, a probe from a
tenant whose key works (`probe_token`, accepted by the stand-in) sends one search at a time;
the row says what the attack got back, how many JumpCloud calls it caused (the probe's own
calls subtracted) and the probe's worst latency:

    {"attack": ..., "answer": "401 x10, 429 x1990", "upstream_calls": 10, "probe_ms": 12.3,
     "probe_p50_ms": 4.1, "probe_answers": "200 x57"}   (probe_ms: the worst probe latency)

`python -m tests.security.attacks_auth [--proxy-src DIR]` runs them all, each against a fresh
proxy process (this checkout's, or the one under DIR, e.g. an export of main for a "before"
figure) in front of the JumpCloud emulator in a process of its own, everything on loopback,
and prints the table. Sizes are the issue's; test_auth_attacks.py runs the same functions
small. The probe, the driver and the process handling live in attack_harness.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from collections.abc import Callable
from typing import Any

import httpx

from devtools.emulator import DEFAULT_API_KEY
from tests.security.attack_harness import (
    SEARCH,
    Row,
    UpstreamCalls,
    bearer,
    drive,
    free_port,
    send_all,
    server_process,
    table,
)

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_ID = "6026da081f24755306c2ee0d"


def random_tokens(
    proxy_url: str,
    upstream_calls: UpstreamCalls,
    *,
    count: int = 2000,
    concurrency: int = 50,
    probe_token: str = DEFAULT_API_KEY,
    proxy_rss: Callable[[], int] | None = None,
) -> Row:
    """`count` searches, each with a fresh random token, `concurrency` at a time, from one address."""

    async def send(client: httpx.AsyncClient) -> list[int | str]:
        return await send_all(
            [
                lambda: client.get("/scim/v2/Users", params=SEARCH, headers=bearer(secrets.token_hex(20)))
                for _ in range(count)
            ],
            concurrency,
        )

    name = f"{count:,} random tokens"
    coro = drive(
        name, proxy_url, upstream_calls, send, concurrency=concurrency, probe_token=probe_token, proxy_rss=proxy_rss
    )
    return asyncio.run(coro)


def one_wrong_token(
    proxy_url: str,
    upstream_calls: UpstreamCalls,
    *,
    count: int = 500,
    probe_token: str = DEFAULT_API_KEY,
    proxy_rss: Callable[[], int] | None = None,
) -> Row:
    """The same wrong token `count` times, all at once."""
    token = secrets.token_hex(20)

    async def send(client: httpx.AsyncClient) -> list[int | str]:
        return await send_all(
            [lambda: client.get("/scim/v2/Users", params=SEARCH, headers=bearer(token)) for _ in range(count)], count
        )

    name = f"one wrong token x{count:,} in parallel"
    coro = drive(name, proxy_url, upstream_calls, send, concurrency=count, probe_token=probe_token, proxy_rss=proxy_rss)
    return asyncio.run(coro)


def group_patch_body(members: int) -> bytes:
    """An Entra-shaped PATCH adding `members` random user ids (25,641 of them make about 1 MiB)."""
    value = [{"value": secrets.token_hex(12)} for _ in range(members)]
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": value}]}
    return json.dumps(body, separators=(",", ":")).encode()


def group_fan_out_wrong_key(
    proxy_url: str,
    upstream_calls: UpstreamCalls,
    *,
    members: int = 25_641,
    parallel: int = 3,
    probe_token: str = DEFAULT_API_KEY,
    proxy_rss: Callable[[], int] | None = None,
) -> Row:
    """`parallel` PATCHes at once, each adding `members` random member ids to a group, with a wrong key."""
    body = group_patch_body(members)
    headers = {**bearer(secrets.token_hex(20)), "content-type": "application/scim+json"}

    async def send(client: httpx.AsyncClient) -> list[int | str]:
        patch = lambda: client.patch(f"/scim/v2/Groups/{GROUP_ID}", content=body, headers=headers)  # noqa: E731
        return await send_all([patch] * parallel, parallel)

    name = f"{parallel} group PATCHes x{members:,} member ids ({len(body) / 2**20:.2f} MiB), wrong key"
    coro = drive(
        name, proxy_url, upstream_calls, send, concurrency=parallel, probe_token=probe_token, proxy_rss=proxy_rss
    )
    return asyncio.run(coro)


def random_tokens_while_tenant_works(
    proxy_url: str,
    upstream_calls: UpstreamCalls,
    *,
    count: int = 1200,
    spread: bool = False,
    probe_token: str = DEFAULT_API_KEY,
    proxy_rss: Callable[[], int] | None = None,
) -> Row:
    """`count` random tokens all at once while the probe tenant works (run it with a slow JumpCloud).

    `spread`: each request claims its own client address (X-Forwarded-For, which the proxy
    trusts from loopback), as a botnet would; the per-address budget then cannot help.
    """

    def headers() -> dict[str, str]:
        found = bearer(secrets.token_hex(20))
        if spread:
            found["X-Forwarded-For"] = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
        return found

    async def send(client: httpx.AsyncClient) -> list[int | str]:
        return await send_all(
            [lambda: client.get("/scim/v2/Users", params=SEARCH, headers=headers()) for _ in range(count)], count
        )

    name = f"{count:,} random tokens{' from as many addresses' if spread else ''}, slow JumpCloud, tenant probing"
    coro = drive(name, proxy_url, upstream_calls, send, concurrency=count, probe_token=probe_token, proxy_rss=proxy_rss)
    return asyncio.run(coro)


# -- running them: `python -m tests.security.attacks_auth` ----------------------------------------

SLOW_JUMPCLOUD = 0.5  # seconds each emulator answer takes in the slow scenarios

ATTACKS: list[tuple[Callable[..., Row], dict[str, Any], float]] = [
    (random_tokens, {}, 0.0),
    (one_wrong_token, {}, 0.0),
    (group_fan_out_wrong_key, {}, 0.0),
    (group_fan_out_wrong_key, {"members": 1000, "parallel": 1}, 0.0),
    (random_tokens_while_tenant_works, {}, SLOW_JUMPCLOUD),
    (random_tokens_while_tenant_works, {"spread": True}, SLOW_JUMPCLOUD),
]


def run_all(source: str | None = None) -> list[Row]:
    """Every attack against a fresh proxy process, in front of the emulator in a process of its own.

    The emulator is `bench.serve emulator` (the emulator with /_bench/counters and /_bench/latency).
    """
    emulator_port = free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"

    def upstream_calls() -> int:
        total: int = httpx.post(f"{emulator}/_bench/counters", timeout=30).json()["total"]
        return total

    rows = []
    emulator_argv = ["-m", "bench.serve", "emulator", "--port", str(emulator_port)]
    with server_process(emulator_argv, f"{emulator}/_bench/health"):
        for attack, sizes, latency in ATTACKS:
            httpx.post(f"{emulator}/_bench/latency", json={"seconds": latency}, timeout=30)
            port = free_port()
            proxy_argv = ["-m", "scim_proxy", "serve", "--port", str(port), "--jumpcloud-url", emulator]
            with server_process(proxy_argv, f"http://127.0.0.1:{port}/readyz", source=source) as rss:
                rows.append(attack(f"http://127.0.0.1:{port}", upstream_calls, proxy_rss=rss, **sizes))
            print(f"  done: {rows[-1]['attack']}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.security.attacks_auth", description=__doc__)
    parser.add_argument("--proxy-src", help="run the proxy from this source tree (e.g. an export of main)")
    args = parser.parse_args(argv)
    print(table(run_all(args.proxy_src)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
