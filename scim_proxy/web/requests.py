"""What every SCIM handler needs from a request: settings, credentials, a bounded JSON body, the base URL."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from scim_proxy.errors import InvalidSyntax, NotFound, PayloadTooLarge, Unauthorized
from scim_proxy.ids import object_id
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.groups import JumpCloudGroups
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.settings import Settings
from scim_proxy.translate.users import UserMapping

_MAX_TOKEN = 4096


def settings_from(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def jumpcloud_from(request: Request) -> JumpCloudClient:
    client: JumpCloudClient = request.app.state.jumpcloud
    return client


def jumpcloud_users_from(request: Request) -> JumpCloudUsers:
    return JumpCloudUsers(jumpcloud_from(request))


def jumpcloud_groups_from(request: Request) -> JumpCloudGroups:
    return JumpCloudGroups(jumpcloud_from(request))


def user_mapping_from(request: Request) -> UserMapping:
    """The attribute table and user rules this app was built with (create_app)."""
    mapping: UserMapping = request.app.state.user_mapping
    return mapping


def credentials_from(request: Request) -> Credentials:
    """The bearer token Entra sends (the JumpCloud API key); 401 before any upstream call."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "Send the JumpCloud admin API key as 'Authorization: Bearer <key>' "
            "(Entra: Provisioning > Admin Credentials > Secret Token)"
        )
    if len(token) > _MAX_TOKEN or not token.isprintable() or " " in token:
        raise Unauthorized("The bearer token is not a well-formed JumpCloud API key")
    org_id = request.path_params.get("org_id")
    if org_id is not None:
        org_id = object_id(org_id)
        if org_id is None:
            raise NotFound("No such organization: the org id in the URL must be 24 hexadecimal characters")
    return Credentials(api_key=token, org_id=org_id)


def resource_id(request: Request, kind: str = "User") -> str:
    """The {id} path segment, if it can be a JumpCloud id; else 404 with no upstream call."""
    value: str = request.path_params["id"]
    found = object_id(value)
    if found is None:
        raise NotFound(f"{kind} {value[:64]!r} not found")
    return found


async def read_json(request: Request) -> Any:
    """The body as JSON, at most `max_body_bytes`; 413 / 400 invalidSyntax otherwise."""
    limit = settings_from(request).max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise InvalidSyntax("The request body is empty; a JSON object is required")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidSyntax("The request body is not valid UTF-8") from exc
    except RecursionError as exc:
        raise InvalidSyntax("The request body is nested too deeply") from exc
    except ValueError as exc:
        raise InvalidSyntax(f"The request body is not valid JSON (line {getattr(exc, 'lineno', '?')})") from exc


def scim_base(request: Request) -> str:
    """The absolute SCIM base URL of this request, e.g. https://proxy/orgs/<org>/scim/v2."""
    path = request.url.path
    end = path.find("/scim/v2")
    prefix = path[: end + len("/scim/v2")] if end >= 0 else "/scim/v2"
    return f"{request.url.scheme}://{request.url.netloc}{prefix}"
