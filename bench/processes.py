"""Benchmark processes: one uvicorn server per way, measured from the outside (RSS, start-up)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class Server:
    """One uvicorn process; `started_s` is the time from spawn to its health URL answering 200."""

    def __init__(self, name: str, argv: list[str], health: str, *, log: Path, timeout: float = 30.0) -> None:
        self.name = name
        began = time.perf_counter()
        self.proc = subprocess.Popen(  # noqa: S603 -- our own interpreter and module
            argv, env=child_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("ab")
        )
        deadline = began + timeout
        while True:
            try:
                if httpx.get(health, timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"{name} did not start; see {log}")
            time.sleep(0.005)
        self.started_s = time.perf_counter() - began

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
