"""The attack registry: each attack is an async function of a `Target`, returning an `Outcome`."""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Coroutine, Sequence
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


@attrs.frozen(kw_only=True)
class Stack:
    """A proxy and an emulator of the attack's own, started fresh for it; the attack runs once.

    For attacks whose point is state the proxy keeps (rejected keys, each address's budget of
    failed keys): on the shared proxy, one row's spray would decide the next rows' answers. The
    proxy gets the shared one's flags plus `proxy_args`; every emulator answer waits
    `jumpcloud_latency` seconds. The probe is a working tenant searching (one JumpCloud call
    each, not counted against the attack): what these defences protect is its way to JumpCloud.
    """

    proxy_args: tuple[str, ...] = ()
    jumpcloud_latency: float = 0.0


@attrs.frozen(kw_only=True)
class Attack:
    item: int  # the attack's number in issue 11
    name: str
    run: AttackRun
    stack: Stack | None = None  # None: the shared proxy, and the attack repeats until the probe has seen it
    max_calls: int | None = None  # the most JumpCloud calls one run may cause and still have held


ATTACKS: list[Attack] = []


SizedRun = Callable[..., Coroutine[Any, Any, Outcome]]  # (target, **sizes) -> Outcome


def attack(
    item: int, name: str, *, stack: Stack | None = None, max_calls: int | None = None, **sizes: object
) -> Callable[[SizedRun], SizedRun]:
    """Register the decorated coroutine function as an attack, called with `sizes` as keyword arguments.

    Decorators stack, so one function can be registered at several sizes (the lowest decorator first).
    """

    def register(run: SizedRun) -> SizedRun:
        sized: AttackRun = functools.partial(run, **sizes)
        ATTACKS.append(Attack(item=item, name=name, run=sized, stack=stack, max_calls=max_calls))
        return run

    return register


def statuses(codes: Sequence[int | str]) -> str:
    """`400 x50` or `401 x2, 500 x1, closed x3`: how often each status (or failure) came back."""
    counts = collections.Counter(codes)
    return ", ".join(f"{code} x{counts[code]}" for code in sorted(counts, key=str))


def log_size(target: Target) -> int:
    return target.log.stat().st_size if target.log.exists() else 0


def recording_bytes(target: Target) -> bytes:
    """The recording and its rotated files, oldest first."""
    paths = [*sorted(target.recording.parent.glob(target.recording.name + ".*"), reverse=True), target.recording]
    return b"".join(p.read_bytes() for p in paths if p.exists())
