"""A proxy in front of the JumpCloud emulator, each in a process of its own on loopback, seeded for the attacks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil

from devtools.attack.probe import ROOT
from devtools.attack.registry import Stack, Target
from devtools.emulator import DEFAULT_API_KEY, DEFAULT_ORG_ID
from devtools.servers import free_port
from scim_proxy.settings import Settings

PUBLIC_URL = "https://scim.example.test"
HEADER_TIMEOUT = Settings().header_timeout  # the proxy's default, which the slowloris rows wait out


@contextlib.contextmanager
def _process(argv: list[str], health: str, log: Path) -> Iterator[Callable[[], int]]:
    """Run `python argv...` until the block ends, once `health` answers; yields a reader of its RSS in bytes."""
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
        handle = psutil.Process(proc.pid)
        yield lambda: int(handle.memory_info().rss)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


async def _seed(jumpcloud_url: str) -> tuple[str, str]:
    """The probe's user and a group, created through the emulator's API: their ids."""
    async with httpx.AsyncClient(base_url=jumpcloud_url, headers={"x-api-key": DEFAULT_API_KEY}, timeout=30) as jc:
        user = await jc.post("/api/systemusers", json={"username": "probe.user", "email": "probe.user@example.com"})
        group = await jc.post("/api/v2/usergroups", json={"name": "attack-group"})
    return user.json()["_id"], group.json()["id"]


@contextlib.contextmanager
def running(spec: Stack, workdir: Path) -> Iterator[tuple[Target, Callable[[], int]]]:
    """The emulator and the proxy `spec` asks for, files under `workdir`: the target and the proxy's RSS reader.

    The proxy is configured as the README advises for production: a public URL, a recording, and
    X-Forwarded-* trusted only from the reverse proxy, an address that is not ours (these attacks
    come from the internet); `spec.proxy_args` come last, so they may change that.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    jc_port, proxy_port = free_port(), free_port()
    jc_url, url = f"http://127.0.0.1:{jc_port}", f"http://127.0.0.1:{proxy_port}"
    emulator = ["-m", "devtools.emulator", "--port", str(jc_port), "--latency", str(spec.jumpcloud_latency)]
    proxy = ["-m", "scim_proxy", "serve", "--port", str(proxy_port), "--jumpcloud-url", jc_url]
    proxy += ["--public-url", PUBLIC_URL, "--forwarded-allow-ips", "192.0.2.1"]
    proxy += ["--record", str(workdir / "recording.jsonl"), *spec.proxy_args]
    with (
        _process(emulator, f"{jc_url}/api/systemusers", workdir / "emulator.log"),
        _process(proxy, f"{url}/readyz", workdir / "proxy.log") as proxy_rss,
    ):
        user_id, group_id = asyncio.run(_seed(jc_url))
        target = emulated_target(url, jumpcloud_url=jc_url, workdir=workdir, user_id=user_id, group_id=group_id)
        yield target, proxy_rss


def emulated_target(url: str, *, jumpcloud_url: str, workdir: Path, user_id: str, group_id: str) -> Target:
    """The target of a proxy at `url` in front of the emulator at `jumpcloud_url`, with the default key and org."""
    return Target(
        url=url,
        token=DEFAULT_API_KEY,
        jumpcloud_url=jumpcloud_url,
        recording=workdir / "recording.jsonl",
        log=workdir / "proxy.log",
        user_id=user_id,
        group_id=group_id,
        org_id=DEFAULT_ORG_ID,
        header_timeout=HEADER_TIMEOUT,
        public_url=PUBLIC_URL,
    )
