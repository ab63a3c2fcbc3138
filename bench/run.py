"""`python -m bench.run`: the benchmark of issues 6 and 17 (`make bench`).

Two modes, one after the other, each server in its own process on 127.0.0.1:
- `canned`: nginx answering recorded JumpCloud bodies (bench.canned), so the figures are the
  proxy's own: the concurrency levels (proxy, straight to the upstream, bare forwarders),
  upstream calls per operation, the 1,000-key scenario, the RSS soak, start-up and a py-spy
  profile. The targets of issue 17 are judged here.
- `emulator`: the JumpCloud emulator, the realistic mode (real searches and deletes, and
  upstream latency for the paced 25 rps scenario).
Writes bench.json and bench.md into --out (default bench-results/latest) and prints the markdown.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from devtools.emulator import DEFAULT_API_KEY
from devtools.servers import free_port

from . import profiling, report, scenarios, targets, workload
from .canned import nginx_binary
from .processes import ROOT, Server, child_env
from .upstreams import Canned, Emulator, Upstream

# way -> (server kind or None for straight to the upstream, upstream client, request form)
WAYS: dict[str, tuple[str | None, str, str]] = {
    "direct": (None, "", "jc"),
    "proxy-httpx": ("proxy", "httpx", "scim"),
    "proxy-aiohttp": ("proxy", "aiohttp", "scim"),
    "proxy-httptools": ("proxy", "httptools", "scim"),
    "fwd-httpx": ("forwarder", "httpx", "jc"),
    "fwd-httpx-aiohttp": ("forwarder", "httpx-aiohttp", "jc"),
    "fwd-httpx-httptools": ("forwarder", "httpx-httptools", "jc"),
    "fwd-aiohttp": ("forwarder", "aiohttp", "jc"),
}
_NEEDS = {"proxy-aiohttp": "httpx_aiohttp", "fwd-httpx-aiohttp": "httpx_aiohttp", "fwd-aiohttp": "aiohttp"}
PRODUCTION_PYTHON = ROOT / ".tools" / "prod-venv" / "bin" / "python"  # `make bench-prod-venv`
MODES = ("canned", "emulator")


class Bench:
    """The processes of one bench run and the one way to drive load through them."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="scim-bench-"))
        self.log = self.tmp / "servers.log"
        self.servers: dict[str, Server] = {}
        self.upstream: Upstream | None = None

    def spawn(self, name: str, kind: str, *extra: str, wait: bool = True) -> tuple[Server, str]:
        port = free_port()
        argv = [sys.executable, "-m", "bench.serve", kind, "--port", str(port), *extra]
        argv += ["--loop", self.args.loop, "--http", self.args.http]
        base = f"http://127.0.0.1:{port}"
        health = f"{base}/_bench/health" if kind == "emulator" else f"{base}/healthz"
        return Server(name, argv, health, log=self.log, wait=wait), base

    def spawn_proxy(self, name: str, way: str, upstream: str, *, wait: bool = True) -> tuple[Server, str]:
        kind, client, _ = WAYS[way]
        return self.spawn(name, str(kind), "--upstream", upstream, "--client", client, wait=wait)

    def open_upstream(self, mode: str) -> Upstream | None:
        if mode == "canned":
            binary = nginx_binary()
            if binary is None:
                return None
            self.upstream = Canned(binary, self.tmp / "nginx", self.log)
        else:
            server, base = self.spawn("emulator", "emulator")
            self.upstream = Emulator(server, base)
        return self.upstream

    def start_ways(self, ways: list[str]) -> dict[str, str]:
        assert self.upstream is not None
        bases = {}
        for way in ways:  # all start together; start-up is timed apart (scenarios.startup)
            if WAYS[way][0] is None:
                bases[way] = self.upstream.base
            else:
                self.servers[way], bases[way] = self.spawn_proxy(way, way, self.upstream.base, wait=False)
        for server in self.servers.values():
            server.wait()
        return bases

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        if self.upstream is not None:
            self.upstream.stop()
            self.upstream = None

    @staticmethod
    def form(way: str) -> str:
        return WAYS[way][2]

    @staticmethod
    def auth_headers(form: str) -> dict[str, str]:
        if form == "scim":
            return {"authorization": f"Bearer {DEFAULT_API_KEY}"}
        return {"x-api-key": DEFAULT_API_KEY, "accept": "application/json"}

    def drive(
        self, way: str, base: str, ops: list[dict[str, Any]], *, server: Server | None = None, **spec: Any
    ) -> dict[str, Any]:
        """One load-generator process over `ops`; its raw result (samples, wall and CPU seconds)."""
        form = self.form(way)
        pids = {"upstream": self.upstream.pid} if self.upstream else {}
        server = server or self.servers.get(way)
        if server is not None:
            pids["server"] = server.pid
        spec = {"base": base, "form": form, "headers": self.auth_headers(form), "ops": ops, "pids": pids, **spec}
        spec_path, out_path = self.tmp / "spec.json", self.tmp / "out.json"
        spec_path.write_text(json.dumps(spec))
        argv = [sys.executable, "-m", "bench.loadgen", str(spec_path), str(out_path)]
        subprocess.run(argv, env=child_env(), cwd=ROOT, check=True, timeout=self.args.run_timeout)  # noqa: S603 -- ours
        raw: dict[str, Any] = json.loads(out_path.read_text())
        return raw

    def profile(self, way: str, mix: dict[str, float]) -> dict[str, Any]:
        """py-spy over a fresh proxy at concurrency 10 for `--profile-requests` requests."""
        binary = profiling.py_spy()
        if binary is None or self.upstream is None:
            return {"skipped": "py-spy is not installed (make install brings it)"}
        server, base = self.spawn_proxy(f"{way}-profile", way, self.upstream.base)
        try:
            kinds = workload.plan(mix, self.args.warmup + self.args.profile_requests, seed=self.args.seed + 3000)
            ops = self.upstream.prepare(kinds, seed=self.args.seed, tag="f", live_users=self.args.live_users)
            recorder = profiling.Recorder(binary, server.pid, self.tmp / "profile.txt", self.log)
            try:
                self.drive(way, base, ops, server=server, concurrency=10)
            finally:
                collapsed = recorder.stop()
        finally:
            server.stop()
        if self.args.out:
            (Path(self.args.out) / "profile-collapsed.txt").write_text(collapsed)
        return {"way": way, "upstream": self.upstream.name, "concurrency": 10, **profiling.analyse(collapsed)}


