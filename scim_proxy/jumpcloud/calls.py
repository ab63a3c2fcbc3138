"""One logical JumpCloud call, as every attempt of it is sent: method, path, headers, body, key identity;
and the httpx.Request of each attempt (`Requests`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from scim_proxy.jumpcloud.models import Credentials

# Path prefixes that do not accept `x-org-id` (JumpCloud's own PowerShell SDK removes the header
# for exactly these: TheJumpCloud/jcapi-powershell, Custom/Module.cs, "Several endpoints do not
# accept x-org-id as a header so remove it"). Matched as prefixes, as that SDK does.
ORG_HEADER_REFUSED = (
    "/api/search/organizations",
    "/api/organizations",
    "/api/users",
    "/api/v2/organizations",
    "/api/v2/administrators",
    "/api/v2/providers",
    "/api/v2/integrations/",
)


@attrs.frozen
class Call:
    """One logical JumpCloud call, as every attempt of it is sent."""

    method: str
    path: str
    headers: dict[str, str]
    params: Mapping[str, str] | None
    query: str  # `params` as the query string httpx would send ("" for none)
    content: bytes | None
    body: Any  # the JSON value of `content`, kept for the recorder
    operation: str
    digest: bytes  # the credential's identity in KeyVerdicts (Credentials.digest)
    key_id: bytes  # the key's identity in KeyLimiter (Credentials.key_id)

    @property
    def target(self) -> str:
        """The path and query, as the request line carries them."""
        return f"{self.path}?{self.query}" if self.query else self.path


def call_for(
    method: str, path: str, *, auth: Credentials, params: Mapping[str, str] | None, body: Any, operation: str
) -> Call:
    headers = {"x-api-key": auth.api_key, "accept": "application/json"}
    if auth.org_id and not path.startswith(ORG_HEADER_REFUSED):
        headers["x-org-id"] = auth.org_id
    content = None if body is None else json.dumps(body).encode()
    if content is not None:
        headers["content-type"] = "application/json"
    query = str(httpx.QueryParams(params)) if params else ""
    return Call(method, path, headers, params, query, content, body, operation, auth.digest, auth.key_id)


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_URL_CACHE = 512  # targets: a search or a create is the same URL every time; ids come and go


class Requests:
    """Each attempt's httpx.Request, as `AsyncClient.request` would build it, from parts built once.

    Same URL (the client's base joined with the target), same headers in the same order (Host,
    the client's own unless the call overrides them, the call's, Content-Length), same body.
    httpx's own building (parsing the URL, merging parameters and headers) cost more CPU than
    the rest of a JumpCloud call; parsed URLs are reused for repeated targets.
    """

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._base = str(http.base_url).rstrip("/")
        self._client_headers = list(http.headers.raw)
        self._urls: dict[str, tuple[httpx.URL, tuple[bytes, bytes]]] = {}
        self._kept: dict[frozenset[bytes], list[tuple[bytes, bytes]]] = {}

    def build(self, call: Call, timeout: float) -> httpx.Request:
        url, host = self._url(call.target)
        own = [(name.encode("ascii"), value.encode("ascii")) for name, value in call.headers.items()]
        headers = [host, *self._client_headers_without(frozenset(name for name, _ in own)), *own]
        if call.content is not None:
            headers.append((b"Content-Length", str(len(call.content)).encode("ascii")))
        elif call.method in _BODY_METHODS:
            headers.append((b"Content-Length", b"0"))
        request = httpx.Request(
            call.method,
            url,
            headers=headers,
            stream=httpx.ByteStream(call.content or b""),
            extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}},
        )
        request.read()  # `request.content` is there for every transport, as with `content=`
        return request

    def _url(self, target: str) -> tuple[httpx.URL, tuple[bytes, bytes]]:
        found = self._urls.get(target)
        if found is None:
            if len(self._urls) >= _URL_CACHE:
                self._urls.clear()
            url = httpx.URL(self._base + target)
            found = self._urls[target] = (url, (b"Host", url.netloc))
        return found

    def _client_headers_without(self, names: frozenset[bytes]) -> list[tuple[bytes, bytes]]:
        kept = self._kept.get(names)
        if kept is None:
            kept = self._kept[names] = [(k, v) for k, v in self._client_headers if k.lower() not in names]
        return kept
