"""The load generator, in its own process: `python -m bench.loadgen SPEC.json OUT.json`.

SPEC holds the base URL, the form to send (`scim` or `jc`), the headers, the operations,
and either a concurrency (closed loop: N workers, each sends its next request when the
previous answered) or a rate and duration (open loop, paced). The first `warmup`
operations are sent before measuring. With `keys` N > 0, operation i carries API key
i mod N (`tenant_key`), so N tenants' requests interleave as they would through one replica.
It samples the CPU time of the server processes (`pids`) itself, around the measured
window, so the window is exact.
Uses aiohttp's client when installed (cheaper per request than httpx), else httpx.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import psutil


async def _session(spec: dict[str, Any]) -> Any:
    try:
        import aiohttp
    except ImportError:
        import httpx

        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
        return "httpx", httpx.AsyncClient(base_url=spec["base"], limits=limits, timeout=60.0)
    connector = aiohttp.TCPConnector(limit=0)
    return "aiohttp", aiohttp.ClientSession(base_url=spec["base"], connector=connector)


async def _send(kind: str, client: Any, request: dict[str, Any], extra: dict[str, str]) -> int:
    headers = {**request["headers"], **extra}
    body = request.get("body")
    data = body.encode() if body is not None else None
    if kind == "aiohttp":
        async with client.request(request["method"], request["path"], data=data, headers=headers) as answer:
            await answer.read()
            return int(answer.status)
    answer = await client.request(request["method"], request["path"], content=data, headers=headers)
    return int(answer.status_code)


def tenant_key(index: int) -> str:
    """The API key of bench tenant `index` (the canned upstream accepts any key)."""
    return f"bench-tenant-{index:05d}"


def tenant_address(index: int) -> str:
    """The client address of bench tenant `index` (10.0.0.0/8), as a trusted ingress forwards it."""
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


def _key_headers(spec: dict[str, Any]) -> list[dict[str, str]]:
    """One header set per tenant key, built before measuring (the loadgen spends no CPU on them).

    With `forwarded`, each tenant also comes from its own address (X-Forwarded-For, which the
    proxy trusts from 127.0.0.1): tenants are separate Entra instances, and from one address the
    proxy's failed-auth budget (issue 11) answers 429 to most keys it has not seen accepted yet.
    """
    keys = int(spec.get("keys") or 0)
    forwarded = bool(spec.get("forwarded"))
    sets = []
    for i in range(max(1, keys)):
        headers = dict(spec["headers"])
        if keys > 0 and spec["form"] == "scim":
            headers["authorization"] = f"Bearer {tenant_key(i)}"
        elif keys > 0:
            headers["x-api-key"] = tenant_key(i)
        if forwarded:
            headers["x-forwarded-for"] = tenant_address(i)
        sets.append(headers)
    return sets


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    out = {}
    for name, pid in pids.items():
        times = psutil.Process(pid).cpu_times()
        out[name] = times.user + times.system
    return out


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    kind, client = await _session(spec)
    form = spec["form"]
    ops = spec["ops"]
    key_headers = _key_headers(spec)
    for index, op in enumerate(ops):
        op["extra"] = key_headers[index % len(key_headers)]
    warmup = int(spec.get("warmup", 0))
    samples: list[tuple[str, float, int]] = []

    async def one(op: dict[str, Any], record: bool) -> None:
        started = time.perf_counter()
        try:
            status = await _send(kind, client, op[form], op["extra"])
        except Exception:  # a failed request is a result, not a crash of the bench
            status = 0
        if record:
            samples.append((op["op"], (time.perf_counter() - started) * 1000, status))

    async def closed(batch: list[dict[str, Any]], concurrency: int, record: bool) -> None:
        position = iter(batch)

        async def worker() -> None:
            for op in position:
                await one(op, record)

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))

    async def paced(batch: list[dict[str, Any]], rate: float, duration: float) -> None:
        start = time.perf_counter()
        tasks = []
        for index, op in enumerate(batch):
            due = start + index / rate
            if due - start >= duration:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(op, True)))
        await asyncio.gather(*tasks)

    try:
        concurrency = int(spec.get("concurrency") or 1)
        if warmup:
            await closed(ops[:warmup], concurrency, False)
        pids = {k: int(v) for k, v in spec.get("pids", {}).items()}
        cpu_before = _cpu(pids)
        started = time.perf_counter()
        if spec.get("rate"):
            await paced(ops[warmup:], float(spec["rate"]), float(spec["duration"]))
        else:
            await closed(ops[warmup:], concurrency, True)
        wall = time.perf_counter() - started
        cpu_after = _cpu(pids)
    finally:
        if kind == "aiohttp":
            await client.close()
        else:
            await client.aclose()
    return {
        "client": kind,
        "wall_s": wall,
        "cpu_s": {name: cpu_after[name] - cpu_before[name] for name in pids},
        "samples": samples,
    }


def main(argv: list[str]) -> int:
    spec_path, out_path = argv
    with open(spec_path) as f:
        spec = json.load(f)
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(spec))
    with open(out_path, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
