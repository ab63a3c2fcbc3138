"""Heavy failed-auth and fan-out attacks (issue 11, items 2 and 4), for `make attack`.

Each attack is a plain function `attack(proxy_url, upstream_calls, **sizes) -> row`:
`proxy_url` is the proxy's base URL (http://host:port), `upstream_calls()` reads how many
requests the stand-in JumpCloud has received so far. While the attack runs, a probe from a
tenant whose key works (`probe_token`, accepted by the stand-in) sends one search at a time;
the row says what the attack got back, how many JumpCloud calls it caused (the probe's own
calls subtracted) and the probe's worst latency:

    {"attack": ..., "answer": "401 x1990, 429 x10", "upstream_calls": 10, "probe_ms": 12.3,
     "probe_answers": "200 x57"}

`python -m tests.security.attacks_auth [--proxy-src DIR]` runs them all, each against a fresh
proxy process (this checkout's, or the one under DIR, e.g. an export of main for a "before"
figure) in front of the JumpCloud emulator in a process of its own, everything on loopback,
and prints the table. Sizes are the issue's; the tests in test_auth_attacks.py run the same functions small.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from devtools.emulator import DEFAULT_API_KEY

Row = dict[str, Any]
UpstreamCalls = Callable[[], int]

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_ID = "6026da081f24755306c2ee0d"
_SEARCH = {"filter": 'userName eq "attack-probe"'}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def summary(statuses: list[int | str]) -> str:
    """`401 x1990, 429 x10`: how often each answer came back."""
    counts = Counter(statuses)
    return ", ".join(f"{status} x{counts[status]}" for status in sorted(counts, key=str))


class _Probe:
    """A working tenant's searches, one at a time, from a thread of its own while the attack runs.

    Its own thread and connection: measured from the attacker's event loop, the probe would
    time the attacker's own backlog rather than the proxy.
    """

    def __init__(self, proxy_url: str, token: str, rss: Callable[[], int] | None) -> None:
        self._client = httpx.Client(base_url=proxy_url, headers=bearer(token), timeout=120)
        self._rss = rss
        self.latencies: list[float] = []
        self.statuses: list[int | str] = []
        self.peak_rss = rss() if rss else 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """One search first, so the proxy has seen the tenant's key work (as it would in production), then probe."""
        self._client.get("/scim/v2/Users", params=_SEARCH)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                status: int | str = self._client.get("/scim/v2/Users", params=_SEARCH).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.statuses.append(status)
            if self._rss:
                self.peak_rss = max(self.peak_rss, self._rss())
            self._stop.wait(0.02)

    def stop(self) -> None:
        """End the probing after its search in flight, so every JumpCloud call it caused is counted."""
        self._stop.set()
        self._thread.join(timeout=180)
        self._client.close()

    def upstream_calls(self) -> int:
        return sum(1 for s in self.statuses if s == 200)  # each answered search is one JumpCloud call


async def _attack(
    name: str,
    proxy_url: str,
    upstream_calls: UpstreamCalls,
    send: Callable[[httpx.AsyncClient], Awaitable[list[int | str]]],
    *,
    concurrency: int,
    probe_token: str,
    proxy_rss: Callable[[], int] | None,
) -> Row:
    probe = _Probe(proxy_url, probe_token, proxy_rss)
    before = upstream_calls()
    probe.start()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    try:
        async with httpx.AsyncClient(base_url=proxy_url, limits=limits, timeout=120) as client:
            statuses = await send(client)
    finally:
        probe.stop()
    row: Row = {
        "attack": name,
        "answer": summary(statuses),
        "upstream_calls": upstream_calls() - before - 1 - probe.upstream_calls(),  # 1: the warm-up search
        "probe_ms": round(max(probe.latencies), 1),
        "probe_answers": summary(probe.statuses),
    }
    if proxy_rss:
        row["proxy_peak_rss_mb"] = round(probe.peak_rss / 2**20)
    return row


