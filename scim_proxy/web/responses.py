"""SCIM responses: `application/scim+json` bodies and the one SCIM error handler."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scim_proxy.errors import ProxyError
from scim_proxy.scim.schema import ERROR, LIST_RESPONSE

SCIM_MEDIA_TYPE = "application/scim+json"
log = structlog.get_logger("scim_proxy")
_ENCODER = msgspec.json.Encoder()


class ScimResponse(JSONResponse):
    """JSON with the SCIM media type (Entra's validator rejects plain application/json).

    Written by msgspec: the same bytes as Starlette's `json.dumps` (compact, UTF-8) for what SCIM
    bodies hold, in a tenth of the CPU; a float would print in its shortest form (`1e-7`, not
    `1e-07`). Anything msgspec cannot write goes through `json` as before.
    """

    media_type = SCIM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        try:
            return _ENCODER.encode(content)
        except UnicodeEncodeError:
            pass  # a lone surrogate: below
        except (TypeError, msgspec.EncodeError):
            pass  # not JSON as msgspec sees it (a non-string key...): json.dumps decides, as before
        try:
            return super().render(content)
        except UnicodeEncodeError:
            # A lone surrogate JumpCloud stored (before we refused them) cannot be UTF-8: send it
            # as the JSON escape it arrived as, rather than fail every read of that user.
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def list_response(total: int, start_index: int, resources: list[dict[str, Any]]) -> ScimResponse:
    """A ListResponse (RFC 7644 section 3.4.2): one page of `resources` out of `total`."""
    return ScimResponse(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "startIndex": start_index,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


def error_response(
    status: int, detail: str, *, scim_type: str | None = None, headers: dict[str, str] | None = None
) -> ScimResponse:
    """A SCIM Error body (RFC 7644 section 3.12); `status` is a string, as the RFC's examples show."""
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return ScimResponse(body, status_code=status, headers=headers)


async def proxy_error_handler(request: Request, exc: Exception) -> Response:
    """Turn a ProxyError into its SCIM Error; the message is already safe to send."""
    assert isinstance(exc, ProxyError)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if exc.status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="scim-proxy"'}
    detail = str(exc) if exc.status != 500 else "Internal error; the request id is in the proxy's log"
    return error_response(exc.status, detail, scim_type=exc.scim_type, headers=headers)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 (unknown route, wrong method) as SCIM Errors."""
    assert isinstance(exc, HTTPException)
    detail = {
        404: f"No such endpoint: {request.url.path}",
        405: f"{request.method} is not supported on {request.url.path}",
    }.get(exc.status_code, exc.detail)
    return error_response(exc.status_code, detail, headers=dict(exc.headers or {}))


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Anything unplanned: log the traceback, send a generic 500 without it."""
    log.exception("unexpected_error", error_type=type(exc).__name__)
    return error_response(500, "Internal error; the request id is in the proxy's log")


async def client_disconnect_handler(request: Request, exc: Exception) -> Response:
    """The client left while sending its body: nothing to answer, no traceback.

    The status 499 (nginx's "client closed request") never reaches the client; it is what
    the request's one `scim_request` log line and the metrics show.
    """
    return Response(status_code=499)