def _ways(text: str) -> list[str]:
    wanted = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in WAYS]
    if unknown:
        raise SystemExit(f"unknown ways {unknown}; known: {', '.join(WAYS)}")
    return [w for w in wanted if (_NEEDS.get(w) is None or importlib.util.find_spec(_NEEDS[w]) is not None)]


def _resolved(choice: str, fast: str, fallback: str) -> str:
    """What uvicorn's `auto` picks: the fast module when it is installed."""
    if choice != "auto":
        return choice
    return fast if importlib.util.find_spec(fast) else fallback


def _levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.run", description=__doc__)
    p.add_argument("--modes", default="canned,emulator", help="canned, emulator or both (comma-separated)")
    p.add_argument(
        "--ways", default="direct,proxy-httptools,fwd-httpx-aiohttp,fwd-httpx-httptools,fwd-aiohttp", help="canned mode"
    )
    p.add_argument("--levels", type=_levels, default=[1, 10, 50], help="canned mode concurrency levels")
    p.add_argument("--emulator-ways", default="direct,proxy-httptools,fwd-httpx-aiohttp")
    p.add_argument("--emulator-levels", type=_levels, default=[10])
    p.add_argument("--proxy-way", default="proxy-httptools", help="the way the targets, tenants, soak and profile use")
    p.add_argument("--requests", type=int, default=3000, help="measured requests per way, level and round")
    p.add_argument("--rounds", type=int, default=2, help="interleaved runs of every way per level")
    p.add_argument("--warmup", type=int, default=200, help="unmeasured requests before each run")
    p.add_argument("--mix", default="", help="e.g. get_filter=45,post=20,patch=25,get_id=5,delete=5")
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--live-users", type=int, default=200, help="users looked up, patched and read")
    p.add_argument("--isolated", type=int, default=20, help="requests per operation for calls-per-operation")
    p.add_argument("--tenants", type=int, default=1000, help="API keys of the multi-tenant scenario and the soak")
    p.add_argument("--tenant-requests", type=int, default=2500, help="per case and round; 0 skips the scenario")
    p.add_argument("--tenant-rounds", type=int, default=6, help="back-to-back pairs of runs (one key, many keys)")
    p.add_argument("--tenant-concurrency", type=int, default=50)
    p.add_argument("--open-rate", type=float, default=250.0, help="canned mode open loop: 10 tenants at 25 req/s")
    p.add_argument("--open-seconds", type=float, default=10.0, help="0 skips the open loop")
    p.add_argument("--paced-rate", type=float, default=25.0)
    p.add_argument("--paced-seconds", type=float, default=20.0, help="0 skips the paced scenario (emulator mode)")
    p.add_argument("--paced-latency", type=float, default=0.1, help="emulator latency, seconds")
    p.add_argument("--soak-requests", type=int, default=50_000, help="0 skips the RSS soak")
    p.add_argument("--soak-chunk", type=int, default=10_000)
    p.add_argument("--soak-concurrency", type=int, default=50)
    p.add_argument("--startup-runs", type=int, default=7, help="0 skips start-up timing")
    p.add_argument(
        "--startup-python",
        default=str(PRODUCTION_PYTHON) if PRODUCTION_PYTHON.exists() else "",
        help="interpreter of the image-like install whose start-up is judged (default: .tools/prod-venv's)",
    )
    p.add_argument("--profile-requests", type=int, default=10_000, help="0 skips the py-spy profile")
    p.add_argument("--loop", default="auto", help="uvicorn loop for every server: auto, asyncio, uvloop")
    p.add_argument("--http", default="auto", help="uvicorn HTTP parser for every server: auto, h11, httptools")
    p.add_argument("--run-timeout", type=float, default=600.0)
    p.add_argument("--out", default=str(ROOT / "bench-results" / "latest"))
    return p.parse_args(argv)


