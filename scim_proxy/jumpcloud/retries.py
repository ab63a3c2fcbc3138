"""The retry policy: how many attempts, how long to wait between them, what a last failure becomes.

Pure decisions over a failed attempt; `client.py` makes the calls and sleeps. Idempotent
calls retry every status in RETRYABLE_STATUSES and every transport failure; a create
retries a 429 straight away (JumpCloud did nothing) and anything else only after a look-up
(`JumpCloudClient.create`).
"""

from __future__ import annotations

import random

import attrs
import httpx

from scim_proxy.jumpcloud.responses import REFUSED, final_error, is_transport_failure, retry_after


@attrs.frozen(kw_only=True)
class RetryPolicy:
    attempts: int = 4
    wait_initial: float = 0.2
    wait_max: float = 5.0
    retry_after_cap: float = 10.0


class RetryableStatus(Exception):
    """An answer whose status is worth another attempt (RETRYABLE_STATUSES)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def pause(policy: RetryPolicy, failures: int, exc: Exception, *, remaining: float) -> float | None:
    """Seconds to wait after the `failures`-th failed attempt; None: give up now.

    `Retry-After` is honoured up to the cap; otherwise full-jitter exponential backoff. A
    wait that would leave no time before the request's deadline (`remaining`) gives up.
    """
    wait: float | None = None
    if isinstance(exc, RetryableStatus):
        wait = retry_after(exc.response)
        if wait is not None and wait > policy.retry_after_cap:
            return None  # JumpCloud wants a longer pause than we may take: give up now
    elif not is_transport_failure(exc):
        return None
    if wait is None:
        # Full jitter: spread retries of many concurrent requests instead of synchronising them.
        ceiling = min(policy.wait_max, policy.wait_initial * 2 ** (failures - 1))
        wait = random.uniform(0, ceiling)  # noqa: S311 -- jitter, not cryptography
    return wait if wait < remaining else None


def refused(failure: Exception) -> bool:
    """JumpCloud throttled the call before doing anything (429): even a create may be sent again."""
    return isinstance(failure, RetryableStatus) and failure.response.status_code == REFUSED


def final(failure: Exception, operation: str) -> Exception:
    """What a failed last attempt becomes: a status's SCIM error, or the transport failure itself."""
    if isinstance(failure, RetryableStatus):
        return final_error(failure.response, operation)
    return failure
