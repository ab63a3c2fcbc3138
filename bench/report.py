"""Figures from raw loadgen samples, and the JSON + markdown report (targets: bench/targets.py).

`python -m bench.report DIR` renders DIR/bench.md again from DIR/bench.json (targets re-judged).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from . import targets

PROXY_PREFIX = "proxy-"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarize(raw: dict[str, Any], *, server: str | None) -> dict[str, Any]:
    """Throughput, latency percentiles, errors and CPU per request (server's and upstream's) of one result."""
    samples = raw["samples"]
    latencies = [ms for _, ms, _ in samples]
    ok = sum(1 for _, _, status in samples if 200 <= status < 300)
    n = len(samples)
    by_op: dict[str, list[float]] = {}
    for op, ms, _ in samples:
        by_op.setdefault(op, []).append(ms)
    cpu = raw["cpu_s"]
    wall = raw["wall_s"]
    serves = server is not None and "server" in cpu
    return {
        "requests": n,
        "errors": n - ok,
        "wall_s": round(wall, 3),
        "throughput_rps": round(n / wall, 1) if wall > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 50), 3),
        "p95_ms": round(percentile(latencies, 95), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "mean_ms": round(statistics.fmean(latencies), 3) if latencies else 0.0,
        "p50_ms_by_op": {op: round(percentile(v, 50), 3) for op, v in sorted(by_op.items())},
        "upstream_cpu_ms_per_req": round(1000 * cpu.get("upstream", 0.0) / max(1, n), 4),
        "server_cpu_ms_per_req": round(1000 * cpu["server"] / max(1, n), 4) if serves else None,
        "server_cpu_percent": round(100 * cpu["server"] / wall, 2) if serves and wall > 0 else None,
        "client": raw.get("client"),
    }


def _levels_table(section: dict[str, Any]) -> list[str]:
    lines = [
        "| c | way | req/s | p50 ms | p95 ms | p99 ms | +p50 vs direct | +p99 vs direct | server CPU ms/req "
        "| upstream CPU ms/req | peak RSS MB | upstream/op | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in section["levels"]:
        runs = level["runs"]
        direct = runs.get("direct")
        for way, run in runs.items():
            added50 = f"{run['p50_ms'] - direct['p50_ms']:+.2f}" if direct and way != "direct" else ""
            added99 = f"{run['p99_ms'] - direct['p99_ms']:+.2f}" if direct and way != "direct" else ""
            cpu = run["server_cpu_ms_per_req"]
            lines.append(
                f"| {level['concurrency']} | {way} | {run['throughput_rps']:.0f} | {run['p50_ms']:.2f} "
                f"| {run['p95_ms']:.2f} | {run['p99_ms']:.2f} | {added50} | {added99} "
                f"| {'' if cpu is None else f'{cpu:.3f}'} | {run['upstream_cpu_ms_per_req']:.3f} "
                f"| {run.get('peak_rss_mb') or ''} | {run['upstream_per_op']:.2f} | {run['errors']} |"
            )
    ops = sorted({op for calls in section["calls_per_op"].values() for op in calls})
    lines += ["", "Upstream calls per SCIM operation (each operation alone, concurrency 1):", ""]
    lines += ["| way | " + " | ".join(ops) + " |", "|---|" + "---:|" * len(ops)]
    for way, calls in section["calls_per_op"].items():
        lines.append(f"| {way} | " + " | ".join(f"{calls.get(op, 0):.2f}" for op in ops) + " |")
    return lines


def _open_loop(section: dict[str, Any]) -> list[str]:
    open_loop = section.get("open_loop")
    if not open_loop:
        return []
    runs = open_loop["runs"]
    direct = runs.get("direct")
    lines = [
        "",
        f"Open loop: requests sent on a clock at {open_loop['rate']:g} req/s for {open_loop['seconds']:g} s per round "
        "(below saturation, so latency is service time, not queueing):",
        "",
        "| way | req/s | p50 ms | p99 ms | +p50 vs direct | +p99 vs direct | server CPU ms/req | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for way, run in runs.items():
        added50 = f"{run['p50_ms'] - direct['p50_ms']:+.2f}" if direct and way != "direct" else ""
        added99 = f"{run['p99_ms'] - direct['p99_ms']:+.2f}" if direct and way != "direct" else ""
        cpu = run["server_cpu_ms_per_req"]
        lines.append(
            f"| {way} | {run['throughput_rps']:.0f} | {run['p50_ms']:.2f} | {run['p99_ms']:.2f} | {added50} "
            f"| {added99} | {'' if cpu is None else f'{cpu:.3f}'} | {run['errors']} |"
        )
    return lines


def _tenants(section: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    mt = section.get("multitenant")
    if mt:
        lines += [
            "",
            f"{mt['tenants']:,} API keys interleaved vs one key, concurrency {mt['concurrency']}, fresh {mt['way']} "
            "process each:",
            "",
            "| keys | req/s | p50 ms | p99 ms | CPU ms/req | RSS MB after | peak RSS MB | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for case, label in (("single", "1"), ("multi", f"{mt['tenants']:,}")):
            run = mt[case]
            lines.append(
                f"| {label} | {run['throughput_rps']:.0f} | {run['p50_ms']:.2f} | {run['p99_ms']:.2f} "
                f"| {run['server_cpu_ms_per_req']:.3f} | {run['rss_mb']:.1f} | {run['peak_rss_mb']} | {run['errors']} |"
            )
        if mt.get("pairs"):
            throughput = ", ".join(f"{100 * p['throughput_ratio']:.0f}" for p in mt["pairs"])
            cpu = ", ".join(f"{100 * p['cpu_ratio']:.0f}" for p in mt["pairs"])
            lines += [
                "",
                f"Back-to-back pairs, {mt['tenants']:,} keys over one key: throughput {throughput} % "
                f"(median {100 * mt['median_throughput_ratio']:.0f} %); CPU per request {cpu} % "
                f"(median {100 * mt['median_cpu_ratio']:.0f} %).",
            ]
    soak = section.get("soak")
    if soak:
        curve = ", ".join(f"{mb:.1f}" for mb in soak["rss_curve_mb"])
        lines += [
            "",
            f"RSS soak ({soak['tenants']:,} keys rotating): RSS after each chunk of {soak['chunk']:,} requests, "
            f"the first one a warm-up: {curve} MB.",
        ]
    paced = section.get("paced", {})
    for way, run in paced.items():
        lines += [
            "",
            f"Paced: {way} at {run['rate']:g} req/s with {run['latency_ms']:g} ms upstream latency: "
            f"{run['server_cpu_percent']:.1f} % of a core ({run['server_cpu_ms_per_req']:.2f} ms CPU per request), "
            f"p50 {run['p50_ms']:.1f} ms, {run['errors']} errors.",
        ]
    return lines


def _profile(profile: dict[str, Any]) -> list[str]:
    if "cost_centres" not in profile:
        return [profile.get("skipped", "no profile")]
    lines = [
        f"py-spy at {profile['rate_hz']} Hz over a fresh {profile['way']} at concurrency {profile['concurrency']} "
        f"({profile['upstream']} upstream), {profile['samples']:,} CPU samples (idle ones left out). "
        "A cost centre is the first function outside scim_proxy that our innermost frame called.",
        "",
        "| # | cost centre | share of CPU |",
        "|---:|---|---:|",
    ]
    lines += [f"| {i} | `{c['name']}` | {c['percent']:.1f} % |" for i, c in enumerate(profile["cost_centres"], 1)]
    lines += ["", "The same, split by the next package each centre calls into:", "", "| detail | share |", "|---|---:|"]
    lines += [f"| `{c['name']}` | {c['percent']:.1f} % |" for c in profile["details"]]
    lines += ["", "Self time by package of the innermost frame:", "", "| package | share |", "|---|---:|"]
    lines += [f"| {p['name']} | {p['percent']:.1f} % |" for p in profile["packages"]]
    return lines


def markdown(results: dict[str, Any]) -> str:
    """Targets first, then each mode's tables, start-up, the profile and capacity."""
    config = results["config"]
    lines = [
        f"# scim-proxy benchmark ({config['requests']:,} requests per way, level and round, {config['rounds']} "
        f"rounds interleaved; loop={config['server_loop']}, http={config['server_http']}, {config['cpus']} CPUs, "
        f"Python {config['python']})",
        "",
        f"Load average before {config['load_before'][0]:.2f}, after {config['load_after'][0]:.2f} "
        "(other processes share these cores: compare ratios within one run).",
        "",
        "## Targets (issue 17)",
        "",
        "| target | way | measured | limit | verdict |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {t['target']} | {t['way']} | {t['measured']} | {t['limit']} | **{t['verdict']}** |"
        for t in results["targets"]
    ]
    titles = {
        "canned": "Canned upstream ({upstream}): the proxy's own cost",
        "emulator": "Emulator upstream: the realistic mode (the emulator's CPU competes with the proxy's)",
    }
    for mode, section in results["modes"].items():
        lines += ["", "## " + titles[mode].format(upstream=section["upstream"]), "", *_levels_table(section)]
        lines += _open_loop(section) + _tenants(section)
    startups = [s for s in (results.get("startup"), results.get("startup_checkout")) if s]
    if startups:
        lines += ["", "## Start-up", ""]
    for startup in startups:
        runs = ", ".join(f"{s:.2f}" for s in startup["runs_s"])
        cpu = ", ".join(f"{s:.2f}" for s in startup["cpu_runs_s"])
        ready = ", ".join(f"{s:.2f}" for s in startup.get("ready_runs_s", []))
        lines += [
            f"- {startup.get('install', 'this checkout')}: `python -m scim_proxy serve` to /healthz 200: {runs} s; "
            f"CPU time the process had used by then: {cpu} s (the difference is waiting for a core)"
            + (f"; to /readyz 200 (the JumpCloud client built): {ready} s." if ready else "."),
        ]
    if len(startups) > 1:
        lines += [
            "",
            "The image's install is judged: this checkout's .venv holds the dev packages httpx and structlog "
            "then import (rich, pygments), and where PYTHONDONTWRITEBYTECODE is set (as on the bench machine) "
            "it compiles every module at every start.",
        ]
    if "profile" in results:
        lines += ["", "## Profile", "", *_profile(results["profile"])]
    capacity = targets.capacity(results)
    if capacity:
        lines += ["", "## Capacity on paper", "", *targets.capacity_lines(capacity)]
    if results.get("notes"):
        lines += ["", *[f"- {note}" for note in results["notes"]]]
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], out: Path) -> str:
    """Write bench.json and bench.md into `out`; return the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    results["capacity"] = targets.capacity(results)
    (out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (out / "bench.md").write_text(text)
    return text


def main(argv: list[str]) -> int:
    (folder,) = argv
    out = Path(folder)
    results = json.loads((out / "bench.json").read_text())
    results["targets"] = targets.evaluate(results)
    print(write(results, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
