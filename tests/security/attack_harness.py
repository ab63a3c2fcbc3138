"""The machinery of attacks_auth.py: a probing tenant, the attack driver, server processes, the table.

An attack sends its requests from one event loop; the probe, a tenant whose key works,
searches one request at a time from a thread and connection of its own (timed from the
attacker's loop, it would time the attacker's backlog rather than the proxy).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

Row = dict[str, Any]
UpstreamCalls = Callable[[], int]
SEARCH = {"filter": 'userName eq "attack-probe"'}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def summary(statuses: list[int | str]) -> str:
    """`401 x1990, 429 x10`: how often each answer came back."""
    counts = Counter(statuses)
    return ", ".join(f"{status} x{counts[status]}" for status in sorted(counts, key=str))


class Probe:
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
        self._client.get("/scim/v2/Users", params=SEARCH)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                status: int | str = self._client.get("/scim/v2/Users", params=SEARCH).status_code
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


async def drive(
    name: str,
    proxy_url: str,
    upstream_calls: UpstreamCalls,
    send: Callable[[httpx.AsyncClient], Awaitable[list[int | str]]],
    *,
    concurrency: int,
    probe_token: str,
    proxy_rss: Callable[[], int] | None,
) -> Row:
    """Run `send` (the attack's requests) while the probe works; the row of what came back and what it cost."""
    probe = Probe(proxy_url, probe_token, proxy_rss)
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
        "probe_p50_ms": round(statistics.median(probe.latencies), 1),
        "probe_answers": summary(probe.statuses),
    }
    if proxy_rss:
        row["proxy_peak_rss_mb"] = round(probe.peak_rss / 2**20)
    return row


async def send_all(requests: list[Callable[[], Awaitable[httpx.Response]]], concurrency: int) -> list[int | str]:
    """Each request's status (or transport error name), at most `concurrency` in flight."""
    gate = asyncio.Semaphore(concurrency)

    async def one(request: Callable[[], Awaitable[httpx.Response]]) -> int | str:
        async with gate:
            try:
                return (await request()).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

    return list(await asyncio.gather(*(one(r) for r in requests)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server_process(argv: list[str], health: str, *, source: str | None = None) -> Iterator[Callable[[], int]]:
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


def table(rows: list[Row]) -> str:
    """The rows as a markdown table."""
    columns = ["attack", "answer", "upstream_calls", "probe_ms", "probe_p50_ms", "probe_answers", "proxy_peak_rss_mb"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)
