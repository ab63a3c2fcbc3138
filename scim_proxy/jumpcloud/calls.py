"""One logical JumpCloud call, as every attempt of it is sent: method, path, headers, body, key identity."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.verdicts import key_digest

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
    content: bytes | None
    body: Any  # the JSON value of `content`, kept for the recorder
    operation: str
    digest: bytes  # the key's identity in KeyVerdicts (key and org id, hashed)


def call_for(
    method: str, path: str, *, auth: Credentials, params: Mapping[str, str] | None, body: Any, operation: str
) -> Call:
    headers = {"x-api-key": auth.api_key, "accept": "application/json"}
    if auth.org_id and not path.startswith(ORG_HEADER_REFUSED):
        headers["x-org-id"] = auth.org_id
    content = None if body is None else json.dumps(body).encode()
    if content is not None:
        headers["content-type"] = "application/json"
    return Call(method, path, headers, params, content, body, operation, key_digest(auth.api_key, auth.org_id))
