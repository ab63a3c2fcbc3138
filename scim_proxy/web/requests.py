"""What every SCIM handler needs from a request: settings, credentials, a bounded JSON body, the base URL."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from scim_proxy import jsontext
from scim_proxy.errors import InvalidSyntax, NotFound, PayloadTooLarge, Unauthorized
from scim_proxy.ids import object_id
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.groups import JumpCloudGroups
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.scim.listing import ListParams, list_params
from scim_proxy.settings import Settings
from scim_proxy.translate.users import UserMapping

_MAX_TOKEN = 4096
_MAX_HOST = 255
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")


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


def bearer_token(authorization: str | None) -> str | None:
    """The token of a well-formed `Bearer <token>` header value, else None.

    Well-formed: at most 4096 printable ASCII characters without spaces. A JumpCloud API
    key is ASCII; anything else could not travel as an `x-api-key` header anyway.
    """
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > _MAX_TOKEN:
        return None
    if not (token.isascii() and token.isprintable()) or " " in token:
        return None
    return token


def credentials_from(request: Request) -> Credentials:
    """The bearer token Entra sends (the JumpCloud API key); 401 before any upstream call."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise Unauthorized(
            "Send the JumpCloud admin API key as 'Authorization: Bearer <key>' "
            "(Entra: Provisioning > Admin Credentials > Secret Token)"
        )
    token = bearer_token(header)
    if token is None:
        raise Unauthorized("The bearer token is not a well-formed JumpCloud API key")
    return Credentials(api_key=token, org_id=org_id_from(request))


def org_id_from(request: Request) -> str | None:
    """The {org_id} of /orgs/{org_id}/scim/v2, lower-cased; None on /scim/v2; 404 if it cannot be an id."""
    org = request.path_params.get("org_id")
    if org is None:
        return None
    org_id = object_id(org)
    if org_id is None:
        raise NotFound("No such organization: the org id in the URL must be 24 hexadecimal characters")
    return org_id


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
    declared = declared_length(request.headers.get("content-length"))
    if declared is not None and declared > limit:
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
    return jsontext.loads(raw)


def declared_length(value: str | None) -> int | None:
    """A Content-Length value as a number, or None if it is not 1 to 19 ASCII digits.

    `isdigit()` alone lets through `²` and 5,000 digits, on which `int()` raises: a 500. A
    server in front normally refuses those; what it lets through is counted as it streams.
    """
    if value is None or not (0 < len(value) <= 19 and value.isascii() and value.isdigit()):
        return None
    return int(value)


def scim_base(request: Request) -> str:
    """The absolute SCIM base URL for this request, e.g. https://scim.example.com/orgs/<org>/scim/v2.

    `public_url` when configured; else the request's scheme and Host header (which
    ForwardedHeadersMiddleware set from X-Forwarded-Proto/-Host when a trusted proxy sent
    them), a malformed Host replaced by the address we listen on.
    """
    org_id = org_id_from(request)
    prefix = "/scim/v2" if org_id is None else f"/orgs/{org_id}/scim/v2"
    public = settings_from(request).public_url
    if public:
        return public + prefix
    host = request.headers.get("host", "")
    if not is_host(host):
        server = request.scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{request.scope.get('scheme', 'http')}://{host}{prefix}"  # request.url's scheme, without building it


def is_host(value: str) -> bool:
    """A Host header fit for a URL: a name or IPv4 address, or a bracketed IPv6 one, with an optional port."""
    if not value or len(value) > _MAX_HOST:
        return False
    if value.startswith("["):
        address, bracket, port = value[1:].partition("]")
        if not bracket or not address or not _IPV6_CHARS.issuperset(address):
            return False
        return not port or (port[0] == ":" and _is_port(port[1:]))
    name, colon, port = value.partition(":")
    return bool(name) and _HOST_CHARS.issuperset(name) and (not colon or _is_port(port))


def _is_port(text: str) -> bool:
    return 0 < len(text) <= 5 and text.isascii() and text.isdigit()


async def search_request(request: Request) -> ListParams:
    """The parameters of a SearchRequest body (POST .../.search), read like a query string's."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise InvalidSyntax("A SearchRequest must be a JSON object")
    return list_params(body)
