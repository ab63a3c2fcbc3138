"""Per-request bookkeeping of JumpCloud calls (count, time, deadline) and the limiters in front of them:
per key (KeyLimiter) and for the whole process (CallLimiter).

A context variable carries one `UpstreamStats` per SCIM request, so the request log line,
the metrics and the recorder see every call without threading an argument through.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import attrs

from scim_proxy.errors import UpstreamBusy, UpstreamTimeout


@attrs.define
class UpstreamCall:
    """One HTTP exchange with JumpCloud, as the recorder and the log see it."""

    method: str
    path: str
    query: str
    request_body: Any
    status: int | None
    response_body: Any
    seconds: float
    started: float


@attrs.define
class UpstreamStats:
    """What one SCIM request cost upstream."""

    deadline: float  # time.monotonic() value after which we stop retrying
    calls: int = 0
    retries: int = 0
    seconds: float = 0.0
    user_id: str | None = None
    user_name: str | None = None  # logged only when personal data is allowed (logs.redact)
    exchanges: list[UpstreamCall] | None = None  # filled only while recording
    # Why this request's key was refused, for the auth metrics: "jumpcloud" (a 401 from it),
    # "negative_cache" (answered from memory), "ip_budget" (the client's failures ran out).
    auth_rejection: str | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_current: contextvars.ContextVar[UpstreamStats | None] = contextvars.ContextVar("upstream_stats", default=None)


def begin_request(deadline_seconds: float, *, record: bool = False) -> UpstreamStats:
    """Start the bookkeeping for one SCIM request in the current context."""
    stats = UpstreamStats(deadline=time.monotonic() + deadline_seconds, exchanges=[] if record else None)
    _current.set(stats)
    return stats


def current() -> UpstreamStats:
    """This request's stats; outside a request (CLI check, tests) a fresh, unbounded one."""
    stats = _current.get()
    if stats is None:
        stats = UpstreamStats(deadline=time.monotonic() + 3600)
        _current.set(stats)
    return stats


class KeyLimiter:
    """At most `limit` in-flight calls per API key, at most `max_queued` waiting; beyond: 503.

    Keys are held as their SHA-256 digests (`Credentials.key_id`), and an idle key's slot is
    dropped, so random tokens cannot grow this table or keep a key in memory.
    """

    def __init__(self, limit: int, max_queued: int) -> None:
        self._limit = max(1, limit)
        self._max_queued = max(0, max_queued)
        self._slots: dict[bytes, tuple[asyncio.Semaphore, list[int]]] = {}

    def slot(self, key_id: bytes) -> _KeySlot:
        """`async with` this: one of the key's slots, waiting for it; UpstreamBusy when its queue is full."""
        return _KeySlot(self, key_id)

    def in_flight(self) -> int:
        return sum(min(users[0], self._limit) for _, users in self._slots.values())


class _KeySlot:
    """One call's hold on its key's slot (a class, not a generator: it is taken for every call)."""

    __slots__ = ("_digest", "_entry", "_limiter")

    def __init__(self, limiter: KeyLimiter, digest: bytes) -> None:
        self._limiter = limiter
        self._digest = digest
        self._entry: tuple[asyncio.Semaphore, list[int]] | None = None

    async def __aenter__(self) -> None:
        limiter = self._limiter
        entry = limiter._slots.get(self._digest)
        if entry is None:
            entry = limiter._slots[self._digest] = (asyncio.Semaphore(limiter._limit), [0])
        semaphore, users = entry
        if users[0] >= limiter._limit + limiter._max_queued:
            raise UpstreamBusy("Too many JumpCloud calls are queued for this API key; retry shortly", retry_after=1)
        users[0] += 1
        try:
            await semaphore.acquire()
        except BaseException:
            self._leave(users)
            raise
        self._entry = entry

    async def __aexit__(self, *exc_info: object) -> None:
        if self._entry is not None:
            semaphore, users = self._entry
            semaphore.release()
            self._leave(users)

    def _leave(self, users: list[int]) -> None:
        users[0] -= 1
        if users[0] == 0:
            self._limiter._slots.pop(self._digest, None)


class CallLimiter:
    """At most `limit` JumpCloud calls in flight in all, of which at most `unverified` for keys
    not yet seen to succeed; at most `max_queued` calls wait for an unverified slot, beyond: 503.

    Without it the connection pool was the only global bound, and a spray of random tokens
    (each its own key for KeyLimiter) held every connection while a working tenant waited.
    Keys that worked take any free slot, so they always have `limit - unverified` to themselves.
    """

    def __init__(self, limit: int, unverified: int, max_queued: int) -> None:
        self.limit = max(1, limit)
        self._all = asyncio.Semaphore(self.limit)
        self._unverified = asyncio.Semaphore(max(1, min(unverified, self.limit)))
        self._max_queued = max(0, max_queued)
        self._queued_unverified = 0
        self.in_flight = 0
        self.unverified_in_flight = 0

    def slot(self, *, verified: bool, timeout: float) -> AbstractAsyncContextManager[None]:
        """`async with` this: one slot for a call; UpstreamBusy if the unverified queue is full,
        UpstreamTimeout after `timeout`."""
        return _VerifiedSlot(self, timeout) if verified else self._unverified_slot(timeout)

    @asynccontextmanager
    async def _unverified_slot(self, timeout: float) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self._unverified.locked() and self._queued_unverified >= self._max_queued:
            raise UpstreamBusy(
                "Too many calls with API keys JumpCloud has not accepted yet; retry shortly", retry_after=1
            )
        self._queued_unverified += 1
        try:
            await _acquire(self._unverified, deadline - loop.time())
        finally:
            self._queued_unverified -= 1
        try:
            await _acquire(self._all, deadline - loop.time())
            self.in_flight += 1
            self.unverified_in_flight += 1
            try:
                yield
            finally:
                self.in_flight -= 1
                self.unverified_in_flight -= 1
                self._all.release()
        finally:
            self._unverified.release()


class _VerifiedSlot:
    """A slot for a call with an accepted key: any free one (a class: it is taken for every call)."""

    __slots__ = ("_limiter", "_timeout")

    def __init__(self, limiter: CallLimiter, timeout: float) -> None:
        self._limiter = limiter
        self._timeout = timeout

    async def __aenter__(self) -> None:
        await _acquire(self._limiter._all, self._timeout)
        self._limiter.in_flight += 1

    async def __aexit__(self, *exc_info: object) -> None:
        self._limiter.in_flight -= 1
        self._limiter._all.release()


async def _acquire(semaphore: asyncio.Semaphore, timeout: float) -> None:
    if not semaphore.locked():  # the usual case: a free slot, taken without arming a timer
        await semaphore.acquire()
        return
    try:
        async with asyncio.timeout(max(0.0, timeout)):
            await semaphore.acquire()
    except TimeoutError:
        raise UpstreamTimeout("No time left to call JumpCloud: every connection to it is busy") from None
