"""The groups_enabled setting: discovery advertises Group only when on; when off, reads are empty and writes explain."""

from __future__ import annotations

import httpx
import pytest
import respx

from scim_proxy.settings import Settings

from .helpers import AUTH, JC_URL

GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
GID = "6026da081f24755306c2ee0d"
OFF = pytest.mark.parametrize("settings", [Settings(jumpcloud_url=JC_URL, groups_enabled=False)])


async def test_discovery_advertises_group_by_default(client: httpx.AsyncClient) -> None:
    """With groups on (the default), ResourceTypes lists Group at /Groups and Schemas holds its members attribute."""
    types = (await client.get("/scim/v2/ResourceTypes")).json()
    schema = await client.get(f"/scim/v2/Schemas/{GROUP_URN}")

    assert {"Group": "/Groups", "User": "/Users"} == {r["id"]: r["endpoint"] for r in types["Resources"]}
    assert {"displayName", "members"} == {a["name"] for a in schema.json()["attributes"]}


@OFF
async def test_discovery_hides_group_when_off(client: httpx.AsyncClient) -> None:
    """With groups off, neither ResourceTypes nor Schemas mention Group."""
    types = (await client.get("/scim/v2/ResourceTypes")).json()
    schemas = (await client.get("/scim/v2/Schemas")).json()
    one = await client.get("/scim/v2/ResourceTypes/Group")

    assert ["User"] == [r["id"] for r in types["Resources"]]
    assert GROUP_URN not in [s["id"] for s in schemas["Resources"]]
    assert 404 == one.status_code


@OFF
async def test_list_is_empty_when_off(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """With groups off, Entra's group find answers an empty ListResponse (no quarantine) and calls nothing."""
    resp = await client.get(
        "/scim/v2/Groups", params={"filter": 'displayName eq "Sales"', "excludedAttributes": "members"}, headers=AUTH
    )

    assert 200 == resp.status_code
    assert {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    } == resp.json()
    assert 0 == len(jc.calls)


@OFF
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/scim/v2/Groups"),
        ("GET", f"/scim/v2/Groups/{GID}"),
        ("PUT", f"/scim/v2/Groups/{GID}"),
        ("PATCH", f"/scim/v2/Groups/{GID}"),
        ("DELETE", f"/scim/v2/Groups/{GID}"),
    ],
)
async def test_writes_explain_when_off(client: httpx.AsyncClient, jc: respx.Router, method: str, path: str) -> None:
    """With groups off, every other /Groups request is a 403 telling the admin to switch group provisioning off."""
    resp = await client.request(method, path, json={"displayName": "Sales"}, headers=AUTH)

    assert 403 == resp.status_code
    assert "'Provision Microsoft Entra ID Groups' to No" in resp.json()["detail"]
    assert 0 == len(jc.calls)


@OFF
async def test_off_still_needs_a_token(client: httpx.AsyncClient) -> None:
    """With groups off, a request without the bearer token is still a 401."""
    resp = await client.get("/scim/v2/Groups")

    assert 401 == resp.status_code
