"""Failures we answer with a SCIM Error body (RFC 7644, section 3.12).

ProxyError                          500  (generic detail; never upstream text)
├── InvalidSyntax(ValueError)       400 invalidSyntax
├── InvalidValue(ValueError)        400 invalidValue
│   └── TooManyMembers              400 invalidValue (more member ids than one request may carry)
├── InvalidFilter(ValueError)       400 invalidFilter
├── TooMany(ValueError)             400 tooMany
├── InvalidPath(ValueError)         400 invalidPath
├── NoTarget(ValueError)            400 noTarget
├── Mutability(ValueError)          400 mutability
├── Unauthorized                    401
├── Forbidden                       403
├── ProvisioningDisabled            403 (groups switched off)
├── NotFound(LookupError)           404
├── MethodNotAllowed                405
├── Conflict                        409 uniqueness
├── PayloadTooLarge                 413
├── Throttled                       429 (Retry-After)
└── UpstreamUnavailable             502
    ├── UpstreamTimeout             504
    └── UpstreamBusy                503 (Retry-After)
        └── CallBudgetExhausted     503 (one request may make only so many JumpCloud calls)

`str(exc)` becomes the SCIM `detail`, so a message never holds a secret, a password
or a raw upstream body.
"""

from __future__ import annotations

from typing import ClassVar


class ProxyError(Exception):
    """Base class: a failure with a SCIM status, an optional scimType and a safe message."""

    status: ClassVar[int] = 500
    scim_type: ClassVar[str | None] = None

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidSyntax(ProxyError, ValueError):
    """The body is not JSON, not an object, or not the shape the request needs."""

    status = 400
    scim_type = "invalidSyntax"


class InvalidValue(ProxyError, ValueError):
    """A value breaks a rule of ours or of JumpCloud's (required, format, length)."""

    status = 400
    scim_type = "invalidValue"


class TooManyMembers(InvalidValue):
    """A group request names more members than `max_group_members`; refused before any upstream call.

    scimType invalidValue, not tooMany: RFC 7644 defines tooMany for a *filter* yielding too
    many results (its remedy: narrow the filter), while invalidValue is "the value specified
    was not compatible with the operation", whose remedy, send a different value (fewer
    members per request), is the one that applies here.
    """


class InvalidFilter(ProxyError, ValueError):
    """The filter uses syntax or attributes outside what we can answer exactly."""

    status = 400
    scim_type = "invalidFilter"


class TooMany(ProxyError, ValueError):
    """A filter or sort the proxy must evaluate itself selects more users or groups than it will read."""

    status = 400
    scim_type = "tooMany"


class InvalidPath(ProxyError, ValueError):
    """A PATCH path we cannot parse."""

    status = 400
    scim_type = "invalidPath"


class NoTarget(ProxyError, ValueError):
    """A PATCH path that names nothing we hold."""

    status = 400
    scim_type = "noTarget"


class Mutability(ProxyError, ValueError):
    """A change JumpCloud will not make to an attribute it holds (a refused rename)."""

    status = 400
    scim_type = "mutability"


class Unauthorized(ProxyError):
    """No usable bearer token, or JumpCloud refused the API key."""

    status = 401


class Forbidden(ProxyError):
    """JumpCloud accepted the key but refused the operation."""

    status = 403


class NotFound(ProxyError, LookupError):
    """No such resource or route."""

    status = 404


class MethodNotAllowed(ProxyError):
    """The route exists but not for this method (e.g. writes to discovery)."""

    status = 405


class Conflict(ProxyError):
    """A value that must be unique is already taken in JumpCloud."""

    status = 409
    scim_type = "uniqueness"


class PayloadTooLarge(ProxyError):
    """The request body is larger than the configured limit."""

    status = 413


class Throttled(ProxyError):
    """JumpCloud kept throttling us; Entra should come back after Retry-After."""

    status = 429


class ProvisioningDisabled(ProxyError):
    """The operator switched this resource type off (group provisioning); the detail says what to do."""

    status = 403


class UpstreamUnavailable(ProxyError):
    """JumpCloud failed or could not be reached."""

    status = 502


class UpstreamTimeout(UpstreamUnavailable):
    """JumpCloud did not answer in time."""

    status = 504


class UpstreamBusy(UpstreamUnavailable):
    """JumpCloud answered 5xx until our retries ran out."""

    status = 503


class CallBudgetExhausted(UpstreamBusy):
    """This SCIM request used its `max_calls_per_request` JumpCloud calls; what it changed so far stays."""