def _mode(bench: Bench, mode: str, mix: dict[str, float], results: dict[str, Any]) -> None:
    args = bench.args
    up = bench.open_upstream(mode)
    if up is None:
        results["notes"].append(
            "canned mode skipped: no nginx (run `make bench-upstream`); the targets below are judged on the "
            "emulator, whose own CPU competes with the proxy's"
        )
        return
    canned = mode == "canned"
    try:
        ways = _ways(args.ways if canned else args.emulator_ways)
        bases = bench.start_ways(ways)
        section: dict[str, Any] = {"upstream": up.version, "ways": ways}
        section["calls_per_op"] = scenarios.calls_per_op(bench, up, bases, mix)
        levels = args.levels if canned else args.emulator_levels
        section["levels"] = scenarios.levels(bench, up, bases, mix, levels=levels)
        if canned and args.open_seconds > 0:
            section["open_loop"] = scenarios.open_loop(bench, up, bases, mix)
        if not canned and args.paced_seconds > 0:
            section["paced"] = scenarios.paced(bench, up, bases, mix)
        for server in bench.servers.values():  # the later scenarios start fresh proxies of their own
            server.stop()
        bench.servers.clear()
        # Many tenants need an upstream that takes any key: only the canned one does.
        if canned and args.tenant_requests > 0:
            section["multitenant"] = scenarios.multitenant(bench, up, args.proxy_way, mix)
        if canned and args.soak_requests > 0:
            section["soak"] = scenarios.soak(bench, up, args.proxy_way, mix)
        first = "startup" not in results and "profile" not in results
        if (canned or first) and args.startup_runs > 0:
            results["startup"], results["startup_checkout"] = _startups(bench, up.base)
        if (canned or first) and args.profile_requests > 0:
            results["profile"] = bench.profile(args.proxy_way, mix)
        results["modes"][mode] = section
    finally:
        bench.stop()


def _startups(bench: Bench, upstream: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Start-up on the image-like install (judged) and on this checkout's .venv (for comparison)."""
    checkout = scenarios.startup(bench, upstream, python=sys.executable, install="this checkout's .venv")
    if not bench.args.startup_python:
        return checkout, None
    image = "image-like install (runtime dependencies, wheel, compiled bytecode)"
    return scenarios.startup(bench, upstream, python=bench.args.startup_python, install=image), checkout


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mix = workload.parse_mix(args.mix)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes):
        raise SystemExit(f"--modes takes {' and/or '.join(MODES)}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    results: dict[str, Any] = {
        "config": {
            **{k: v for k, v in vars(args).items() if k != "out"},
            "mix": mix,
            "server_loop": _resolved(args.loop, "uvloop", "asyncio"),
            "server_http": _resolved(args.http, "httptools", "h11"),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_before": os.getloadavg(),
        },
        "modes": {},
        "notes": [],
    }  # fmt: skip
    try:
        for mode in modes:
            _mode(bench, mode, mix, results)
    finally:
        bench.stop()
    results["config"]["load_after"] = os.getloadavg()
    print(f"  server logs: {bench.log}", file=sys.stderr)
    results["targets"] = targets.evaluate(results)
    print(report.write(results, Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
