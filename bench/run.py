"""`python -m bench.run`: the side-by-side benchmark of issue 6.

Starts the emulator, the proxy (one process per upstream client) and the bare forwarders,
each in its own process on 127.0.0.1; for every concurrency level drives the same
Entra-shaped operations through every way, in turn, from a separate load-generator
process; then the paced 25 rps scenario, the RSS soak, start-up timing and an optional
profile. Writes bench-results/bench.json and bench.md and prints the markdown.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from . import report, workload
from .processes import ROOT, Server, child_env, free_port

# way -> (server kind or None for direct, upstream client, request form)
WAYS: dict[str, tuple[str | None, str, str]] = {
    "direct": (None, "", "jc"),
    "proxy-httpx": ("proxy", "httpx", "scim"),
    "proxy-aiohttp": ("proxy", "aiohttp", "scim"),
    "fwd-httpx": ("forwarder", "httpx", "jc"),
    "fwd-httpx-aiohttp": ("forwarder", "httpx-aiohttp", "jc"),
    "fwd-aiohttp": ("forwarder", "aiohttp", "jc"),
}
# ways whose client library is optional (issue 6 point 4), and the module each needs
_NEEDS = {"proxy-aiohttp": "httpx_aiohttp", "fwd-httpx-aiohttp": "httpx_aiohttp", "fwd-aiohttp": "aiohttp"}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix="scim-bench-"))
        self.servers: dict[str, Server] = {}
        self.emulator: Server | None = None
        self.ctl = httpx.Client(timeout=60.0)

    # -- processes -------------------------------------------------------------------------------

    def _spawn(self, name: str, kind: str, *extra: str, profile: str = "") -> tuple[Server, str]:
        port = free_port()
        argv = [sys.executable, "-m", "bench.serve", kind, "--port", str(port), *extra]
        argv += ["--loop", self.args.loop, "--http", self.args.http]
        if profile:
            argv += ["--profile", profile]
        base = f"http://127.0.0.1:{port}"
        health = f"{base}/_bench/health" if kind == "emulator" else f"{base}/healthz"
        return Server(name, argv, health, log=self.out / "servers.log"), base

    def start(self, ways: list[str]) -> dict[str, str]:
        self.emulator, emu = self._spawn("emulator", "emulator")
        self.emu = emu
        bases = {"direct": emu}
        for way in ways:
            kind, client, _ = WAYS[way]
            if kind is None:
                continue
            server, base = self._spawn(way, kind, "--upstream", emu, "--client", client)
            self.servers[way], bases[way] = server, base
        return bases

    def stop(self) -> None:
        for server in [*self.servers.values(), self.emulator]:
            if server is not None:
                server.stop()

    # -- emulator control -------------------------------------------------------------------------

    def control(self, action: str, **args: Any) -> Any:
        return self.ctl.post(f"{self.emu}/_bench/{action}", json=args).raise_for_status().json()

    def prepare(self, kinds: list[str], *, seed: int, tag: str) -> list[dict[str, Any]]:
        """Reset the emulator, seed the pools the plan needs, and build its operations."""
        self.control("reset")
        deletes = kinds.count("delete")
        users = self.control("seed", count=self.args.live_users + deletes, tag="s")
        live, doomed = users[: self.args.live_users], users[self.args.live_users :]
        return workload.build(kinds, live=live, doomed=doomed, run_tag=tag, seed=seed)

    # -- one load-generator run -------------------------------------------------------------------

    def drive(self, way: str, base: str, ops: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
        _, _, form = WAYS[way]
        headers = (
            {"authorization": f"Bearer {workload.API_KEY}"}
            if form == "scim"
            else {"x-api-key": workload.API_KEY, "accept": "application/json"}
        )
        pids = {"emulator": self.emulator.pid} if self.emulator else {}
        if way in self.servers:
            pids[way] = self.servers[way].pid
        spec = {"base": base, "form": form, "headers": headers, "ops": ops, "pids": pids, **spec}
        spec_path, out_path = self.tmp / "spec.json", self.tmp / "out.json"
        spec_path.write_text(json.dumps(spec))
        subprocess.run(  # noqa: S603 -- our own interpreter and module
            [sys.executable, "-m", "bench.loadgen", str(spec_path), str(out_path)],
            env=child_env(),
            cwd=ROOT,
            check=True,
            timeout=self.args.run_timeout,
        )
        raw: dict[str, Any] = json.loads(out_path.read_text())
        return report.summarize(raw, server=way if way in self.servers else None)

    # -- scenarios --------------------------------------------------------------------------------

    def levels(self, ways: list[str], bases: dict[str, str], mix: dict[str, float]) -> list[dict[str, Any]]:
        levels = []
        for concurrency in self.args.levels:
            kinds = workload.plan(mix, self.args.warmup + self.args.requests, seed=self.args.seed + concurrency)
            runs: dict[str, Any] = {}
            for way in ways:
                ops = self.prepare(kinds, seed=self.args.seed, tag=f"c{concurrency}")
                run = self.drive(way, bases[way], ops, concurrency=concurrency, warmup=self.args.warmup)
                counters = self.control("counters")
                run["upstream_calls"] = counters["total"]
                run["upstream_per_op"] = round(counters["total"] / len(kinds), 4)
                run["upstream_by_route"] = counters["routes"]
                run["ops"] = workload.counts(kinds)
                if way in self.servers:
                    run["peak_rss_mb"] = self.servers[way].peak_rss_mb()
                runs[way] = run
                print(
                    f"  c={concurrency:<3} {way:<18} {run['throughput_rps']:>7.0f} rps  p50 {run['p50_ms']:.2f} ms  "
                    f"p99 {run['p99_ms']:.2f} ms  errors {run['errors']}",
                    file=sys.stderr,
                )
            levels.append({"concurrency": concurrency, "runs": runs})
        return levels

    def calls_per_op(self, ways: list[str], bases: dict[str, str], mix: dict[str, float]) -> dict[str, Any]:
        """Each operation of the mix alone, `--isolated` times, at concurrency 1: upstream calls / ops."""
        out: dict[str, Any] = {}
        for way in ways:
            _, _, form = WAYS[way]
            headers = (
                {"authorization": f"Bearer {workload.API_KEY}"}
                if form == "scim"
                else {"x-api-key": workload.API_KEY, "accept": "application/json"}
            )
            calls = {}
            with httpx.Client(base_url=bases[way], headers=headers, timeout=30.0) as client:
                for op in [o for o in workload.OPERATIONS if mix.get(o, 0) > 0]:
                    ops = self.prepare([op] * self.args.isolated, seed=self.args.seed, tag="i")
                    for item in ops:
                        request = item[form]
                        answer = client.request(
                            request["method"], request["path"], content=request.get("body"), headers=request["headers"]
                        )
                        if answer.status_code >= 300:
                            raise RuntimeError(f"{way} {op}: HTTP {answer.status_code} {answer.text[:200]}")
                    calls[op] = round(self.control("counters")["total"] / len(ops), 4)
            out[way] = calls
        return out

    def paced(self, ways: list[str], bases: dict[str, str], mix: dict[str, float]) -> dict[str, Any]:
        """Open loop at `--paced-rate` rps for `--paced-seconds` with `--paced-latency` s upstream latency."""
        out = {}
        total = int(self.args.paced_rate * self.args.paced_seconds)
        kinds = workload.plan(mix, total, seed=self.args.seed + 1000)
        for way in ways:
            ops = self.prepare(kinds, seed=self.args.seed, tag="p")
            self.control("latency", seconds=self.args.paced_latency)
            try:
                run = self.drive(way, bases[way], ops, rate=self.args.paced_rate, duration=self.args.paced_seconds)
            finally:
                self.control("latency", seconds=0)
            run["rate"], run["latency_ms"] = self.args.paced_rate, 1000 * self.args.paced_latency
            out[way] = run
        return out

    def soak(self, ways: list[str], bases: dict[str, str], mix: dict[str, float]) -> dict[str, Any]:
        """RSS of each proxy after a warm-up chunk and after `--soak-requests` more, in chunks."""
        out = {}
        chunk = min(self.args.soak_chunk, self.args.soak_requests)
        chunks = max(1, self.args.soak_requests // chunk)
        for way in ways:
            server = self.servers[way]
            curve = []
            for index in range(chunks + 1):  # chunk 0 warms up; growth is measured after it
                kinds = workload.plan(mix, chunk, seed=self.args.seed + 2000 + index)
                ops = self.prepare(kinds, seed=self.args.seed + index, tag=f"k{index}")
                self.drive(way, bases[way], ops, concurrency=self.args.soak_concurrency)
                curve.append(server.rss_mb())
            measured = chunk * chunks
            growth = curve[-1] - curve[0]
            out[way] = {
                "rss_curve_mb": curve,
                "chunk": chunk,
                "measured_requests": measured,
                "growth_mb": round(growth, 2),
                "growth_per_100k_mb": round(max(0.0, growth) * 100_000 / measured, 2),
            }
        return out

    def startup(self) -> dict[str, Any]:
        """Spawn `python -m scim_proxy serve` (the production CLI) and time /healthz, a few times."""
        times = []
        for _ in range(self.args.startup_runs):
            port = free_port()
            argv = [sys.executable, "-m", "scim_proxy", "serve", "--port", str(port), "--jumpcloud-url", self.emu]
            server = Server("startup", argv, f"http://127.0.0.1:{port}/healthz", log=self.out / "servers.log")
            times.append(server.started_s)
            server.stop()
        return {"runs_s": [round(t, 3) for t in times], "median_s": statistics.median(times), "max_s": max(times)}

    def profile(self, mix: dict[str, float], client: str) -> str:
        """pyinstrument over a fresh proxy at concurrency 10; returns the text profile."""
        path = self.out / f"profile-proxy-{client}.txt"
        server, base = self._spawn("profile", "proxy", "--upstream", self.emu, "--client", client, profile=str(path))
        try:
            kinds = workload.plan(mix, self.args.requests, seed=self.args.seed + 3000)
            ops = self.prepare(kinds, seed=self.args.seed, tag="f")
            self.servers["profile"] = server
            self.drive("profile", base, ops, concurrency=10)
        finally:
            self.servers.pop("profile", None)
            server.stop()
        return path.read_text() if path.exists() else ""


WAYS["profile"] = ("proxy", "", "scim")


def _available(way: str) -> bool:
    module = _NEEDS.get(way)
    return module is None or importlib.util.find_spec(module) is not None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.run", description=__doc__)
    p.add_argument("--requests", type=int, default=2000, help="measured requests per way and level")
    p.add_argument("--warmup", type=int, default=100, help="unmeasured requests before each run")
    p.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[1, 10, 50])
    p.add_argument("--ways", default=",".join(w for w in WAYS if w != "profile"), help="comma-separated")
    p.add_argument("--mix", default="", help="e.g. get_filter=45,post=20,patch=25,get_id=5,delete=5")
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--live-users", type=int, default=200, help="seeded users looked up, patched and read")
    p.add_argument("--isolated", type=int, default=20, help="requests per operation for calls-per-operation")
    p.add_argument("--paced-rate", type=float, default=25.0)
    p.add_argument("--paced-seconds", type=float, default=20.0, help="0 skips the paced scenario")
    p.add_argument("--paced-latency", type=float, default=0.1, help="emulator latency, seconds")
    p.add_argument("--soak-requests", type=int, default=20_000, help="0 skips the RSS soak")
    p.add_argument("--soak-chunk", type=int, default=5_000)
    p.add_argument("--soak-concurrency", type=int, default=10)
    p.add_argument("--startup-runs", type=int, default=5, help="0 skips start-up timing")
    p.add_argument("--profile", action="store_true", help="profile each proxy way with pyinstrument")
    p.add_argument("--loop", default="auto", help="uvicorn loop for every server: auto, asyncio, uvloop")
    p.add_argument("--http", default="auto", help="uvicorn HTTP parser for every server: auto, h11, httptools")
    p.add_argument("--run-timeout", type=float, default=600.0)
    p.add_argument("--out", default=str(ROOT / "bench-results"))
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mix = workload.parse_mix(args.mix)
    wanted = [w.strip() for w in args.ways.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in WAYS]
    if unknown:
        raise SystemExit(f"unknown ways {unknown}; known: {', '.join(WAYS)}")
    ways = [w for w in wanted if _available(w)]
    notes = [f"way {w} skipped: its client library is not installed" for w in wanted if w not in ways]
    proxies = [w for w in ways if w.startswith(report.PROXY_PREFIX)]
    uvicorn_loop = args.loop if args.loop != "auto" else ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio")
    uvicorn_http = (
        args.http if args.http != "auto" else ("httptools" if importlib.util.find_spec("httptools") else "h11")
    )
    bench = Bench(args)
    results: dict[str, Any] = {
        "config": {
            **{k: v for k, v in vars(args).items() if k not in {"out"}},
            "mix": mix,
            "server_loop": uvicorn_loop,
            "server_http": uvicorn_http,
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "ways": ways,
        "notes": notes,
    }
    try:
        bases = bench.start(ways)
        results["server_startup_s"] = {w: round(s.started_s, 3) for w, s in bench.servers.items()}
        results["calls_per_op"] = bench.calls_per_op(ways, bases, mix)
        results["levels"] = bench.levels(ways, bases, mix)
        if args.paced_seconds > 0 and proxies:
            results["paced"] = bench.paced(proxies, bases, mix)
        if args.soak_requests > 0 and proxies:
            results["soak"] = bench.soak(proxies, bases, mix)
            if args.soak_requests < 100_000:
                results["notes"].append(
                    f"RSS growth measured over {args.soak_requests} requests after a warm-up chunk and "
                    "extrapolated linearly to 100,000 (run with --soak-requests 100000 to measure it)"
                )
        if args.startup_runs > 0:
            results["startup"] = bench.startup()
        if args.profile:
            results["profiles"] = {}
            for way in proxies:
                text = bench.profile(mix, WAYS[way][1])
                results["profiles"][way] = text[:20000]
    finally:
        bench.stop()
    results["targets"] = report.evaluate(results)
    print(report.write(results, Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
