"""The two upstreams a bench mode runs against, behind one small interface.

- `canned` (bench.canned): nginx with recorded bodies, no state, no logic: measures the proxy;
- `emulator`: the JumpCloud emulator (real searches, creates, deletes): the realistic mode,
  and the only one that can add upstream latency (the paced scenario).

Both build the operations of a plan (`prepare`) and count the upstream calls since then
(`calls`), with the emulator's route names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import httpx

from . import workload
from .canned import CANNED_USERNAME, CannedUpstream
from .processes import Server

# Canned ids: any 24 hex digits will do (nginx echoes the id); these never collide with a plan's.
_LIVE_BASE = 0x64B0C0FFEE0000000000
_DOOMED_BASE = 0x64B0DEAD000000000000


class Upstream(Protocol):
    name: str
    base: str
    version: str

    @property
    def pid(self) -> int: ...

    def prepare(self, kinds: list[str], *, seed: int, tag: str, live_users: int) -> list[dict[str, Any]]: ...

    def calls(self) -> dict[str, Any]: ...

    def set_latency(self, seconds: float) -> None: ...

    def stop(self) -> None: ...


class Canned:
    """nginx: every live user answers to the recorded userName, under its own id."""

    name = "canned"

    def __init__(self, binary: str, work: Path, log: Path) -> None:
        self.upstream = CannedUpstream(binary, work, log)
        self.base = self.upstream.base
        self.version = self.upstream.version

    @property
    def pid(self) -> int:
        return self.upstream.pid

    def prepare(self, kinds: list[str], *, seed: int, tag: str, live_users: int) -> list[dict[str, Any]]:
        live = [{"_id": f"{_LIVE_BASE + i:024x}", "username": CANNED_USERNAME} for i in range(live_users)]
        doomed = [
            {"_id": f"{_DOOMED_BASE + i:024x}", "username": CANNED_USERNAME} for i in range(kinds.count("delete"))
        ]
        ops = workload.build(kinds, live=live, doomed=doomed, run_tag=tag, seed=seed)
        self.upstream.reset()
        return ops

    def calls(self) -> dict[str, Any]:
        return self.upstream.calls()

    def set_latency(self, seconds: float) -> None:
        if seconds:
            raise ValueError("the canned upstream answers at once; use the emulator for upstream latency")

    def stop(self) -> None:
        self.upstream.stop()


class Emulator:
    """The JumpCloud emulator, reset and seeded with a live and a doomed pool before every run."""

    name = "emulator"

    def __init__(self, server: Server, base: str) -> None:
        self.server = server
        self.base = base
        self.version = "scim_proxy emulator"
        self.ctl = httpx.Client(timeout=60.0)

    @property
    def pid(self) -> int:
        return self.server.pid

    def control(self, action: str, **args: Any) -> Any:
        return self.ctl.post(f"{self.base}/_bench/{action}", json=args).raise_for_status().json()

    def prepare(self, kinds: list[str], *, seed: int, tag: str, live_users: int) -> list[dict[str, Any]]:
        self.control("reset")
        users = self.control("seed", count=live_users + kinds.count("delete"), tag="s")
        live, doomed = users[:live_users], users[live_users:]
        return workload.build(kinds, live=live, doomed=doomed, run_tag=tag, seed=seed)

    def calls(self) -> dict[str, Any]:
        counters = self.control("counters")
        return {"total": counters["total"], "routes": counters["routes"]}

    def set_latency(self, seconds: float) -> None:
        self.control("latency", seconds=seconds)

    def stop(self) -> None:
        self.ctl.close()
        self.server.stop()
