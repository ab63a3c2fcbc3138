"""JumpCloudClient: the one object that sends HTTP to JumpCloud (users.py and groups.py call it).

One pooled `httpx.AsyncClient` (injected: tests hand in a respx-backed one) carries every
call. Idempotent calls (GET, PUT, DELETE, search) are retried with stamina on 429, 502,
503, 504 and connection errors, with full-jitter exponential backoff, honouring a capped
`Retry-After`, inside the SCIM request's deadline. A create (POST) is sent once: the
caller decides what an unanswered create means (see `endpoints/users.py`).

Before anything is sent (`_once`): the request's call budget, the key's verdict (a key
JumpCloud just rejected gets 401 from memory; an unknown key is tried one call at a time,
verdicts.py), the per-key slot (KeyLimiter), then a process-wide slot (CallLimiter: keys
that never worked get a small share of them).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import httpx
import stamina

from scim_proxy.errors import (
    CallBudgetExhausted,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.decode import Decoder
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.responses import (
    RETRYABLE_STATUSES,
    check,
    final_error,
    is_transport_failure,
    json_or_text,
    retry_after,
)
from scim_proxy.jumpcloud.verdicts import KeyRejected, KeyVerdicts, key_digest, rejected_key_error

_T = TypeVar("_T")

# Path prefixes that do not accept `x-org-id` (JumpCloud's own PowerShell SDK removes the header
# for exactly these: TheJumpCloud/jcapi-powershell, Custom/Module.cs, "Several endpoints do not
# accept x-org-id as a header so remove it"). Matched as prefixes, as that SDK does.
ORG_HEADER_REFUSED = (
    "/api/search/organizations",
    "/api/organizations",
    "/api/users",
    "/api/v2/organizations",
    "/api/v2/administrators",
    "/api/v2/providers",
    "/api/v2/integrations/",
)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    attempts: int = 4
    wait_initial: float = 0.2
    wait_max: float = 5.0
    retry_after_cap: float = 10.0


@attrs.frozen
class _Call:
    """One logical JumpCloud call, as every attempt of it is sent."""

    method: str
    path: str
    headers: dict[str, str]
    params: Mapping[str, str] | None
    content: bytes | None
    body: Any  # the JSON value of `content`, kept for the recorder
    operation: str
    digest: bytes  # the key's identity in KeyVerdicts (key and org id, hashed)


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class JumpCloudClient:
    """One method per JumpCloud endpoint we use; errors come out as ProxyErrors."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        limiter: budget.KeyLimiter | None = None,
        calls: budget.CallLimiter | None = None,
        verdicts: KeyVerdicts | None = None,
        max_calls_per_request: int = 2000,
        upstream_timeout: float = 10.0,
        on_call: Callable[[str, str, int | None, float], None] | None = None,
    ) -> None:
        self._http = http
        self._call_observers: list[Callable[[str, str, int | None, float], None]] = [on_call] if on_call else []
        self._retry = retry or RetryPolicy()
        self._limiter = limiter or budget.KeyLimiter(10, 200)
        self.calls = calls or budget.CallLimiter(100, 10, 200)
        self.verdicts = verdicts or KeyVerdicts()
        self._max_calls = max(1, max_calls_per_request)
        self._timeout = upstream_timeout
        self.decoder = Decoder()  # built once: users.py and groups.py read answers with it

    def add_call_observer(self, observer: Callable[[str, str, int | None, float], None]) -> None:
        """Call `observer(method, path, status, seconds)` after every JumpCloud exchange (metrics)."""
        self._call_observers.append(observer)

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        auth: Credentials,
        operation: str,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one logical call (retried if idempotent); return a 2xx response or raise."""
        headers = {"x-api-key": auth.api_key, "accept": "application/json"}
        if auth.org_id and not path.startswith(ORG_HEADER_REFUSED):
            headers["x-org-id"] = auth.org_id
        content = None if body is None else json.dumps(body).encode()
        if content is not None:
            headers["content-type"] = "application/json"
        call = _Call(method, path, headers, params, content, body, operation, key_digest(auth.api_key, auth.org_id))
        # The first attempt goes straight out: most calls succeed, and setting up the retry
        # machinery for each of them cost ~5 % of a request's CPU. A retryable failure is then
        # handed to stamina as its first attempt, so the attempt count and backoff are unchanged.
        try:
            response = await self._attempt(call)
        except _RetryableStatus as exc:
            first: Exception = exc
        except UpstreamUnavailable as exc:
            if not is_transport_failure(exc):
                raise
            first = exc
        else:
            return check(response, operation)  # outside the try: a 500 or 4xx is not retried
        stats = budget.current()
        failure: Exception | None = first
        try:
            async for attempt in stamina.retry_context(
                on=self._backoff_hook(idempotent),
                attempts=max(1, self._retry.attempts if idempotent else 1),
                timeout=max(0.0, stats.remaining()),
                wait_initial=self._retry.wait_initial,
                wait_max=self._retry.wait_max,
                wait_jitter=0.0,
            ):
                with attempt:
                    if failure is not None:
                        replay: Exception = failure
                        failure = None
                        raise replay
                    stats.retries += 1
                    response = await self._attempt(call)
        except _RetryableStatus as exc:
            raise final_error(exc.response, operation) from None
        return check(response, operation)

    async def _attempt(self, call: _Call) -> httpx.Response:
        """One exchange; a status worth retrying comes out as _RetryableStatus."""
        response = await self._once(call)
        if response.status_code in RETRYABLE_STATUSES:
            raise _RetryableStatus(response)
        return response

    def _backoff_hook(self, idempotent: bool) -> Any:
        policy = self._retry
        attempt = [0]

        def hook(exc: Exception) -> bool | float:
            if not idempotent:
                return False
            attempt[0] += 1
            if isinstance(exc, _RetryableStatus):
                hinted = retry_after(exc.response)
                if hinted is not None:
                    if hinted > policy.retry_after_cap:
                        return False  # JumpCloud wants a longer pause than we may take: give up now
                    return hinted
            elif not is_transport_failure(exc):
                return False
            # Full jitter: spread retries of many concurrent requests instead of synchronising them.
            ceiling = min(policy.wait_max, policy.wait_initial * 2 ** (attempt[0] - 1))
            return random.uniform(0, ceiling)  # noqa: S311 -- jitter, not cryptography

        return hook

    async def _once(self, call: _Call) -> httpx.Response:
        stats = budget.current()
        remaining = stats.remaining()
        if remaining <= 0:
            raise UpstreamTimeout(f"No time left to call JumpCloud for {call.operation}")
        if stats.calls >= self._max_calls:
            raise CallBudgetExhausted(
                f"This request reached its limit of {self._max_calls} JumpCloud calls "
                "(SCIM_PROXY_MAX_CALLS_PER_REQUEST); what it changed so far is kept, retry to continue",
                retry_after=1,
            )
        try:
            deciding = await self.verdicts.wait_turn(call.digest, timeout=remaining)
        except KeyRejected:
            stats.auth_rejection = stats.auth_rejection or "negative_cache"
            raise rejected_key_error() from None
        started, wall = time.monotonic(), time.time()
        try:
            # The key's own slot first: a call queued behind its key must not hold a global slot.
            async with (
                self._limiter.slot(call.headers["x-api-key"]),  # a full queue raises before anything is sent
                self.calls.slot(verified=not deciding, timeout=stats.remaining()),
            ):
                return await self._send(stats, call, started, wall)
        finally:
            if deciding:
                self.verdicts.done(call.digest)

    async def _send(self, stats: budget.UpstreamStats, call: _Call, started: float, wall: float) -> httpx.Response:
        # Counted and listed when sent, not when answered: the call budget then holds with calls
        # in flight, and the recording lists calls in the order a replay will make them.
        stats.calls += 1
        exchange = None
        if stats.exchanges is not None:
            exchange = budget.UpstreamCall(
                method=call.method,
                path=call.path,
                query=str(httpx.QueryParams(call.params or {})),
                request_body=call.body,
                status=None,
                response_body=None,
                seconds=0.0,
                started=wall,
            )
            stats.exchanges.append(exchange)
        try:
            response = await self._http.request(
                call.method,
                call.path,
                params=call.params,
                content=call.content,
                headers=call.headers,
                timeout=max(0.001, min(self._timeout, stats.remaining())),
            )
            await response.aread()
        except httpx.TimeoutException as exc:
            self._account(stats, call, None, started, exchange)
            raise UpstreamTimeout(f"JumpCloud did not answer {call.operation} in time") from exc
        except httpx.TransportError as exc:
            self._account(stats, call, None, started, exchange)
            raise UpstreamUnavailable(f"JumpCloud could not be reached for {call.operation}") from exc
        except BaseException:  # a bug or a cancellation: no exchange to record, as before
            if stats.exchanges is not None:
                stats.exchanges[:] = [e for e in stats.exchanges if e is not exchange]
            raise
        self.verdicts.learn(call.digest, response.status_code)
        if response.status_code == 401:
            stats.auth_rejection = "jumpcloud"
        self._account(stats, call, response, started, exchange)
        return response

    def _account(
        self,
        stats: budget.UpstreamStats,
        call: _Call,
        response: httpx.Response | None,
        started: float,
        exchange: budget.UpstreamCall | None,
    ) -> None:
        """Account one exchange (or one that got no answer) for the log, the metrics and the recorder."""
        elapsed = time.monotonic() - started
        status = response.status_code if response is not None else None
        stats.seconds += elapsed
        for observer in self._call_observers:
            observer(call.method, call.path, status, elapsed)
        if exchange is not None:
            exchange.status = status
            exchange.response_body = json_or_text(response)
            exchange.seconds = elapsed
