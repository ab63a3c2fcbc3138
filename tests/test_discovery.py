"""Discovery endpoints: what they advertise and how they refuse writes."""

from __future__ import annotations

import httpx
import pytest

from scim_proxy.scim.schema import USER_ATTRIBUTES

from .helpers import schema_paths


async def test_service_provider_config(client: httpx.AsyncClient) -> None:
    """ServiceProviderConfig says PATCH, filter and sort are supported, bulk/etag/changePassword are not."""
    body = (await client.get("/scim/v2/ServiceProviderConfig")).json()

    assert {"patch": True, "filter": True, "sort": True, "bulk": False, "etag": False, "changePassword": False} == {
        feature: body[feature]["supported"] for feature in ("patch", "filter", "sort", "bulk", "etag", "changePassword")
    }
    assert 100 == body["filter"]["maxResults"]


async def test_schemas_advertise_exactly_the_mapped_attributes(client: httpx.AsyncClient) -> None:
    """The User and EnterpriseUser schemas list every mapped attribute and nothing else."""
    body = (await client.get("/scim/v2/Schemas")).json()
    users = [schema for schema in body["Resources"] if schema["name"] != "Group"]  # Group: test_groups_disabled.py

    assert ["User", "EnterpriseUser"] == [schema["name"] for schema in users]
    assert {a.path for a in USER_ATTRIBUTES} == set().union(*(schema_paths(schema) for schema in users))


async def test_resource_types_and_lookup_by_id(client: httpx.AsyncClient) -> None:
    """ResourceTypes lists User at /Users; each is readable by id, unknown ids are SCIM 404s."""
    listed = (await client.get("/scim/v2/ResourceTypes")).json()
    one = await client.get("/scim/v2/ResourceTypes/User")
    schema = await client.get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
    missing = await client.get("/scim/v2/Schemas/urn:nope")

    assert "/Users" == listed["Resources"][0]["endpoint"]
    assert (200, 200) == (one.status_code, schema.status_code)
    assert (404, "404") == (missing.status_code, missing.json()["status"])


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"])
async def test_writes_to_discovery_are_405(client: httpx.AsyncClient, method: str, path: str) -> None:
    """Discovery endpoints refuse writes with a SCIM 405."""
    resp = await client.request(method, f"/scim/v2{path}", json={})

    assert (405, "405") == (resp.status_code, resp.json()["status"])


async def test_unknown_path_is_scim_404(client: httpx.AsyncClient) -> None:
    """An unknown URL answers a SCIM 404 Error body in application/scim+json."""
    resp = await client.get("/scim/v2/Nothing")

    assert 404 == resp.status_code
    assert "application/scim+json" == resp.headers["content-type"]
    assert "urn:ietf:params:scim:api:messages:2.0:Error" in resp.json()["schemas"]
