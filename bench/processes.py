"""Benchmark processes: one uvicorn server per way, measured from the outside (RSS, start-up)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent


def installed_env() -> dict[str, str]:
    """The environment for an installed interpreter: nothing points it at this checkout's sources."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class Server:
    """One uvicorn process; `started_s` is the time from spawn to its health URL answering 200."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        health: str,
        *,
        log: Path,
        timeout: float = 30.0,
        wait: bool = True,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.name, self.health, self.log, self.timeout = name, health, log, timeout
        self.began = time.perf_counter()
        self.proc = subprocess.Popen(  # noqa: S603 -- our own interpreter and module
            argv, env=env or child_env(), cwd=cwd, stdout=subprocess.DEVNULL, stderr=log.open("ab")
        )
        self.started_s = self.started_cpu_s = 0.0
        if wait:
            self.wait()

    def wait(self) -> None:
        """Poll the health URL until it answers 200 (`started_s` is then set), or raise."""
        deadline = self.began + self.timeout
        while True:
            try:
                if httpx.get(self.health, timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start; see {self.log}")
            time.sleep(0.005)
        self.started_s = time.perf_counter() - self.began
        times = psutil.Process(self.proc.pid).cpu_times()
        self.started_cpu_s = times.user + times.system  # what start-up costs, whatever else runs

    @property
    def pid(self) -> int:
        return self.proc.pid

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        return round(psutil.Process(self.pid).memory_info().rss / 1_048_576, 1)

    def rss_mb(self) -> float:
        return round(psutil.Process(self.pid).memory_info().rss / 1_048_576, 2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
