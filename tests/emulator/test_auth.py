"""API key checks, 401 bodies and multi-tenant `x-org-id` isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from devtools.emulator import EmulatorConfig, EmulatorState, create_emulator_app

from .support import BASE_URL, user_body

BAD_KEY = {"error": "Unauthorized", "message": "Unauthorized: api key user not found"}
NO_ORG = {"message": "Unauthorized: no organization selected"}
ORG_A, ORG_B = "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": ""}])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/systemusers"), ("POST", "/api/search/systemusers"), ("GET", "/api/v2/usergroups")],
)
async def test_missing_or_wrong_key_is_401(app: Starlette, headers: dict[str, str], method: str, path: str) -> None:
    """Without a configured `x-api-key`, every route answers 401 with JumpCloud's recorded body."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        resp = await client.request(method, path, headers=headers, json={})

    assert (resp.status_code, resp.json()) == (401, BAD_KEY)
    assert resp.headers["content-type"] == "application/json; charset=utf-8"


async def test_key_header_name_is_case_insensitive(app: Starlette) -> None:
    """`X-API-KEY` works like `x-api-key`, and a single-tenant key ignores an empty `x-org-id`."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        resp = await client.get("/api/systemusers", headers={"X-API-KEY": "test-api-key", "x-org-id": ""})

    assert resp.status_code == 200


@pytest.fixture(name="msp_app")
def _msp_app() -> Starlette:
    """An emulator with one multi-tenant key administering two orgs, and one ordinary key."""
    config = EmulatorConfig(api_keys={"plain"}, tenants={"msp": frozenset({ORG_A, ORG_B})})
    return create_emulator_app(config)


@pytest.fixture(name="msp")
async def _msp(msp_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client sending the multi-tenant key (each request adds its own `x-org-id`)."""
    transport = httpx.ASGITransport(app=msp_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers={"x-api-key": "msp"}) as client:
        yield client


@pytest.mark.parametrize("headers", [{}, {"x-org-id": ""}, {"x-org-id": "cccccccccccccccccccccccc"}])
async def test_multi_tenant_key_needs_one_of_its_orgs(msp: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """A multi-tenant key without `x-org-id` naming one of its orgs gets 401 "no organization selected"."""
    resp = await msp.get("/api/systemusers", headers=headers)

    assert (resp.status_code, resp.json()) == (401, NO_ORG)


async def test_orgs_are_isolated(msp: httpx.AsyncClient, msp_app: Starlette) -> None:
    """Users created in one org are invisible, and their names free, in another."""
    emulator: EmulatorState = msp_app.state.emulator
    in_a = await msp.post("/api/systemusers", json=user_body(), headers={"x-org-id": ORG_A})
    in_b = await msp.post("/api/systemusers", json=user_body(), headers={"x-org-id": ORG_B})
    listed_b = await msp.get("/api/systemusers", headers={"x-org-id": ORG_B})
    cross = await msp.get(f"/api/systemusers/{in_a.json()['_id']}", headers={"x-org-id": ORG_B})

    assert (in_a.status_code, in_b.status_code) == (200, 200)
    assert (in_a.json()["organization"], in_b.json()["organization"]) == (ORG_A, ORG_B)
    assert [in_b.json()["_id"]] == [user["_id"] for user in listed_b.json()["results"]]
    assert cross.status_code == 404
    assert 1 == len(emulator.users(ORG_A)) == len(emulator.users(ORG_B))
    assert emulator.users() == []
