"""The attack registry: each attack is an async function of a `Target`, returning an `Outcome`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import attrs
import httpx


@attrs.frozen(kw_only=True)
class Target:
    """A running proxy in front of the emulator, and what an attack may need to look at."""

    url: str  # the proxy, http://127.0.0.1:<port>
    token: str  # an API key the emulator accepts
    jumpcloud_url: str  # the emulator, in a process of its own
    recording: Path  # the proxy's --record file
    log: Path  # the proxy's stdout and stderr
    user_id: str  # a user that exists
    group_id: str  # a group that exists
    org_id: str  # the emulator's org
    header_timeout: float  # the proxy's SCIM_PROXY_HEADER_TIMEOUT
    public_url: str  # the proxy's SCIM_PROXY_PUBLIC_URL

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def upstream_calls(self) -> int:
        """JumpCloud calls the proxy has made so far (its own jumpcloud_calls_total)."""
        metrics = httpx.get(f"{self.url}/metrics", timeout=30).text
        return round(sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if _is_call_count(line)))

    def jumpcloud(self) -> httpx.AsyncClient:
        """A client for the emulator's own API, with the key (to seed and to inspect its data)."""
        return httpx.AsyncClient(base_url=self.jumpcloud_url, headers={"x-api-key": self.token}, timeout=30)


def _is_call_count(line: str) -> bool:
    return line.startswith("jumpcloud_calls_total{")


@attrs.frozen
class Outcome:
    """What the proxy did: `answer` in a few words, `held` when that is the safe behaviour."""

    answer: str
    held: bool


AttackRun = Callable[[Target], Coroutine[Any, Any, Outcome]]


@attrs.frozen
class Attack:
    item: int  # the attack's number in issue 11
    name: str
    run: AttackRun


ATTACKS: list[Attack] = []


def attack(item: int, name: str) -> Callable[[AttackRun], AttackRun]:
    """Register the decorated coroutine function as an attack (run in registration order)."""

    def register(run: AttackRun) -> AttackRun:
        ATTACKS.append(Attack(item, name, run))
        return run

    return register


def statuses(codes: list[int]) -> str:
    """`400 x50` or `401 x2, 500 x1`: how often each status came back."""
    counts: dict[int, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return ", ".join(f"{code} x{count}" for code, count in sorted(counts.items()))


def log_size(target: Target) -> int:
    return target.log.stat().st_size if target.log.exists() else 0


def recording_bytes(target: Target) -> bytes:
    """The recording and its rotated files, oldest first."""
    paths = [*sorted(target.recording.parent.glob(target.recording.name + ".*"), reverse=True), target.recording]
    return b"".join(p.read_bytes() for p in paths if p.exists())
