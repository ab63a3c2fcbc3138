"""Reading JumpCloud's answers: which statuses to retry and which SCIM error each failure becomes.

Functions of an `httpx.Response`; the calls themselves are made in jumpcloud.py only.
"""

from __future__ import annotations

from typing import Any

import httpx

from scim_proxy.errors import (
    Conflict,
    Forbidden,
    InvalidValue,
    NotFound,
    ProxyError,
    Throttled,
    UpstreamBusy,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from scim_proxy.jumpcloud.verdicts import rejected_key_error

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REFUSED = 429  # JumpCloud throttled the call before doing anything: even a create may be sent again
_MAX_MESSAGE = 200


def is_transport_failure(exc: Exception) -> bool:
    """Timeouts and connection failures from `_once` (not a full queue, not an HTTP status)."""
    return isinstance(exc, UpstreamTimeout) or type(exc) is UpstreamUnavailable


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare; fall back to our own backoff


def final_error(response: httpx.Response, operation: str) -> ProxyError:
    hinted = retry_after(response)
    wait = int(hinted) + 1 if hinted is not None else 5
    if response.status_code == 429:
        return Throttled(f"JumpCloud is rate-limiting {operation}; retry later", retry_after=wait)
    # 500/502/503/504 after every retry: 503 with Retry-After, so Entra comes back later. (Our own
    # client timing out is different: that is a 504, raised where the call is made.)
    return UpstreamBusy(f"JumpCloud is unavailable for {operation} (HTTP {response.status_code})", retry_after=wait)


def check(response: httpx.Response, operation: str, *, conflict_by_text: bool = True) -> httpx.Response:
    """The 2xx response, else its SCIM error. `conflict_by_text=False` (creates) reads a 400 as
    invalidValue whatever it says: the caller then asks JumpCloud who holds the unique values."""
    status = response.status_code
    if status < 300:
        return response
    if status == 401:
        raise rejected_key_error()
    if status == 403:
        raise Forbidden(f"JumpCloud refused {operation} for this API key: the admin's role may not allow it")
    if status == 404:
        raise NotFound(f"Not found in JumpCloud ({operation})")
    message = jumpcloud_message(response)  # read only for the answers that quote it
    if status == 409 or (status == 400 and conflict_by_text and "already exist" in message.lower()):
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


def json_or_text(response: httpx.Response | None) -> Any:
    if response is None or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]
