"""The Entra group flow over real sockets: the proxy and the JumpCloud emulator, each under uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTRA_GROUP_ID = "7d420df3-9995-4831-a406-ecf8166f5f6a"


@attrs.frozen
class Stack:
    """The emulator's live state and an HTTP client for the proxy's SCIM base."""

    emulator: EmulatorState
    scim: httpx.AsyncClient


@pytest.fixture(name="servers")
def _servers() -> Iterator[tuple[EmulatorState, str]]:
    """A fresh emulator and a proxy in front of it, both on loopback sockets."""
    emulator_app = create_emulator_app(EmulatorConfig())
    with serve_in_thread(emulator_app) as jc_url:
        proxy = create_app(Settings(jumpcloud_url=jc_url, retry_backoff=0.01, retry_backoff_max=0.05))
        with serve_in_thread(proxy) as proxy_url:
            yield emulator_app.state.emulator, f"{proxy_url}/scim/v2"


@pytest.fixture(name="stack")
async def _stack(servers: tuple[EmulatorState, str]) -> AsyncIterator[Stack]:
    """The servers plus a client carrying the emulator's API key as Entra's Secret Token."""
    emulator, scim_url = servers
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    async with httpx.AsyncClient(base_url=scim_url, headers=headers, timeout=20) as scim:
        yield Stack(emulator, scim)


def _ops(dialect: str, *operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp as Entra sends it: `Add`/`Replace`/`Remove` by default, lower case with the flag."""
    if dialect == "default":
        operations = tuple({**o, "op": o["op"].capitalize()} for o in operations)
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def _members(dialect: str, *user_ids: str) -> list[dict[str, Any]]:
    if dialect == "default":
        return [{"$ref": None, "value": uid} for uid in user_ids]
    return [{"value": uid} for uid in user_ids]


def _remove(dialect: str, user_id: str) -> dict[str, Any]:
    if dialect == "default":
        return {"op": "remove", "path": "members", "value": _members(dialect, user_id)}
    return {"op": "remove", "path": f'members[value eq "{user_id}"]'}


@pytest.mark.parametrize("dialect", ["default", "flag"])
async def test_entra_group_flow(stack: Stack, dialect: str) -> None:
    """Find, create, read, rename, add two members, remove one, delete: JumpCloud ends as Entra intends."""
    emulator, scim = stack.emulator, stack.scim
    alice = emulator.create_user({"username": "alice", "email": "alice@contoso.com"})["_id"]
    bob = emulator.create_user({"username": "bob", "email": "bob@contoso.com"})["_id"]
    find = {"excludedAttributes": "members", "filter": 'displayName eq "Sales"'}

    missing = await scim.get("/Groups", params=find)
    created = await scim.post(
        "/Groups",
        json={"schemas": [CORE_GROUP], "externalId": ENTRA_GROUP_ID, "displayName": "Sales", "members": []},
    )
    group_id = created.json()["id"]
    found = await scim.get("/Groups", params=find)
    read = await scim.get(f"/Groups/{group_id}", params={"excludedAttributes": "members"})
    renamed = await scim.patch(
        f"/Groups/{group_id}", json=_ops(dialect, {"op": "replace", "path": "displayName", "value": "Sales EMEA"})
    )
    added = await scim.patch(
        f"/Groups/{group_id}",
        json=_ops(dialect, {"op": "add", "path": "members", "value": _members(dialect, alice, bob)}),
    )
    after_add = emulator.members(group_id)
    removed = await scim.patch(f"/Groups/{group_id}", json=_ops(dialect, _remove(dialect, alice)))
    with_members = await scim.get(f"/Groups/{group_id}")
    (group,) = emulator.groups()
    deleted = await scim.delete(f"/Groups/{group_id}")

    assert (200, 0) == (missing.status_code, missing.json()["totalResults"])
    assert (201, []) == (created.status_code, created.json()["members"])
    assert [(group_id, "Sales", ENTRA_GROUP_ID)] == [
        (r["id"], r["displayName"], r["externalId"]) for r in found.json()["Resources"]
    ]
    assert "members" not in found.json()["Resources"][0]
    assert (200, "Sales", False) == (read.status_code, read.json()["displayName"], "members" in read.json())
    assert (204, 204, 204) == (renamed.status_code, added.status_code, removed.status_code)
    assert [alice, bob] == after_add
    assert [bob] == [m["value"] for m in with_members.json()["members"]]
    assert ("Sales EMEA", ENTRA_GROUP_ID) == (group["name"], with_members.json()["externalId"])
    assert 204 == deleted.status_code
    assert [] == emulator.groups()


async def test_many_members_are_all_added_and_read_back(stack: Stack) -> None:
    """A PATCH adding 130 members reaches JumpCloud once per member, and GET reads all 130 back over two pages."""
    emulator, scim = stack.emulator, stack.scim
    user_ids = [emulator.create_user({"username": f"u{i}", "email": f"u{i}@contoso.com"})["_id"] for i in range(130)]
    group_id = (await scim.post("/Groups", json={"displayName": "Everyone"})).json()["id"]
    calls_before = emulator.calls("change_group_members")

    added = await scim.patch(
        f"/Groups/{group_id}",
        json={
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Add", "path": "members", "value": _members("default", *user_ids)}],
        },
    )
    pages_before = emulator.calls("list_group_members")
    read = await scim.get(f"/Groups/{group_id}")

    assert 204 == added.status_code
    assert 130 == emulator.calls("change_group_members") - calls_before
    assert sorted(user_ids) == sorted(emulator.members(group_id))
    assert emulator.members(group_id) == [m["value"] for m in read.json()["members"]]
    assert 2 == emulator.calls("list_group_members") - pages_before


async def test_duplicate_display_name_is_409_even_from_the_same_entra_group(stack: Stack) -> None:
    """A taken group name is 409 uniqueness, also when Entra sends its own create again (RFC 7644 §3.3)."""
    body = {"externalId": ENTRA_GROUP_ID, "displayName": "Sales"}
    first = await stack.scim.post("/Groups", json=body)

    again = await stack.scim.post("/Groups", json=body)
    other = await stack.scim.post("/Groups", json={"externalId": "another-object", "displayName": "Sales"})
    case_only = await stack.scim.post("/Groups", json={"displayName": "SALES"})

    assert 201 == first.status_code
    assert (409, "uniqueness") == (again.status_code, again.json()["scimType"])
    assert first.json()["id"] in again.json()["detail"]
    assert (409, "uniqueness") == (other.status_code, other.json()["scimType"])
    assert (409, "uniqueness") == (case_only.status_code, case_only.json()["scimType"])
    assert 1 == len(stack.emulator.groups())
