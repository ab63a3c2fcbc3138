"""JumpCloudOrganizations: the v1 organizations listing, used by the preflight (`scim-proxy check`)."""

from __future__ import annotations

import attrs

from scim_proxy.jumpcloud import decode
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.models import Credentials


@attrs.frozen
class Organization:
    id: str
    name: str


class JumpCloudOrganizations:
    """GET /api/organizations (the orgs an admin key can see); errors come out as ProxyErrors."""

    def __init__(self, client: JumpCloudClient) -> None:
        self._client = client

    async def list(self, *, auth: Credentials, limit: int = 10) -> list[Organization]:
        response = await self._client.request(
            "GET",
            "/api/organizations",
            auth=auth,
            operation="list_organizations",
            params={"fields": "displayName", "limit": str(limit)},
        )
        data = decode.json_of(response)
        results = data.get("results", []) if isinstance(data, dict) else []
        return [
            Organization(id=str(item.get("_id", "?")), name=str(item.get("displayName", "?")))
            for item in results
            if isinstance(item, dict)
        ]
