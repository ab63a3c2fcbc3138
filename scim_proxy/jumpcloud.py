"""JumpCloudClient: the only module that talks HTTP to JumpCloud.

One pooled `httpx.AsyncClient` (injected: tests hand in a respx-backed one) carries every
call. Idempotent calls (GET, PUT, DELETE, search) are retried with stamina on 429, 502,
503, 504 and connection errors, with full-jitter exponential backoff, honouring a capped
`Retry-After`, inside the SCIM request's deadline. A create (POST) is sent once: the
caller decides what an unanswered create means (see `endpoints/users.py`).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
import httpx
import stamina

from . import upstream
from .converters import make_jc_converter
from .errors import (
    Conflict,
    Forbidden,
    InvalidValue,
    NotFound,
    ProxyError,
    Throttled,
    Unauthorized,
    UpstreamBusy,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from .jc_models import JcPage, JcUser

_T = TypeVar("_T")
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
_MAX_MESSAGE = 200


@attrs.frozen
class Credentials:
    """The Entra Secret Token (a JumpCloud API key) and, for multi-tenant admins, the org id."""

    api_key: str = attrs.field(repr=False)
    org_id: str | None = None


@attrs.frozen(kw_only=True)
class RetryPolicy:
    attempts: int = 4
    wait_initial: float = 0.2
    wait_max: float = 5.0
    retry_after_cap: float = 10.0


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
        limiter: upstream.KeyLimiter | None = None,
        upstream_timeout: float = 10.0,
        on_call: Callable[[str, str, int | None, float], None] | None = None,
    ) -> None:
        self._http = http
        self._call_observers: list[Callable[[str, str, int | None, float], None]] = (
            [on_call] if on_call else []
        )
        self._retry = retry or RetryPolicy()
        self._limiter = limiter or upstream.KeyLimiter(10, 200)
        self._timeout = upstream_timeout
        self._converter = make_jc_converter()

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
        if auth.org_id:
            headers["x-org-id"] = auth.org_id
        content = None if body is None else json.dumps(body).encode()
        if content is not None:
            headers["content-type"] = "application/json"
        stats = upstream.current()
        attempts = self._retry.attempts if idempotent else 1
        try:
            async for attempt in stamina.retry_context(
                on=self._backoff_hook(idempotent),
                attempts=max(1, attempts),
                timeout=max(0.0, stats.remaining()),
                wait_initial=self._retry.wait_initial,
                wait_max=self._retry.wait_max,
                wait_jitter=0.0,
            ):
                with attempt:
                    if attempt.num > 1:
                        stats.retries += 1
                    response = await self._once(method, path, headers, params, content, body, operation)
                    if response.status_code in RETRYABLE_STATUSES:
                        raise _RetryableStatus(response)
        except _RetryableStatus as exc:
            raise _final_error(exc.response, operation) from None
        return _check(response, operation)

    def _backoff_hook(self, idempotent: bool) -> Any:
        policy = self._retry
        attempt = [0]

        def hook(exc: Exception) -> bool | float:
            if not idempotent:
                return False
            attempt[0] += 1
            if isinstance(exc, _RetryableStatus):
                hinted = _retry_after(exc.response)
                if hinted is not None:
                    if hinted > policy.retry_after_cap:
                        return False  # JumpCloud wants a longer pause than we may take: give up now
                    return hinted
            elif not _is_transport_failure(exc):
                return False
            # Full jitter: spread retries of many concurrent requests instead of synchronising them.
            ceiling = min(policy.wait_max, policy.wait_initial * 2 ** (attempt[0] - 1))
            return random.uniform(0, ceiling)  # noqa: S311 -- jitter, not cryptography

        return hook

    async def _once(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        params: Mapping[str, str] | None,
        content: bytes | None,
        body: Any,
        operation: str,
    ) -> httpx.Response:
        stats = upstream.current()
        remaining = stats.remaining()
        if remaining <= 0:
            raise UpstreamTimeout(f"No time left to call JumpCloud for {operation}")
        timeout = min(self._timeout, remaining)
        started, wall = time.monotonic(), time.time()
        async with self._limiter.slot(headers["x-api-key"]):
            try:
                response = await self._http.request(
                    method, path, params=params, content=content, headers=headers, timeout=timeout
                )
                await response.aread()
            except httpx.TimeoutException as exc:
                self._account(stats, method, path, params, body, None, None, started, wall)
                raise UpstreamTimeout(f"JumpCloud did not answer {operation} in time") from exc
            except httpx.TransportError as exc:
                self._account(stats, method, path, params, body, None, None, started, wall)
                raise UpstreamUnavailable(f"JumpCloud could not be reached for {operation}") from exc
        self._account(stats, method, path, params, body, response.status_code, response, started, wall)
        return response

    def _account(
        self,
        stats: upstream.UpstreamStats,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        status: int | None,
        response: httpx.Response | None,
        started: float,
        wall: float,
    ) -> None:
        elapsed = time.monotonic() - started
        stats.calls += 1
        stats.seconds += elapsed
        for observer in self._call_observers:
            observer(method, path, status, elapsed)
        if stats.exchanges is not None:
            stats.exchanges.append(
                upstream.UpstreamCall(
                    method=method,
                    path=path,
                    query=str(httpx.QueryParams(params or {})),
                    request_body=body,
                    status=status,
                    response_body=_json_or_text(response),
                    seconds=elapsed,
                    started=wall,
                )
            )

    # -- /api/systemusers ---------------------------------------------------------------------

    async def get_user(self, user_id: str, *, auth: Credentials) -> JcUser:
        response = await self.request("GET", f"/api/systemusers/{user_id}", auth=auth, operation="get_user")
        return self._user(response)

    async def list_users(self, *, skip: int, limit: int, auth: Credentials) -> JcPage:
        params = {"skip": str(skip), "limit": str(limit), "sort": "_id"}
        response = await self.request(
            "GET", "/api/systemusers", auth=auth, params=params, operation="list_users"
        )
        return self._page(response)

    async def search_users(
        self, query: list[dict[str, Any]], *, skip: int, limit: int, auth: Credentials
    ) -> JcPage:
        body = {"filter": {"and": query}, "skip": skip, "limit": limit}
        response = await self.request(
            "POST", "/api/search/systemusers", auth=auth, body=body, operation="search_users"
        )
        return self._page(response)

    async def create_user(self, body: Mapping[str, Any], *, auth: Credentials) -> JcUser:
        response = await self.request(
            "POST", "/api/systemusers", auth=auth, body=dict(body), operation="create_user", idempotent=False
        )
        return self._user(response)

    async def update_user(self, user_id: str, body: Mapping[str, Any], *, auth: Credentials) -> JcUser:
        response = await self.request(
            "PUT", f"/api/systemusers/{user_id}", auth=auth, body=dict(body), operation="update_user"
        )
        return self._user(response)

    async def delete_user(self, user_id: str, *, auth: Credentials) -> None:
        # cascade_manager=null clears `manager` on direct reports, so deleting a manager cannot fail.
        await self.request(
            "DELETE",
            f"/api/systemusers/{user_id}",
            auth=auth,
            params={"cascade_manager": "null"},
            operation="delete_user",
        )

    def _user(self, response: httpx.Response) -> JcUser:
        return self._decode(response, JcUser)

    def _page(self, response: httpx.Response) -> JcPage:
        return self._decode(response, JcPage)

    def _decode(self, response: httpx.Response, cls: type[_T]) -> _T:
        try:
            return self._converter.structure(response.json(), cls)
        except (ValueError, TypeError, KeyError, cattrs.BaseValidationError) as exc:
            raise UpstreamUnavailable("JumpCloud sent an answer we could not read") from exc


def _is_transport_failure(exc: Exception) -> bool:
    """Timeouts and connection failures from `_once` (not a full queue, not an HTTP status)."""
    return isinstance(exc, UpstreamTimeout) or type(exc) is UpstreamUnavailable


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare; fall back to our own backoff


def _final_error(response: httpx.Response, operation: str) -> ProxyError:
    hinted = _retry_after(response)
    retry_after = int(hinted) + 1 if hinted is not None else 5
    if response.status_code == 429:
        return Throttled(f"JumpCloud is rate-limiting {operation}; retry later", retry_after=retry_after)
    if response.status_code == 504:
        return UpstreamTimeout(f"JumpCloud timed out on {operation}")
    return UpstreamBusy(
        f"JumpCloud is unavailable for {operation} (HTTP {response.status_code})", retry_after=retry_after
    )


def _check(response: httpx.Response, operation: str) -> httpx.Response:
    status = response.status_code
    if status < 300:
        return response
    message = jumpcloud_message(response)
    if status == 401:
        raise Unauthorized(
            "JumpCloud rejected the API key (the Secret Token): check that it is a current "
            "JumpCloud admin API key, and for multi-tenant admins the org id"
        )
    if status == 403:
        raise Forbidden(f"JumpCloud refused {operation} for this API key: the admin's role may not allow it")
    if status == 404:
        raise NotFound(f"Not found in JumpCloud ({operation})")
    if status == 409 or (status == 400 and "already exist" in message.lower()):
        raise Conflict(f"JumpCloud refused {operation}: {message or 'a unique value is already taken'}")
    if status in (400, 422):
        raise InvalidValue(f"JumpCloud rejected {operation}: {message or 'invalid value'}")
    raise UpstreamUnavailable(f"JumpCloud failed on {operation} (HTTP {status})")


def jumpcloud_message(response: httpx.Response) -> str:
    """JumpCloud's `message` (never the raw body), trimmed and printable, or ""."""
    try:
        data = response.json()
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        return ""
    cleaned = "".join(c for c in message if c.isprintable())
    return cleaned[:_MAX_MESSAGE]


def _json_or_text(response: httpx.Response | None) -> Any:
    if response is None or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]
