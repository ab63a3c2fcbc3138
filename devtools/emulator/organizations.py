"""`GET /api/organizations`: the orgs an admin key administers; it refuses an `x-org-id` header.

JumpCloud's own PowerShell SDK strips `x-org-id` from requests to a few path prefixes because
"several endpoints do not accept x-org-id as a header" (TheJumpCloud/jcapi-powershell,
`Custom/Module.cs`). Of those endpoints the emulator serves only this one, so only it refuses the
header. How JumpCloud refuses it is not documented: the emulator answers 403
`{"message": "Forbidden: x-org-id is not accepted on this endpoint"}` (register row JC-07).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devtools.emulator.errors import JcError, Unauthorized
from devtools.emulator.query import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, page, parse_count
from devtools.emulator.web import BAD_KEY, JcResponse, emulator_of

ORG_HEADER_REFUSAL = "Forbidden: x-org-id is not accepted on this endpoint"


class OrgHeaderRefused(JcError):
    """An `x-org-id` header sent to an endpoint that does not take one."""

    status = 403

    def __init__(self) -> None:
        super().__init__(ORG_HEADER_REFUSAL)

    def body(self) -> dict[str, str]:
        """Only `message`, like the other 4xx bodies without a gRPC status."""
        return {"message": self.message}


async def list_organizations(request: Request) -> Response:
    """GET /api/organizations: `{totalCount, results}` with `_id`, `id` and `displayName` of each org of the key."""
    if request.headers.get("x-org-id"):
        raise OrgHeaderRefused()
    emulator = emulator_of(request)
    key = request.headers.get("x-api-key")
    if key is not None and key in emulator.config.tenants:
        org_ids = sorted(emulator.config.tenants[key])
    elif key is not None and key in emulator.config.api_keys:
        org_ids = [emulator.config.default_org_id]
    else:
        raise Unauthorized(BAD_KEY, with_error=True)
    params = request.query_params
    limit = parse_count(params.get("limit"), name="limit", default=LIST_LIMIT_DEFAULT, maximum=LIST_LIMIT_MAX)
    skip = parse_count(params.get("skip"), name="skip", default=0)
    results = [
        {"_id": org_id, "id": org_id, "displayName": f"Emulated organization {org_id[-6:]}"}
        for org_id in page(org_ids, skip=skip, limit=limit)
    ]
    return JcResponse({"totalCount": len(org_ids), "results": results})


def organization_routes() -> list[Route]:
    """The organizations route; its name is what fault rules and `EmulatorState.calls` use."""
    return [Route("/api/organizations", list_organizations, methods=["GET"], name="list_organizations")]
