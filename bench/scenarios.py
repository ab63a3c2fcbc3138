"""The bench's scenarios, each over one upstream (bench.upstreams) and the servers of one mode.

Every scenario drives the same Entra-shaped operations (bench.workload) from a separate
load-generator process and reads the servers' CPU time and RSS from the outside.
Runs of several ways at one level are interleaved in rounds (way order rotated each round)
and merged, so noise from the shared machine falls on every way alike.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx

from devtools.servers import free_port

from . import report, workload
from .processes import ROOT, Server, installed_env

if TYPE_CHECKING:
    from .run import Bench
    from .upstreams import Upstream


def merge(raws: list[dict[str, Any]]) -> dict[str, Any]:
    """Several loadgen results of one way as one: samples joined, wall and CPU times added."""
    cpu: dict[str, float] = {}
    for raw in raws:
        for name, seconds in raw["cpu_s"].items():
            cpu[name] = cpu.get(name, 0.0) + seconds
    return {
        "client": raws[0]["client"],
        "wall_s": sum(raw["wall_s"] for raw in raws),
        "cpu_s": cpu,
        "samples": [sample for raw in raws for sample in raw["samples"]],
    }


def _log(label: str, run: dict[str, Any]) -> None:
    print(
        f"  {label:<34} {run['throughput_rps']:>7.0f} rps  p50 {run['p50_ms']:.2f} ms  p99 {run['p99_ms']:.2f} ms  "
        f"cpu {run['server_cpu_ms_per_req'] or 0:.3f} ms/req  errors {run['errors']}",
        file=sys.stderr,
    )


def levels(
    bench: Bench, up: Upstream, bases: dict[str, str], mix: dict[str, float], *, levels: list[int]
) -> list[dict[str, Any]]:
    """Every way at every concurrency level, `--rounds` interleaved runs each."""
    args = bench.args
    out = []
    ways = list(bases)
    for concurrency in levels:
        kinds = workload.plan(mix, args.warmup + args.requests, seed=args.seed + concurrency)
        raws: dict[str, list[dict[str, Any]]] = {way: [] for way in ways}
        calls: dict[str, int] = dict.fromkeys(ways, 0)
        for round_no in range(args.rounds):
            shift = round_no % len(ways)
            for way in ways[shift:] + ways[:shift]:
                ops = up.prepare(kinds, seed=args.seed, tag=f"c{concurrency}r{round_no}", live_users=args.live_users)
                raws[way].append(bench.drive(way, bases[way], ops, concurrency=concurrency, warmup=args.warmup))
                calls[way] += up.calls()["total"]
        runs = {}
        for way in ways:
            run = report.summarize(merge(raws[way]), server=way if way in bench.servers else None)
            run["upstream_calls"] = calls[way]
            run["upstream_per_op"] = round(calls[way] / (len(kinds) * args.rounds), 4)
            run["ops"] = workload.counts(kinds)
            if way in bench.servers:
                run["peak_rss_mb"] = bench.servers[way].peak_rss_mb()
            runs[way] = run
            _log(f"{up.name} c={concurrency} {way}", run)
        out.append({"concurrency": concurrency, "runs": runs})
    return out


def calls_per_op(bench: Bench, up: Upstream, bases: dict[str, str], mix: dict[str, float]) -> dict[str, Any]:
    """Each operation of the mix alone, `--isolated` times, at concurrency 1: upstream calls / ops."""
    out: dict[str, Any] = {}
    for way in bases:
        form = bench.form(way)
        calls = {}
        with httpx.Client(base_url=bases[way], headers=bench.auth_headers(form), timeout=30.0) as client:
            for op in [o for o in workload.OPERATIONS if mix.get(o, 0) > 0]:
                ops = up.prepare(
                    [op] * bench.args.isolated, seed=bench.args.seed, tag="i", live_users=bench.args.live_users
                )
                for item in ops:
                    request = item[form]
                    answer = client.request(
                        request["method"], request["path"], content=request.get("body"), headers=request["headers"]
                    )
                    if answer.status_code >= 300:
                        raise RuntimeError(f"{way} {op}: HTTP {answer.status_code} {answer.text[:200]}")
                calls[op] = round(up.calls()["total"] / len(ops), 4)
        out[way] = calls
    return out


def paced(bench: Bench, up: Upstream, bases: dict[str, str], mix: dict[str, float]) -> dict[str, Any]:
    """Open loop at `--paced-rate` rps for `--paced-seconds` with `--paced-latency` s upstream latency."""
    args = bench.args
    out = {}
    kinds = workload.plan(mix, int(args.paced_rate * args.paced_seconds), seed=args.seed + 1000)
    for way in [w for w in bases if w.startswith(report.PROXY_PREFIX)]:
        ops = up.prepare(kinds, seed=args.seed, tag="p", live_users=args.live_users)
        up.set_latency(args.paced_latency)
        try:
            raw = bench.drive(way, bases[way], ops, rate=args.paced_rate, duration=args.paced_seconds)
        finally:
            up.set_latency(0)
        run = report.summarize(raw, server=way)
        run["rate"], run["latency_ms"] = args.paced_rate, 1000 * args.paced_latency
        out[way] = run
    return out


def open_loop(bench: Bench, up: Upstream, bases: dict[str, str], mix: dict[str, float]) -> dict[str, Any]:
    """Every way paced at `--open-rate` req/s (requests arrive on a clock, whatever the answers do).

    A closed loop at concurrency c measures queueing once a server is busy (latency = c / throughput);
    a rate below saturation shows the latency one request adds when it does not wait for others.
    """
    args = bench.args
    total = int(args.open_rate * args.open_seconds)
    kinds = workload.plan(mix, total, seed=args.seed + 5000)
    raws: dict[str, list[dict[str, Any]]] = {way: [] for way in bases}
    for round_no in range(args.rounds):
        for way in bases:
            ops = up.prepare(kinds, seed=args.seed, tag=f"o{round_no}", live_users=args.live_users)
            raws[way].append(bench.drive(way, bases[way], ops, rate=args.open_rate, duration=args.open_seconds))
    runs = {}
    for way, raw in raws.items():
        runs[way] = report.summarize(merge(raw), server=way if way in bench.servers else None)
        _log(f"{up.name} {args.open_rate:g} req/s {way}", runs[way])
    return {"rate": args.open_rate, "seconds": args.open_seconds, "runs": runs}


def multitenant(bench: Bench, up: Upstream, way: str, mix: dict[str, float]) -> dict[str, Any]:
    """One fresh proxy per case (one API key; `--tenants` keys interleaved) at `--tenant-concurrency`.

    Each tenant comes from its own address (loadgen `forwarded`), the one-key case from one too,
    so both pay the same forwarded-header work.

    The cases alternate, `--tenant-rounds` times, in short runs; each pair of back-to-back runs
    gives a ratio (throughput, CPU per request), and the median ratio is the verdict's figure:
    a pair sees the same load from the rest of the machine, where pooled totals would not.
    """
    args = bench.args
    cases = {"single": 0, "multi": args.tenants}
    servers = {case: bench.spawn_proxy(f"{way}-{case}", way, up.base, wait=False) for case in cases}
    kinds = workload.plan(mix, args.warmup + args.tenant_requests, seed=args.seed + 4000)
    raws: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
    try:
        for server, _ in servers.values():
            server.wait()
        for round_no in range(args.tenant_rounds):
            order = list(cases) if round_no % 2 == 0 else list(reversed(cases))
            for case in order:
                server, base = servers[case]
                ops = up.prepare(kinds, seed=args.seed, tag=f"m{round_no}", live_users=args.live_users)
                raws[case].append(
                    bench.drive(
                        way, base, ops, server=server, concurrency=args.tenant_concurrency, warmup=args.warmup,
                        keys=cases[case], forwarded=True,
                    )
                )  # fmt: skip
        out: dict[str, Any] = {"tenants": args.tenants, "concurrency": args.tenant_concurrency, "way": way}
        out["pairs"] = [_pair(single, multi) for single, multi in zip(raws["single"], raws["multi"], strict=True)]
        for key in ("throughput_ratio", "cpu_ratio"):
            out[f"median_{key}"] = round(statistics.median(pair[key] for pair in out["pairs"]), 4)
        for case, (server, _) in servers.items():
            run = report.summarize(merge(raws[case]), server=way)
            run["rss_mb"], run["peak_rss_mb"] = server.rss_mb(), server.peak_rss_mb()
            out[case] = run
            _log(f"{up.name} {case}-key c={args.tenant_concurrency}", run)
        return out
    finally:
        for server, _ in servers.values():
            server.stop()


def _pair(single: dict[str, Any], multi: dict[str, Any]) -> dict[str, float]:
    """Many keys over one key, for one back-to-back pair of runs."""
    one, many = report.summarize(single, server="server"), report.summarize(multi, server="server")
    cpu = (many["server_cpu_ms_per_req"] or 0.0) / (one["server_cpu_ms_per_req"] or float("inf"))
    return {
        "throughput_ratio": round(many["throughput_rps"] / one["throughput_rps"], 4),
        "cpu_ratio": round(cpu, 4),
    }


def soak(bench: Bench, up: Upstream, way: str, mix: dict[str, float]) -> dict[str, Any]:
    """RSS of a fresh proxy after a warm-up chunk and after `--soak-requests` more, `--tenants` keys rotating."""
    args = bench.args
    chunk = min(args.soak_chunk, args.soak_requests)
    chunks = max(1, args.soak_requests // chunk)
    server, base = bench.spawn_proxy(f"{way}-soak", way, up.base)
    curve = []
    try:
        for index in range(chunks + 1):  # chunk 0 warms up; growth is measured after it
            kinds = workload.plan(mix, chunk, seed=args.seed + 2000 + index)
            ops = up.prepare(kinds, seed=args.seed + index, tag=f"k{index}", live_users=args.live_users)
            bench.drive(
                way, base, ops, server=server, concurrency=args.soak_concurrency, keys=args.tenants, forwarded=True
            )
            curve.append(server.rss_mb())
    finally:
        server.stop()
    measured = chunk * chunks
    growth = curve[-1] - curve[0]
    return {
        "way": way,
        "tenants": args.tenants,
        "rss_curve_mb": curve,
        "chunk": chunk,
        "measured_requests": measured,
        "growth_mb": round(growth, 2),
        "growth_per_100k_mb": round(max(0.0, growth) * 100_000 / measured, 2),
    }


def startup(bench: Bench, upstream_url: str, *, python: str, install: str) -> dict[str, Any]:
    """Spawn `python -m scim_proxy serve` (the production CLI) with `python`; time /healthz 200, then /readyz."""
    times, cpu, ready = [], [], []
    # Another interpreter runs outside the checkout, so that it imports its own installed package.
    env, cwd = (installed_env(), bench.tmp) if python != sys.executable else (None, ROOT)
    for _ in range(bench.args.startup_runs):
        port = free_port()
        argv = [python, "-m", "scim_proxy", "serve", "--port", str(port), "--jumpcloud-url", upstream_url]
        server = Server("startup", argv, f"http://127.0.0.1:{port}/healthz", log=bench.log, env=env, cwd=cwd)
        times.append(server.started_s)
        cpu.append(server.started_cpu_s)
        ready.append(server.started_s + _until_ready(f"http://127.0.0.1:{port}/readyz"))
        server.stop()
    return {
        "install": install,
        "python": python,
        "runs_s": [round(t, 3) for t in times],
        "median_s": statistics.median(times),
        "max_s": max(times),
        "cpu_runs_s": [round(t, 3) for t in cpu],
        "median_cpu_s": statistics.median(cpu),
        "ready_runs_s": [round(t, 3) for t in ready],
        "median_ready_s": statistics.median(ready),
    }


def _until_ready(url: str, timeout: float = 30.0) -> float:
    """Seconds until `url` answers 200 (readiness: the JumpCloud client is built)."""
    began = time.perf_counter()
    while httpx.get(url, timeout=1.0).status_code != 200:
        if time.perf_counter() - began > timeout:
            raise RuntimeError(f"{url} never answered 200")
        time.sleep(0.005)
    return time.perf_counter() - began