async def _send_all(requests: list[Callable[[], Awaitable[httpx.Response]]], concurrency: int) -> list[int | str]:
    gate = asyncio.Semaphore(concurrency)

    async def one(request: Callable[[], Awaitable[httpx.Response]]) -> int | str:
        async with gate:
            try:
                return (await request()).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

    return list(await asyncio.gather(*(one(r) for r in requests)))


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
        return await _send_all(
            [
                lambda: client.get("/scim/v2/Users", params=_SEARCH, headers=bearer(secrets.token_hex(20)))
                for _ in range(count)
            ],
            concurrency,
        )

    name = f"{count:,} random tokens"
    coro = _attack(
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
        return await _send_all(
            [lambda: client.get("/scim/v2/Users", params=_SEARCH, headers=bearer(token)) for _ in range(count)], count
        )

    name = f"one wrong token x{count:,} in parallel"
    coro = _attack(
        name, proxy_url, upstream_calls, send, concurrency=count, probe_token=probe_token, proxy_rss=proxy_rss
    )
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
        return await _send_all([patch] * parallel, parallel)

    name = f"{parallel} group PATCHes x{members:,} member ids ({len(body) / 2**20:.2f} MiB), wrong key"
    coro = _attack(
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
        return await _send_all(
            [lambda: client.get("/scim/v2/Users", params=_SEARCH, headers=headers()) for _ in range(count)], count
        )

    name = f"{count:,} random tokens{' from as many addresses' if spread else ''}, slow JumpCloud, tenant probing"
    coro = _attack(
        name, proxy_url, upstream_calls, send, concurrency=count, probe_token=probe_token, proxy_rss=proxy_rss
    )
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _process(argv: list[str], health: str, *, source: str | None = None) -> Iterator[Callable[[], int]]:
    """A server in its own process until the block ends (ready when `health` answers 200); yields an RSS reader."""
    import psutil

    env = {**os.environ, "SCIM_PROXY_LOG_LEVEL": "error"}
    if source:
        env["PYTHONPATH"] = source
    # cwd: `-m` puts it first on sys.path, so it decides which scim_proxy runs.
    process = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
        [sys.executable, *argv], env=env, cwd=source or None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{argv[1]} did not start")
        handle = psutil.Process(process.pid)
        yield lambda: int(handle.memory_info().rss)
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_all(source: str | None = None) -> list[Row]:
    """Every attack against a fresh proxy process, in front of the emulator in a process of its own.

    The emulator is `bench.serve emulator` (the emulator with /_bench/counters and /_bench/latency).
    """
    emulator_port = _free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"

    def upstream_calls() -> int:
        total: int = httpx.post(f"{emulator}/_bench/counters", timeout=30).json()["total"]
        return total

    rows = []
    emulator_argv = ["-m", "bench.serve", "emulator", "--port", str(emulator_port)]
    with _process(emulator_argv, f"{emulator}/_bench/health"):
        for attack, sizes, latency in ATTACKS:
            httpx.post(f"{emulator}/_bench/latency", json={"seconds": latency}, timeout=30)
            port = _free_port()
            proxy_argv = ["-m", "scim_proxy", "serve", "--port", str(port), "--jumpcloud-url", emulator]
            with _process(proxy_argv, f"http://127.0.0.1:{port}/readyz", source=source) as rss:
                rows.append(attack(f"http://127.0.0.1:{port}", upstream_calls, proxy_rss=rss, **sizes))
            print(f"  done: {rows[-1]['attack']}", file=sys.stderr)
    return rows


def table(rows: list[Row]) -> str:
    """The rows as a markdown table."""
    columns = ["attack", "answer", "upstream_calls", "probe_ms", "probe_answers", "proxy_peak_rss_mb"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.security.attacks_auth", description=__doc__)
    parser.add_argument("--proxy-src", help="run the proxy from this source tree (e.g. an export of main)")
    args = parser.parse_args(argv)
    print(table(run_all(args.proxy_src)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
