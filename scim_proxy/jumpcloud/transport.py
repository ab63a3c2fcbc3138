"""The production JumpCloud client: one pooled httpx client over the chosen transport, cookies dropped."""

from __future__ import annotations

from typing import Any

import httpx

from scim_proxy.jumpcloud.budget import CallLimiter, KeyLimiter
from scim_proxy.jumpcloud.client import JumpCloudClient, RetryPolicy
from scim_proxy.jumpcloud.cookieless import CookielessClient, CookielessTransport
from scim_proxy.jumpcloud.verdicts import KeyVerdicts
from scim_proxy.settings import Settings


def make_jumpcloud_client(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_call: Any = None,
    upstream_client: str | None = None,
) -> JumpCloudClient:
    """The production client: one pooled connection set to the configured JumpCloud.

    `upstream_client` (default: the setting) picks the transport under the httpx API:
    "httptools" is ours (jumpcloud/http11.py, the least CPU per call); "aiohttp" is
    `httpx_aiohttp.AiohttpTransport`; "httpx" is httpx's own (httpcore), the most CPU per call.
    An injected `transport` (tests: respx behind httpx.MockTransport) always wins.
    """
    # The pool holds as many connections as CallLimiter lets calls be in flight: no call waits
    # for a connection that a slot-holding call of another key keeps.
    pool = max(1, settings.max_calls_in_flight)
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=min(50, pool))
    kind = upstream_client or settings.upstream_client
    if transport is None:
        if kind == "httptools":
            from scim_proxy.jumpcloud.http11 import Http11Transport

            transport = Http11Transport(limits=limits)
        elif kind == "aiohttp":
            from httpx_aiohttp import AiohttpTransport  # imported here: it is slow, see lifespan

            transport = AiohttpTransport(limits=limits, client=lambda: _aiohttp_session(limits))
        else:
            transport = httpx.AsyncHTTPTransport(limits=limits)
    http = CookielessClient(
        CookielessTransport(transport),
        base_url=settings.jumpcloud_url,
        timeout=httpx.Timeout(settings.upstream_timeout, connect=min(5.0, settings.upstream_timeout)),
        limits=limits,
        headers={"user-agent": "scim-proxy"},
    )
    retry = RetryPolicy(
        attempts=settings.retry_attempts,
        wait_initial=settings.retry_backoff,
        wait_max=settings.retry_backoff_max,
        retry_after_cap=settings.retry_after_cap,
    )
    return JumpCloudClient(
        http,
        retry=retry,
        limiter=KeyLimiter(settings.max_upstream_concurrency, settings.max_queued),
        calls=CallLimiter(pool, settings.unverified_calls_in_flight, settings.max_queued),
        verdicts=KeyVerdicts(ttl=settings.rejected_key_ttl, max_entries=settings.auth_table_size),
        max_calls_per_request=settings.max_calls_per_request,
        upstream_timeout=settings.upstream_timeout,
        on_call=on_call,
    )


def _aiohttp_session(limits: httpx.Limits) -> Any:
    """aiohttp's session for the transport, without a cookie jar (see CookielessTransport)."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=limits.max_connections or 100, keepalive_timeout=limits.keepalive_expiry)
    session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
    # aiohttp silently resends a GET, PUT or DELETE once when a kept-alive connection closes
    # before the answer (RFC 9112 §9.3.1). JumpCloudClient retries itself and must see every
    # attempt: hidden, a DELETE applied by the lost attempt met 404 on the resend and looked
    # like "no such user", and the metrics and recordings missed a call. No public switch;
    # aiohttp's own test_utils sets the same attribute.
    session._retry_connection = False
    return session
