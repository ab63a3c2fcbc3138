"""Figures from raw samples, the targets of issue 6, and the JSON + markdown report."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

PROXY_PREFIX = "proxy-"
# Which bare forwarder carries the same HTTP client as each proxy way (for the CPU ratio).
SAME_CLIENT_FORWARDER = {"proxy-httpx": "fwd-httpx", "proxy-aiohttp": "fwd-httpx-aiohttp"}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarize(raw: dict[str, Any], *, server: str | None) -> dict[str, Any]:
    """Throughput, latency percentiles, error count and CPU per request of one loadgen result."""
    samples = raw["samples"]
    latencies = [ms for _, ms, _ in samples]
    ok = sum(1 for _, _, status in samples if 200 <= status < 300)
    n = len(samples)
    by_op: dict[str, list[float]] = {}
    for op, ms, _ in samples:
        by_op.setdefault(op, []).append(ms)
    cpu = raw["cpu_s"]
    out: dict[str, Any] = {
        "requests": n,
        "errors": n - ok,
        "wall_s": round(raw["wall_s"], 3),
        "throughput_rps": round(n / raw["wall_s"], 1) if raw["wall_s"] > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 50), 3),
        "p95_ms": round(percentile(latencies, 95), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "mean_ms": round(statistics.fmean(latencies), 3) if latencies else 0.0,
        "p50_ms_by_op": {op: round(percentile(v, 50), 3) for op, v in sorted(by_op.items())},
        "emulator_cpu_ms_per_req": round(1000 * cpu.get("emulator", 0.0) / max(1, n), 4),
        "server_cpu_ms_per_req": round(1000 * cpu[server] / max(1, n), 4) if server in cpu else None,
        "server_cpu_percent": round(100 * cpu[server] / raw["wall_s"], 2) if server in cpu else None,
        "client": raw.get("client"),
    }
    return out


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """PASS/FAIL per target of issue 6 (points 2 and 4), with the measured figure."""
    targets: list[dict[str, Any]] = []
    levels = results["levels"]
    proxies = [w for w in results["ways"] if w.startswith(PROXY_PREFIX)]

    def add(name: str, way: str, value: Any, limit: str, ok: bool | None) -> None:
        verdict = "n/a" if ok is None else ("PASS" if ok else "FAIL")
        targets.append({"target": name, "way": way, "measured": value, "limit": limit, "verdict": verdict})

    for way in proxies:
        calls = results["calls_per_op"].get(way, {})
        worst = max(calls.values(), default=None)
        shown = ", ".join(f"{op} {v:.2f}" for op, v in calls.items())
        add(
            "upstream calls per operation = 1.00",
            way,
            shown,
            "1.00 each",
            all(v == 1.0 for v in calls.values()) and bool(calls) and worst == 1.0,
        )
    c10 = next((lvl for lvl in levels if lvl["concurrency"] == 10), None)
    if c10 is not None:
        runs = c10["runs"]
        for way in proxies:
            if way not in runs or "direct" not in runs:
                continue
            added50 = runs[way]["p50_ms"] - runs["direct"]["p50_ms"]
            added99 = runs[way]["p99_ms"] - runs["direct"]["p99_ms"]
            add("proxy-added p50 at c=10", way, f"{added50:.2f} ms", "<= 1 ms", added50 <= 1.0)
            add("proxy-added p99 at c=10", way, f"{added99:.2f} ms", "<= 5 ms", added99 <= 5.0)
            fwd = SAME_CLIENT_FORWARDER.get(way)
            if fwd in runs and runs[fwd]["server_cpu_ms_per_req"]:
                ratio = runs[way]["server_cpu_ms_per_req"] / runs[fwd]["server_cpu_ms_per_req"]
                add(f"CPU/request vs {fwd} at c=10", way, f"{100 * ratio:.0f} %", "<= 115 %", ratio <= 1.15)
            if "fwd-aiohttp" in runs:
                share = runs[way]["throughput_rps"] / runs["fwd-aiohttp"]["throughput_rps"]
                add("throughput vs fwd-aiohttp at c=10", way, f"{100 * share:.0f} %", ">= 50 %", share >= 0.5)
    for way, paced in results.get("paced", {}).items():
        add(
            f"{paced['rate']:g} rps at {paced['latency_ms']:g} ms upstream latency",
            way,
            f"{paced['server_cpu_percent']:.1f} % of a core, {paced['throughput_rps']:.1f} rps, "
            f"{paced['errors']} errors",
            "< 10 % of a core",
            paced["server_cpu_percent"] < 10 and paced["errors"] == 0,
        )
    for way, soak in results.get("soak", {}).items():
        add(
            "RSS growth per 100,000 requests",
            way,
            f"{soak['growth_per_100k_mb']:.1f} MB ({soak['growth_mb']:.1f} MB over {soak['measured_requests']} requests"
            + (", extrapolated)" if soak["measured_requests"] < 100_000 else ")"),
            "<= 10 MB",
            soak["growth_per_100k_mb"] <= 10,
        )
    startup = results.get("startup")
    if startup:
        add(
            "start-up to /healthz 200",
            "scim-proxy serve",
            f"{startup['median_s']:.2f} s (max {startup['max_s']:.2f})",
            "< 1 s",
            startup["median_s"] < 1.0,
        )
    return targets


def markdown(results: dict[str, Any]) -> str:
    """The tables: one row per (level, way), then calls per operation, then the targets."""
    lines = [
        f"# scim-proxy benchmark ({results['config']['requests']} requests per way and level, "
        f"loop={results['config']['server_loop']}, http={results['config']['server_http']})",
        "",
        "| c | way | rps | p50 ms | p95 ms | p99 ms | +p50 vs direct | +p99 vs direct | server CPU ms/req "
        "| emulator CPU ms/req | peak RSS MB | upstream/op | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in results["levels"]:
        runs = level["runs"]
        direct = runs.get("direct")
        for way, run in runs.items():
            added50 = f"{run['p50_ms'] - direct['p50_ms']:+.2f}" if direct and way != "direct" else ""
            added99 = f"{run['p99_ms'] - direct['p99_ms']:+.2f}" if direct and way != "direct" else ""
            cpu = run["server_cpu_ms_per_req"]
            lines.append(
                f"| {level['concurrency']} | {way} | {run['throughput_rps']:.0f} | {run['p50_ms']:.2f} "
                f"| {run['p95_ms']:.2f} | {run['p99_ms']:.2f} | {added50} | {added99} "
                f"| {'' if cpu is None else f'{cpu:.3f}'} | {run['emulator_cpu_ms_per_req']:.3f} "
                f"| {run.get('peak_rss_mb') or ''} | {run['upstream_per_op']:.2f} | {run['errors']} |"
            )
    lines += ["", "Upstream calls per SCIM operation (isolated, concurrency 1):", ""]
    ops = sorted({op for calls in results["calls_per_op"].values() for op in calls})
    lines += ["| way | " + " | ".join(ops) + " |", "|---|" + "---:|" * len(ops)]
    for way, calls in results["calls_per_op"].items():
        lines.append(f"| {way} | " + " | ".join(f"{calls.get(op, 0):.2f}" for op in ops) + " |")
    lines += ["", "| target | way | measured | limit | verdict |", "|---|---|---|---|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['target']} | {t['way']} | {t['measured']} | {t['limit']} | **{t['verdict']}** |")
    if results.get("notes"):
        lines += ["", *[f"- {note}" for note in results["notes"]]]
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], out: Path) -> str:
    """Write bench.json and bench.md into `out`; return the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (out / "bench.md").write_text(text)
    return text
