"""JumpCloudClient: the one object that sends HTTP to JumpCloud (users.py and groups.py call it).

One pooled `httpx.AsyncClient` (injected: tests hand in a respx-backed one) carries every
call. Idempotent calls (GET, PUT, DELETE, search, member changes) are retried with stamina
on 429, 500, 502, 503, 504 and connection errors, with full-jitter exponential backoff,
honouring a capped `Retry-After`, inside the SCIM request's deadline. A create goes through
`create()`: sent again only when JumpCloud surely did not apply it (see its docstring); a
DELETE goes through `delete()`: a retry meeting 404 is done.

Before anything is sent (`_once`): the request's call budget, the key's verdict (a key
JumpCloud just rejected gets 401 from memory; an unknown key is tried one call at a time,
verdicts.py), the per-key slot (KeyLimiter), then a process-wide slot (CallLimiter: keys
that never worked get a small share of them).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx
import stamina

from scim_proxy.errors import CallBudgetExhausted, NotFound, UpstreamTimeout, UpstreamUnavailable
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.calls import Call, Requests, call_for
from scim_proxy.jumpcloud.cookieless import CookielessClient
from scim_proxy.jumpcloud.decode import Decoder
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.responses import (
    RETRYABLE_STATUSES,
    check,
    final_error,
    is_transport_failure,
    json_or_text,
)
from scim_proxy.jumpcloud.retries import RetryableStatus, RetryPolicy, final, pause, refused
from scim_proxy.jumpcloud.verdicts import KeyRejected, KeyVerdicts, rejected_key_error

__all__ = ["JumpCloudClient", "RetryPolicy"]

_T = TypeVar("_T")


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
        self._requests = Requests(http)
        # Our own client (make_jumpcloud_client) skips send()'s unused machinery; any other: send().
        self._exchange = http.exchange if isinstance(http, CookielessClient) else http.send

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
    ) -> httpx.Response:
        """Send one idempotent call, retried; return a 2xx response or raise (a create: `create()`)."""
        call = call_for(method, path, auth=auth, params=params, body=body, operation=operation)
        # The first attempt goes straight out: most calls succeed, and setting up the retry
        # machinery for each of them cost ~5 % of a request's CPU. A retryable failure is then
        # handed to stamina as its first attempt, so the attempt count and backoff are unchanged.
        first = await self._try(call)
        if isinstance(first, httpx.Response):
            return check(first, operation)  # a 4xx is not retried
        stats = budget.current()
        failure: Exception | None = first
        try:
            async for attempt in stamina.retry_context(
                on=self._backoff_hook(),
                attempts=max(1, self._retry.attempts),
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
        except RetryableStatus as exc:
            raise final_error(exc.response, operation) from None
        return check(response, operation)

    async def delete(
        self, path: str, *, auth: Credentials, operation: str, params: Mapping[str, str] | None = None
    ) -> None:
        """DELETE, retried; a retry meeting 404 is done: the unanswered attempt before it deleted."""
        stats = budget.current()
        calls_before = stats.calls
        try:
            await self.request("DELETE", path, auth=auth, operation=operation, params=params)
        except NotFound:
            if stats.calls - calls_before == 1:
                raise

    async def create(
        self,
        path: str,
        *,
        auth: Credentials,
        operation: str,
        body: Any,
        decode: Callable[[httpx.Response], _T],
        committed: Callable[[], Awaitable[_T | None]],
    ) -> _T:
        """POST a create, sent again only when JumpCloud surely did not apply it; one send at a time.

        - 429: JumpCloud refused before doing anything: sent again after `Retry-After` or our backoff.
        - 5xx, timeout, dropped connection: maybe applied. `committed()` looks: what it finds is
          the answer (it raises for someone else's user); None: not applied, so sent again. A
          failed look-up leaves the failure as the answer.
        - 400/409 after an unanswered send: maybe our own create (applied, or still running when
          it timed out: the unique username makes the second one "already exists", never a second
          user), so `committed()` looks again before JumpCloud's answer stands.

        At most `RetryPolicy.attempts` sends, all inside the request's deadline.
        """
        call = call_for("POST", path, auth=auth, params=None, body=body, operation=operation)
        stats = budget.current()
        unanswered, sent = False, 0
        while True:
            sent += 1
            outcome = await self._try(call)
            if isinstance(outcome, httpx.Response):
                if unanswered and outcome.status_code in (400, 409):
                    found = await committed()
                    if found is not None:
                        return found
                return decode(check(outcome, operation, conflict_by_text=False))
            if not refused(outcome):
                unanswered = True
                try:
                    found = await committed()
                except UpstreamUnavailable:
                    raise final(outcome, operation) from None
                if found is not None:
                    return found
            wait = self._pause(sent, outcome) if sent < self._retry.attempts else None
            if wait is None:
                raise final(outcome, operation)
            await asyncio.sleep(wait)
            stats.retries += 1

    async def _try(self, call: Call) -> httpx.Response | Exception:
        """One attempt: the answer, or the failure worth another (a retryable status, a transport failure)."""
        try:
            response = await self._once(call)
        except UpstreamUnavailable as exc:
            if not is_transport_failure(exc):
                raise
            return exc
        return RetryableStatus(response) if response.status_code in RETRYABLE_STATUSES else response

    async def _attempt(self, call: Call) -> httpx.Response:
        """One exchange; a status worth retrying comes out as RetryableStatus."""
        response = await self._once(call)
        if response.status_code in RETRYABLE_STATUSES:
            raise RetryableStatus(response)
        return response

    def _backoff_hook(self) -> Any:
        failures = [0]

        def hook(exc: Exception) -> bool | float:
            failures[0] += 1
            wait = self._pause(failures[0], exc)
            return False if wait is None else wait

        return hook

    def _pause(self, failures: int, exc: Exception) -> float | None:
        return pause(self._retry, failures, exc, remaining=budget.current().remaining())

    async def _once(self, call: Call) -> httpx.Response:
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
                self._limiter.slot(call.key_id),  # a full queue raises before anything is sent
                self.calls.slot(verified=not deciding, timeout=stats.remaining()),
            ):
                return await self._send(stats, call, started, wall)
        finally:
            if deciding:
                self.verdicts.done(call.digest)

    async def _send(self, stats: budget.UpstreamStats, call: Call, started: float, wall: float) -> httpx.Response:
        # Counted and listed when sent, not when answered: the call budget then holds with calls
        # in flight, and the recording lists calls in the order a replay will make them.
        stats.calls += 1
        exchange = None
        if stats.exchanges is not None:
            exchange = budget.UpstreamCall(
                method=call.method,
                path=call.path,
                query=call.query,
                request_body=call.body,
                status=None,
                response_body=None,
                seconds=0.0,
                started=wall,
            )
            stats.exchanges.append(exchange)
        timeout = max(0.001, min(self._timeout, stats.remaining()))
        try:
            response = await self._exchange(self._requests.build(call, timeout))
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
        call: Call,
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
