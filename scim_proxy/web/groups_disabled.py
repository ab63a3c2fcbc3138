"""/Groups while group provisioning is off: reads are empty (no quarantine), writes explain."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.errors import ProvisioningDisabled
from scim_proxy.web.requests import credentials_from
from scim_proxy.web.responses import list_response

DISABLED_DETAIL = (
    "Group provisioning is turned off in this proxy. In Entra, set Provisioning > Mappings > "
    "'Provision Microsoft Entra ID Groups' to No, or enable groups (SCIM_PROXY_GROUPS_ENABLED=true)."
)


async def list_groups(request: Request) -> Response:
    credentials_from(request)
    return list_response(0, 1, [])


async def group_write(request: Request) -> Response:
    credentials_from(request)
    raise ProvisioningDisabled(DISABLED_DETAIL)
