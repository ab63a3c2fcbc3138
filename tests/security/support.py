"""Shared by the security tests: a linear-work check, and raw-socket helpers for server-level attacks."""

from __future__ import annotations

import contextlib
import gc
import socket
import time
from collections.abc import Callable
from typing import Any

SMALL, LARGE = 4_096, 65_536  # 16 times the input: linear work costs ~16x, quadratic ~256x
LINEAR_BOUND = 48  # three times the linear ratio, far below the quadratic one


def cpu_ns(work: Callable[[], Any], *, repeat: int = 3) -> int:
    """The least CPU time of this thread over `repeat` runs of `work` (other processes do not count)."""
    best = None
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.thread_time_ns()
            with contextlib.suppress(Exception):  # refusing the input is fine; the cost is what is measured
                work()
            spent = time.thread_time_ns() - start
            best = spent if best is None else min(best, spent)
    finally:
        gc.enable()
    assert best is not None
    return max(best, 1)


def growth(parse: Callable[[str], Any], make: Callable[[int], str]) -> float:
    """How much more CPU `parse` spends on a LARGE input than on a SMALL one built by `make(size)`."""
    small, large = make(SMALL), make(LARGE)
    cpu_ns(lambda: parse(small), repeat=1)  # warm caches and imports outside the measurement
    return cpu_ns(lambda: parse(large)) / cpu_ns(lambda: parse(small))


def repeat_to(unit: str, *, prefix: str = "", suffix: str = "") -> Callable[[int], str]:
    """A maker of `prefix + unit * k + suffix` about `size` characters long."""
    return lambda size: prefix + unit * max(1, (size - len(prefix) - len(suffix)) // len(unit)) + suffix


def connect(url: str) -> socket.socket:
    """A raw TCP connection to the server at `url` (http://host:port), with a bounded read timeout."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection; TimeoutError if it keeps it open."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65_536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
