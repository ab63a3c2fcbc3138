"""Okta's and OneLogin's provisioning flows, in the request shapes their documentation states, through the proxy.

Okta: "Okta and SCIM Version 2.0" (developer.okta.com, docs/reference/scim/scim-20): userName
lookups with `startIndex=1&count=100`, creates carrying `password` and `groups`, profile updates
as a GET then a PUT of the whole user, deactivation as a path-less PATCH, group push, rename and
membership PATCHes. Its userNames are email addresses, so it runs against the proxy started with
`username_from_email` (see docs/conformance.md). OneLogin: its reference SCIM server
(onelogin/onelogin-scim-node, "handles all of the SCIM requests made by OneLogin"): a
`userName eq "<name>"` lookup, POST, PUT (deactivation included), DELETE, and GET /Groups.
Each step checks the answer and what JumpCloud (the emulator) holds afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import AUTH, HTTP_TIMEOUT, Servers

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OKTA_HEADERS = {**AUTH, "User-Agent": "Okta SCIM Client 1.0.0"}


@pytest.fixture(name="okta")
def _okta(servers: Servers) -> Iterator[httpx.Client]:
    """Okta's client, in front of the proxy that accepts email-shaped userNames."""
    with httpx.Client(base_url=servers.email.scim_url, headers=OKTA_HEADERS, timeout=HTTP_TIMEOUT) as client:
        yield client


@pytest.fixture(name="onelogin")
def _onelogin(servers: Servers) -> Iterator[httpx.Client]:
    """OneLogin's client, in front of the default proxy."""
    with httpx.Client(base_url=servers.strict.scim_url, headers=AUTH, timeout=HTTP_TIMEOUT) as client:
        yield client


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert status == resp.status_code, resp.text
    return resp.json() if resp.content else None


def jumpcloud_user(servers: Servers, user_id: str) -> dict[str, Any]:
    return next(u for u in servers.emulator.users() if u["_id"] == user_id)


def test_okta_user_lifecycle(okta: httpx.Client, servers: Servers) -> None:
    """Okta's lookup, create, import, GET-then-PUT update and PATCH deactivation all work, as documented."""
    email = f"test.user.{uuid.uuid4().hex[:8]}@okta.local"
    lookup = {"filter": f'userName eq "{email}"', "startIndex": 1, "count": 100}
    create = {
        "schemas": [CORE_USER],
        "userName": email,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }

    before = ok(okta.get("/Users", params=lookup))
    created = ok(okta.post("/Users", json=create), 201)
    found = ok(okta.get("/Users", params=lookup))
    imported = ok(okta.get("/Users", params={"startIndex": 1, "count": 100}))
    current = ok(okta.get(f"/Users/{created['id']}"))
    current["name"] = {**current["name"], "givenName": "Another", "middleName": "Excited"}
    updated = ok(okta.put(f"/Users/{created['id']}", json=current))
    deactivate = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]}
    deactivated = ok(okta.patch(f"/Users/{created['id']}", json=deactivate))

    assert (0, []) == (before["totalResults"], before["Resources"])
    assert (email, True, "00ujl29u0le5T6Aj10h7") == (created["userName"], created["active"], created["externalId"])
    assert [created["id"]] == [r["id"] for r in found["Resources"]]
    assert created["id"] in {r["id"] for r in imported["Resources"]}
    assert all(isinstance(imported[k], int) for k in ("itemsPerPage", "startIndex", "totalResults"))
    assert ("Another", email) == (updated["name"]["givenName"], updated["userName"])
    assert False is deactivated["active"]
    stored = jumpcloud_user(servers, created["id"])
    assert ("Another", "SUSPENDED", True) == (stored["firstname"], stored["state"], stored["suspended"])
    assert False is stored["activated"]  # the password Okta sends is never forwarded


def test_okta_group_push(okta: httpx.Client, servers: Servers) -> None:
    """Okta's group push, import, rename (path-less PATCH) and membership PATCHes (remove+add, replace) work."""
    a = servers.emulator.create_user({"username": f"a{uuid.uuid4().hex[:8]}", "email": f"{uuid.uuid4().hex[:8]}@x.io"})
    b = servers.emulator.create_user({"username": f"b{uuid.uuid4().hex[:8]}", "email": f"{uuid.uuid4().hex[:8]}@x.io"})
    name = f"Test SCIMv2 {uuid.uuid4().hex[:6]}"

    pushed = ok(okta.post("/Groups", json={"schemas": [CORE_GROUP], "displayName": name, "members": []}), 201)
    group = f"/Groups/{pushed['id']}"
    listed = ok(okta.get("/Groups", params={"startIndex": 1, "count": 100}))
    renamed = {"op": "replace", "value": {"id": pushed["id"], "displayName": f"{name}0"}}
    okta_patch = ok(okta.patch(group, json={"schemas": [PATCH_OP], "Operations": [renamed]}), 204)
    add_b = {"op": "add", "path": "members", "value": [{"value": b["_id"], "display": "b@okta.local"}]}
    remove_a = {"op": "remove", "path": f'members[value eq "{a["_id"]}"]'}
    ok(okta.patch(group, json={"schemas": [PATCH_OP], "Operations": [remove_a, add_b]}), 204)
    after_add = servers.emulator.members(pushed["id"])
    replace = {"op": "replace", "path": "members", "value": [{"value": a["_id"]}, {"value": b["_id"]}]}
    ok(okta.patch(group, json={"schemas": [PATCH_OP], "Operations": [replace]}), 204)
    read = ok(okta.get(group))
    deleted = okta.delete(group)

    assert (name, []) == (pushed["displayName"], pushed["members"])
    assert pushed["id"] in {g["id"] for g in listed["Resources"]}
    assert okta_patch is None
    assert [b["_id"]] == after_add
    assert f"{name}0" == read["displayName"]
    assert {a["_id"], b["_id"]} == {m["value"] for m in read["members"]}
    assert 204 == deleted.status_code
    assert pushed["id"] not in {g["id"] for g in servers.emulator.groups()}


def test_onelogin_user_lifecycle(onelogin: httpx.Client, servers: Servers) -> None:
    """OneLogin's userName lookup, create, PUT update (deactivation included) and DELETE work."""
    user_name = f"kelly{uuid.uuid4().hex[:6]}"
    lookup = {"filter": f'userName eq "{user_name}"'}
    body = {
        "schemas": [CORE_USER],
        "userName": user_name,
        "name": {"givenName": "Kelly", "familyName": "Slater"},
        "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}],
        "active": True,
    }

    before = ok(onelogin.get("/Users", params=lookup))
    created = ok(onelogin.post("/Users", json=body), 201)
    found = ok(onelogin.get("/Users", params=lookup))
    put = {**body, "name": {"givenName": "Kelly", "familyName": "Moore"}, "active": False}
    updated = ok(onelogin.put(f"/Users/{created['id']}", json=put))
    stored = jumpcloud_user(servers, created["id"])
    deleted = onelogin.delete(f"/Users/{created['id']}")
    groups = ok(onelogin.get("/Groups"))

    assert 0 == before["totalResults"]
    assert [created["id"]] == [r["id"] for r in found["Resources"]]
    assert ("Moore", False) == (updated["name"]["familyName"], updated["active"])
    assert ("Moore", "SUSPENDED") == (stored["lastname"], stored["state"])
    assert 204 == deleted.status_code
    assert created["id"] not in {u["_id"] for u in servers.emulator.users()}
    assert isinstance(groups["totalResults"], int)
