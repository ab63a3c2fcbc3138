"""Failed-authentication defence at the door: answers that cost JumpCloud nothing.

For each /Users, /Groups and root /.search request that carries a bearer token, before the body is read:

- a key JumpCloud rejected moments ago (KeyVerdicts, jumpcloud/verdicts.py) gets 401 at once;
- a key JumpCloud has not yet accepted is charged to the client's address: each address may
  have `limit` such keys rejected by JumpCloud per `window`, keys still being tried counting
  against it too; beyond, 429 with Retry-After and no JumpCloud call. Keys JumpCloud accepted
  pass untouched, so a working tenant behind a shared address is never held back by a sprayer.

The address is the scope's client, which ForwardedHeadersMiddleware takes from X-Forwarded-For
only when the connection comes from `forwarded_allow_ips`. IPv6 clients are counted per /64,
the block one subscriber holds. The table of addresses is bounded (LRU); the clock is an
argument, so tests need no sleeps.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from scim_proxy.errors import ProxyError, Throttled
from scim_proxy.ids import object_id
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.verdicts import KeyVerdicts, key_digest, rejected_key_error
from scim_proxy.web.requests import bearer_token
from scim_proxy.web.responses import proxy_error_handler

_SCIM = "/scim/v2/"
_GUARDED = ("Users", "Groups", ".search")  # what calls JumpCloud (root search too); discovery stays open


class _Client:
    __slots__ = ("failures", "pending", "window_start")

    def __init__(self, now: float) -> None:
        self.window_start = now
        self.failures = 0
        self.pending: dict[bytes, int] = {}  # keys being tried now -> requests trying them


class FailedAuthBudget:
    """Per client address: at most `limit` keys rejected by JumpCloud, or being tried, per `window` seconds."""

    def __init__(
        self, *, limit: int, window: float, max_clients: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = max(1, limit)
        self._window = max(0.001, window)
        self._max_clients = max(1, max_clients)
        self._clock = clock
        self._clients: OrderedDict[str, _Client] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    def admit(self, client: str, key: bytes) -> int | None:
        """Start trying `key` for `client`: None if admitted (then `release`), else seconds to wait."""
        entry = self._entry(client)
        if key in entry.pending:  # the same key again: still one key being tried (single-flight)
            entry.pending[key] += 1
            return None
        if entry.failures >= self._limit:
            return max(1, math.ceil(entry.window_start + self._window - self._clock()))
        if entry.failures + len(entry.pending) >= self._limit:
            return 1  # the keys being tried will be decided in moments
        entry.pending[key] = 1
        return None

    def release(self, client: str, key: bytes) -> None:
        """The request admitted with `key` is over."""
        entry = self._clients.get(client)
        if entry is None or key not in entry.pending:
            return  # dropped from the table meanwhile
        entry.pending[key] -= 1
        if entry.pending[key] == 0:
            del entry.pending[key]

    def record_failure(self, client: str) -> None:
        """JumpCloud rejected a key this client sent."""
        self._entry(client).failures += 1

    def _entry(self, client: str) -> _Client:
        now = self._clock()
        entry = self._clients.get(client)
        if entry is None:
            entry = self._clients[client] = _Client(now)
            while len(self._clients) > self._max_clients:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(client)
            if now - entry.window_start >= self._window:
                entry.window_start, entry.failures = now, 0
        return entry


def client_key(host: str | None) -> str:
    """The address a budget is kept for: IPv4 as is, IPv6 by its /64."""
    if not host or ":" not in host:
        return host or "unknown"
    try:
        return str(ipaddress.IPv6Network((host, 64), strict=False))
    except ValueError:
        return host


def credential_of(scope: Scope) -> bytes | None:
    """The digest of the request's key and org id, as the JumpCloud client will compute it; None if
    the request is not a guarded SCIM request or carries no usable token (the handler answers those)."""
    path: str = scope["path"]
    start = path.find(_SCIM)
    if start < 0 or not path.startswith(_GUARDED, start + len(_SCIM)):
        return None
    org_id = None
    if start > 0:
        org_id = object_id(path.removeprefix("/orgs/").split("/", 1)[0])
        if org_id is None:
            return None
    for name, value in scope["headers"]:
        if name == b"authorization":
            token = bearer_token(value.decode("latin-1"))  # the handler's rule: what it refuses is not charged
            return None if token is None else key_digest(token, org_id)
    return None


class AuthGuardMiddleware:
    """Refuses, before the handler runs, keys JumpCloud just rejected and addresses out of budget."""

    def __init__(self, app: ASGIApp, *, failures: FailedAuthBudget, on_rejection: Callable[[str], None]) -> None:
        self.app = app
        self.failures = failures
        self.on_rejection = on_rejection

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        digest = credential_of(scope) if scope["type"] == "http" else None
        if digest is None:
            await self.app(scope, receive, send)
            return
        verdicts: KeyVerdicts = scope["app"].state.jumpcloud.verdicts
        stats = budget.current()
        if verdicts.is_rejected(digest):
            await self._refuse("negative_cache", rejected_key_error(), scope, receive, send)
            return
        client = client_key((scope.get("client") or (None, 0))[0])
        admitted = False
        if not verdicts.is_accepted(digest):
            wait = self.failures.admit(client, digest)
            if wait is not None:
                refusal = Throttled(
                    "Too many API keys from this address were rejected by JumpCloud; "
                    f"retry in {wait} seconds with a valid key",
                    retry_after=wait,
                )
                await self._refuse("ip_budget", refusal, scope, receive, send)
                return
            admitted = True
        try:
            await self.app(scope, receive, send)
        finally:
            if admitted:
                self.failures.release(client, digest)
            if stats.auth_rejection == "jumpcloud":
                self.failures.record_failure(client)
            if stats.auth_rejection is not None:
                self.on_rejection(stats.auth_rejection)

    async def _refuse(self, reason: str, error: ProxyError, scope: Scope, receive: Receive, send: Send) -> None:
        budget.current().auth_rejection = reason
        self.on_rejection(reason)
        response = await proxy_error_handler(Request(scope, receive), error)
        await response(scope, receive, send)
