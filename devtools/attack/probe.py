"""The probe: a legitimate client sending one request at a time while an attack runs.

`python -m devtools.attack.probe URL TOKEN [--search]` runs it until stdin closes, printing one
line per request: the latency in milliseconds, or `fail`. It runs in a process of its own so
that what it measures is the proxy, not the attacker's own interpreter (tests run the same loop
in a thread). It sends one of two requests:

- by default an authenticated GET /ServiceProviderConfig, as Entra's Test Connection may send:
  it crosses every middleware, the router and the recorder but calls no JumpCloud, so the
  attack's JumpCloud calls can be counted exactly and the latency is the proxy's own;
- with `--search`, a working tenant's search for its user: one JumpCloud call each, for the
  attacks on the way to JumpCloud itself (the failed-auth defence, the calls in flight).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

SEARCH = {"filter": 'userName eq "probe.user"'}  # the user `python -m devtools.attack` seeds
ROOT = Path(__file__).resolve().parents[2]


def _discovery_ok(resp: httpx.Response) -> bool:
    return resp.status_code == 200 and "patch" in resp.json()


def _search_ok(resp: httpx.Response) -> bool:
    return resp.status_code == 200 and resp.json().get("totalResults") == 1


def probe(url: str, token: str, *, search: bool, stop: threading.Event, emit: Callable[[str], Any]) -> None:
    """Send the probe's request until `stop` is set, 50 ms apart; `emit` each latency (ms) or `fail`."""
    path, params, ok = (
        ("/scim/v2/Users", SEARCH, _search_ok) if search else ("/scim/v2/ServiceProviderConfig", {}, _discovery_ok)
    )
    limits = httpx.Limits(max_keepalive_connections=0)  # a fresh connection each time, as a new client would
    with httpx.Client(base_url=url, timeout=60, limits=limits) as client:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                answered = ok(client.get(path, params=params, headers={"Authorization": f"Bearer {token}"}))
            except (httpx.HTTPError, ValueError):
                answered = False
            elapsed = (time.perf_counter() - began) * 1000
            emit(f"{elapsed:.1f}" if answered else "fail")
            stop.wait(0.05)


class Probe:
    """The probe in a process of its own (or, for tests, in a thread), its lines collected as they come."""

    def __init__(self, url: str, token: str, *, search: bool = False, in_thread: bool = False) -> None:
        self.search = search
        self.lines: list[str] = []
        self._first = 0  # lines before this one were the warm-up
        self._stop = threading.Event()
        self._proc: subprocess.Popen[str] | None = None
        if in_thread:
            kwargs = {"search": search, "stop": self._stop, "emit": self.lines.append}
            self._worker = threading.Thread(target=probe, args=(url, token), kwargs=kwargs, daemon=True)
        else:
            argv = [sys.executable, "-m", "devtools.attack.probe", url, token, *(["--search"] if search else [])]
            self._proc = subprocess.Popen(  # noqa: S603 -- our own probe module
                argv,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self._worker = threading.Thread(target=self._read, args=(self._proc,), daemon=True)

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.strip())

    def start(self) -> None:
        """Start probing; return once the first (cold) request is answered, which no attack is charged for."""
        self._worker.start()
        for _ in range(600):
            if self.lines:
                break
            time.sleep(0.05)
        self._first = len(self.lines)

    def stop(self) -> list[str]:
        """Stop after the request in flight: the lines printed since `start` returned (at least one:
        an attack over within the probe's 50 ms pause still gets the probe's next answer, 10 s at most)."""
        for _ in range(200):
            if len(self.lines) > self._first:
                break
            time.sleep(0.05)
        self._stop.set()
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=120)
        self._worker.join(timeout=120)
        return self.lines[self._first :]

    def jumpcloud_calls(self) -> int:
        """The JumpCloud calls the probe made, warm-up included: one per answered search, none for discovery."""
        return sum(line != "fail" for line in self.lines) if self.search else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.attack.probe", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--search", action="store_true", help="search for the seeded user (a JumpCloud call)")
    args = parser.parse_args()
    stop = threading.Event()

    def stop_at_end_of_input() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=stop_at_end_of_input, daemon=True).start()
    probe(args.url, args.token, search=args.search, stop=stop, emit=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
