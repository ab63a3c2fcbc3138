"""What JumpCloud said about each API key: rejected (for a while), accepted, or being decided now.

The proxy faces the open internet with no secret of its own: any bearer token is passed on
as `x-api-key`. Left alone, a spray of wrong tokens becomes a spray of 401s at JumpCloud from
our egress address, which JumpCloud answers by blocking that address for every tenant. So:

- a key JumpCloud rejected (401) is answered 401 from memory for `ttl` seconds, without a
  call; after that the next use asks JumpCloud again (an admin may have fixed the key);
- a key not yet seen to succeed is tried by one call at a time: the first call decides and
  concurrent users of the same key wait for its verdict (at most `max_waiters` of them);
- keys are held as SHA-256 digests of key and org id (a multi-tenant key is judged per org),
  never as text, in LRU tables of at most `max_entries`, so random tokens cannot grow memory.

The clock is an argument, so tests move time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from scim_proxy.errors import Unauthorized, UpstreamBusy, UpstreamTimeout
from scim_proxy.jumpcloud.models import key_digest as key_digest  # the tables' key; made with Credentials

MAX_WAITERS = 1000  # per unknown key; a waiting call costs a suspended task, its request is held anyway


def rejected_key_error() -> Unauthorized:
    """The 401 for a key JumpCloud refused, whether it just said so or said so moments ago."""
    return Unauthorized(
        "JumpCloud rejected the API key (the Secret Token): check that it is a current "
        "JumpCloud admin API key, and for multi-tenant admins the org id"
    )


class KeyRejected(Exception):
    """JumpCloud rejected this key within the last `ttl` seconds (the caller answers 401)."""


class _Decision:
    """One call deciding a key's verdict, and how many calls wait for it."""

    def __init__(self) -> None:
        self.done = asyncio.Event()
        self.waiters = 0


def accepts_key(status: int) -> bool:
    """Whether a JumpCloud answer shows the key authenticated: a success, or an answer only an
    authenticated call can get (403: the role refused, not the key; 404 and 409 about a record).

    Not 400 or 422: a request may be refused as malformed before its key is looked at, and an
    accepted key is exempt from the per-address budget, so a guess here must not let one in.
    """
    return 200 <= status < 300 or status in (403, 404, 409)


class KeyVerdicts:
    """Rejected keys (with expiry), accepted keys, and the single call deciding each unknown key."""

    def __init__(
        self,
        *,
        ttl: float = 60.0,
        max_entries: int = 10_000,
        max_waiters: int = MAX_WAITERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = max(0.0, ttl)
        self._max_entries = max(1, max_entries)
        self._max_waiters = max(0, max_waiters)
        self._clock = clock
        self._rejected: OrderedDict[bytes, float] = OrderedDict()  # digest -> expiry
        self._accepted: OrderedDict[bytes, None] = OrderedDict()
        self._deciding: dict[bytes, _Decision] = {}

    def is_rejected(self, digest: bytes) -> bool:
        expiry = self._rejected.get(digest)
        if expiry is None:
            return False
        if self._clock() < expiry:
            return True
        del self._rejected[digest]
        return False

    def is_accepted(self, digest: bytes) -> bool:
        return digest in self._accepted

    def learn(self, digest: bytes, status: int) -> None:
        """Record what a JumpCloud answer says about the key: 401 rejects it, an accepting status accepts it."""
        if status == 401:
            self._accepted.pop(digest, None)
            self._rejected[digest] = self._clock() + self._ttl
            self._rejected.move_to_end(digest)
            _trim(self._rejected, self._max_entries)
        elif accepts_key(status):
            self._rejected.pop(digest, None)
            if digest in self._accepted:
                self._accepted.move_to_end(digest)
            else:
                self._accepted[digest] = None
                _trim(self._accepted, self._max_entries)

    async def wait_turn(self, digest: bytes, *, timeout: float) -> bool:
        """Wait until a call with this key may go out; True when this call decides (then call `done`).

        Raises KeyRejected if the key is (or becomes, while waiting) rejected, UpstreamBusy when
        too many calls already wait on the same unknown key, UpstreamTimeout after `timeout` seconds.
        """
        deadline: float | None = None
        while True:
            if self.is_rejected(digest):
                raise KeyRejected
            if digest in self._accepted:
                return False
            decision = self._deciding.get(digest)
            if decision is None:
                self._deciding[digest] = _Decision()
                return True
            if decision.waiters >= self._max_waiters:
                raise UpstreamBusy("Too many requests wait on an API key JumpCloud has not answered yet", retry_after=1)
            if deadline is None:
                deadline = asyncio.get_running_loop().time() + timeout
            decision.waiters += 1
            try:
                async with asyncio.timeout_at(deadline):
                    await decision.done.wait()
            except TimeoutError:
                raise UpstreamTimeout("No time left to call JumpCloud: the API key is still being checked") from None
            finally:
                decision.waiters -= 1
            # The decider finished: accepted or rejected now, or undecided (a timeout, a 5xx):
            # then the loop makes one of the waiters the next decider.

    def done(self, digest: bytes) -> None:
        """The deciding call is over (whatever its outcome): wake the calls waiting on this key."""
        decision = self._deciding.pop(digest, None)
        if decision is not None:
            decision.done.set()

    def waiting(self, digest: bytes) -> int:
        """Calls waiting for the verdict on this key now."""
        decision = self._deciding.get(digest)
        return decision.waiters if decision is not None else 0

    def sizes(self) -> tuple[int, int]:
        """Entries in the rejected and the accepted table, for the metrics."""
        return len(self._rejected), len(self._accepted)


def _trim(table: OrderedDict[bytes, Any], limit: int) -> None:
    while len(table) > limit:
        table.popitem(last=False)
