"""HTTP plumbing shared by the route modules: the JSON response, body decoding, auth, error handlers."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devtools.emulator.errors import BadRequest, JcError, NotFound, Unauthorized
from devtools.emulator.state import EmulatorState
from devtools.emulator.store import OrgStore
from devtools.emulator.wording import error_body

BAD_KEY = "Unauthorized: api key user not found"
NO_ORG = "Unauthorized: no organization selected"


class JcResponse(JSONResponse):
    """JSON with the content type JumpCloud sends (the HAR shows the charset)."""

    media_type = "application/json; charset=utf-8"


def emulator_of(request: Request) -> EmulatorState:
    """The EmulatorState the app was built with."""
    state: EmulatorState = request.app.state.emulator
    return state


def org_for(request: Request) -> OrgStore:
    """Authenticate the request and pick its org; 401 with JumpCloud's bodies otherwise.

    A single-tenant key ignores `x-org-id` (the HAR shows an empty one accepted); a multi-tenant
    key must name one of its orgs in `x-org-id`.
    """
    emulator = emulator_of(request)
    key = request.headers.get("x-api-key")
    if key is not None and key in emulator.config.tenants:
        org_id = request.headers.get("x-org-id", "")
        if org_id not in emulator.config.tenants[key]:
            raise Unauthorized(NO_ORG, with_error=False)
        return emulator.org(org_id)
    if key is None or key not in emulator.config.api_keys:
        raise Unauthorized(BAD_KEY, with_error=True)
    return emulator.org()


async def json_object(request: Request, *, empty_ok: bool = False) -> dict[str, Any]:
    """The body as a JSON object; 400 for bad JSON or another JSON type."""
    raw = await request.body()
    if empty_ok and not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        raise BadRequest("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    return body


def unknown_id(request: Request) -> Response:
    """The answer to a GET or PUT of an unknown, well-formed id: 404, or the 200 with an empty body
    some JumpCloud reads give (`Quirks.empty_body_for_unknown_id`)."""
    if emulator_of(request).quirks.empty_body_for_unknown_id:
        return Response(b"", status_code=200, media_type=JcResponse.media_type)
    raise NotFound()


def unsorted_seed(request: Request, sort: object) -> int | None:
    """A seed to shuffle an unsorted listing with (`Quirks.unstable_order_without_sort`), else None."""
    emulator = emulator_of(request)
    if sort or not emulator.quirks.unstable_order_without_sort:
        return None
    return emulator.unsorted_order_seed()


def header_is_true(request: Request, name: str) -> bool:
    """Whether a header says `true` (any case)."""
    return request.headers.get(name, "").strip().lower() == "true"


async def jc_error_handler(request: Request, exc: Exception) -> Response:
    """A JcError as its JumpCloud-shaped body."""
    assert isinstance(exc, JcError)
    wording = emulator_of(request).config.wording
    body = error_body(wording, status=exc.status, register_body=exc.body(), message=exc.message)
    return JcResponse(body, status_code=exc.status)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (no such route or method) in the `{"message": ...}` shape."""
    assert isinstance(exc, HTTPException)
    wording = emulator_of(request).config.wording
    body = error_body(wording, status=exc.status_code, register_body={"message": exc.detail}, message=exc.detail)
    return JcResponse(body, status_code=exc.status_code, headers=exc.headers)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """A bug in the emulator: a generic body, never a traceback."""
    return JcResponse({"message": "Internal Server Error"}, status_code=500)
