"""`python -m devtools.attack [--only TEXT]`: run the registered attacks against a fresh proxy; print the table."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from devtools.attack.registry import ATTACKS, Attack, Outcome, Target
from devtools.emulator import DEFAULT_API_KEY, DEFAULT_ORG_ID

ATTACK_MODULES = (
    "devtools.attack.baseline",
    "devtools.attack.input_attacks",
    "devtools.attack.recording_attacks",
    "devtools.attack.server_attacks",
)
PUBLIC_URL = "https://scim.example.test"
SLOW_PROBE_MS = 100.0  # issue 11: no request may keep another waiting longer than this
MIN_SECONDS = 2.0  # a quick attack is repeated this long, so that the probe sees it
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _process(argv: list[str], health: str, log: Path) -> Iterator[str]:
    """Run `python argv...` until the block ends; yields once `health` answers 200."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, *argv], env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        for _ in range(400):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(health, timeout=1).status_code < 500:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"{argv[1]} did not start; see {log}")
            time.sleep(0.05)
        yield health
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Probe:
    """The probe process, its latencies collected by a thread as they are printed."""

    def __init__(self, target: Target) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(  # noqa: S603 -- our own probe module
            [sys.executable, "-m", "devtools.attack.probe", target.url, target.token],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.samples: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.samples.append(line.strip())

    def wait_ready(self) -> None:
        for _ in range(600):
            if self.samples:
                break
            time.sleep(0.05)
        self.samples.clear()  # the first, cold request is not part of any attack

    def stop(self) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=120)
        self._reader.join(timeout=10)
        return list(self.samples)


async def _repeated(attack: Attack, target: Target) -> tuple[Outcome, int]:
    """Run the attack until MIN_SECONDS have passed (at least once): its first outcome, all held, and how often."""
    began = time.monotonic()
    outcomes = [await attack.run(target)]
    while time.monotonic() - began < MIN_SECONDS:
        outcomes.append(await attack.run(target))
    held = all(o.held for o in outcomes)
    runs = f" (x{len(outcomes)} runs)" if len(outcomes) > 1 else ""
    return Outcome(outcomes[0].answer + runs, held), len(outcomes)


def run_one(attack: Attack, target: Target) -> list[str]:
    before = target.upstream_calls()
    probe = Probe(target)
    try:
        probe.wait_ready()
        try:
            outcome, runs = asyncio.run(_repeated(attack, target))
        except Exception as exc:  # an attack that breaks is a finding, not the end of the table
            outcome, runs = Outcome(f"attack failed: {type(exc).__name__}: {exc}"[:80], False), 1
    finally:
        samples = probe.stop()
    latencies = [float(s) for s in samples if s != "fail"]
    failures = len(samples) - len(latencies)
    calls = (target.upstream_calls() - before) / runs
    worst = max(latencies, default=0.0)
    median = statistics.median(latencies) if latencies else 0.0
    verdict = "held" if outcome.held and not failures and latencies else "FAILED"
    if verdict == "held" and worst > SLOW_PROBE_MS:
        verdict = "held, probe slow"
    probes = f"{len(samples)} ({failures} failed)" if failures else str(len(samples))
    return [
        str(attack.item),
        attack.name,
        outcome.answer,
        f"{calls:g}",
        probes,
        f"{median:.0f}",
        f"{worst:.0f}",
        verdict,
    ]


def table(rows: list[list[str]]) -> str:
    head = ["#", "attack", "answer", "JumpCloud calls per run", "probes", "probe p50 ms", "probe max ms", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


async def _seed(jumpcloud_url: str) -> tuple[str, str]:
    """The probe's user and a group, created through the emulator's API: their ids."""
    async with httpx.AsyncClient(base_url=jumpcloud_url, headers={"x-api-key": DEFAULT_API_KEY}) as jc:
        user = await jc.post("/api/systemusers", json={"username": "probe.user", "email": "probe.user@example.com"})
        group = await jc.post("/api/v2/usergroups", json={"name": "attack-group"})
    return user.json()["_id"], group.json()["id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.attack", description=__doc__)
    parser.add_argument("--only", default="", help="run only the attacks whose name contains this text")
    args = parser.parse_args(argv)
    for module in ATTACK_MODULES:
        importlib.import_module(module)
    jc_port, proxy_port = _free_port(), _free_port()
    jc_url, url = f"http://127.0.0.1:{jc_port}", f"http://127.0.0.1:{proxy_port}"
    proxy = ["-m", "scim_proxy", "serve", "--port", str(proxy_port), "--jumpcloud-url", jc_url]
    # As the README advises for production: a public URL, and X-Forwarded-* trusted only from the
    # reverse proxy (an address that is not ours: these attacks come from the internet).
    proxy += ["--public-url", PUBLIC_URL, "--forwarded-allow-ips", "192.0.2.1"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="scim-attack-") as tmp:
        workdir = Path(tmp)
        proxy += ["--record", str(workdir / "recording.jsonl")]
        emulator = ["-m", "devtools.emulator", "--port", str(jc_port)]
        with (
            _process(emulator, f"{jc_url}/api/systemusers", workdir / "emulator.log"),
            _process(proxy, f"{url}/readyz", workdir / "proxy.log"),
        ):
            user_id, group_id = asyncio.run(_seed(jc_url))
            target = Target(
                url=url,
                token=DEFAULT_API_KEY,
                jumpcloud_url=jc_url,
                recording=workdir / "recording.jsonl",
                log=workdir / "proxy.log",
                user_id=user_id,
                group_id=group_id,
                org_id=DEFAULT_ORG_ID,
                header_timeout=10.0,
                public_url=PUBLIC_URL,
            )
            for attack in ATTACKS:
                if args.only in attack.name:
                    rows.append(run_one(attack, target))
                    print(f"  {rows[-1][-1]:<16} {attack.name}", file=sys.stderr, flush=True)
    print(table(rows))
    return 0 if all(row[-1].startswith("held") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
