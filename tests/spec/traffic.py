"""The proxy's real JumpCloud traffic: an Entra lifecycle through proxy and emulator, every exchange kept.

The proxy runs in-process (httpx.ASGITransport) with its production JumpCloud client, whose transport
is a `Recorder` around the emulator app: what the recorder keeps is exactly what the proxy sent and
what the emulator answered. `entra_lifecycle` drives every JumpCloud operation the proxy uses (the
users and groups lifecycles of both Entra dialects, plus a repeated create, a repeated member add,
a removed non-member, a SCIM PUT of each kind); `emulator_extras` then calls, directly, the emulator
routes the proxy never calls, so that every emulator answer is checked too.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import attrs
import httpx

from devtools.emulator import DEFAULT_API_KEY, EmulatorState, create_emulator_app
from devtools.entra_sim import ENT, EntraClient
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app
from tests.helpers import ALICE, BOB

JC_URL = "http://jc.test"
GROUP_EXTERNAL_ID = "5d9a7b1e-0c43-4e4b-a4a5-6a0f7e3c2b10"
Source = Literal["proxy", "direct"]


@attrs.frozen
class Exchange:
    """One JumpCloud call: who sent it, the request, the answer (bodies as JSON, or None)."""

    source: Source
    method: str
    path: str
    query: tuple[str, ...]  # parameter names, in order, repeats kept
    request_body: Any
    status: int
    response_body: Any


class Recorder(httpx.AsyncBaseTransport):
    """An httpx transport that keeps every exchange it carries to `inner`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, source: Source, into: list[Exchange]) -> None:
        self.inner = inner
        self.source = source
        self.exchanges = into

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.exchanges.append(
            Exchange(
                source=self.source,
                method=request.method,
                path=request.url.path,
                query=tuple(name for name, _ in request.url.params.multi_items()),
                request_body=_json(request.content),
                status=response.status_code,
                response_body=_json(content),
            )
        )
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)


def _json(content: bytes) -> Any:
    return json.loads(content) if content else None


async def capture() -> tuple[list[Exchange], EmulatorState]:
    """Run the lifecycle through the proxy and the extras straight at the emulator; every exchange."""
    exchanges: list[Exchange] = []
    emulator_app = create_emulator_app()
    settings = Settings(jumpcloud_url=JC_URL, retry_attempts=1)
    proxy_transport = Recorder(httpx.ASGITransport(app=emulator_app), source="proxy", into=exchanges)
    upstream = make_jumpcloud_client(settings, transport=proxy_transport)
    app = create_app(settings, jumpcloud=upstream)
    inbound = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    direct_transport = Recorder(httpx.ASGITransport(app=emulator_app), source="direct", into=exchanges)
    async with (
        upstream.http,
        httpx.AsyncClient(transport=inbound, base_url="http://proxy.test/scim/v2", headers=headers) as scim,
        httpx.AsyncClient(transport=direct_transport, base_url=JC_URL, headers={"x-api-key": DEFAULT_API_KEY}) as jc,
    ):
        await entra_lifecycle(scim)
        await emulator_extras(jc)
    state: EmulatorState = emulator_app.state.emulator
    return exchanges, state


async def entra_lifecycle(scim: httpx.AsyncClient) -> None:
    """Users and groups as Entra provisions them, both dialects, with the repeats Entra makes."""
    default, flag = EntraClient(scim), EntraClient(scim, dialect="flag")
    _ok(await default.test_connection())
    alice_id = _ok(await default.create(ALICE)).json()["id"]
    bob_id = _ok(await flag.create(BOB)).json()["id"]
    _ok(await default.create(ALICE), 201, 409)  # a repeat: JumpCloud's "already exists", then a lookup
    _ok(await scim.get("/Users", params={"filter": 'userName eq "ALICE.SMITH"'}))
    _ok(await scim.get("/Users", params={"filter": f'externalId eq "{ALICE.object_id}"'}))
    _ok(await scim.get("/Users", params={"startIndex": "1", "count": "10"}))
    _ok(await default.get(alice_id))
    _ok(await default.update(alice_id, {"title": "Lead", f"{ENT}:department": "Platform", "name.familyName": "Doe"}))
    _ok(await flag.update(alice_id, {'emails[type eq "work"].value': "alice@contoso.com"}))
    # Arrays (issue 15): JumpCloud's items as the proxy merges and sends them back, ids dropped.
    arrays = {'phoneNumbers[type eq "work"].value': "+47 1", 'addresses[type eq "work"].locality': "Oslo"}
    _ok(await flag.update(alice_id, arrays))
    _ok(await default.update(alice_id, {'phoneNumbers[type eq "fax"].value': "+47 2"}))
    _ok(await default.set_manager(alice_id, bob_id))
    removals = [{"op": "Remove", "path": "title"}, {"op": "Remove", "path": f"{ENT}:manager"}]
    _ok(await default.patch(alice_id, removals), 200, 204)
    _ok(await default.set_active(alice_id, False))
    _ok(await flag.set_active(alice_id, True))
    _ok(await scim.put(f"/Users/{bob_id}", json={**BOB.scim(), "title": "Manager", "active": True}))
    _ok(await scim.put(f"/Users/{alice_id}", json={**ALICE.scim(), "active": False}))
    group_id = _ok(await default.create_group("Engineering", GROUP_EXTERNAL_ID)).json()["id"]
    _ok(await default.add_members(group_id, [alice_id, bob_id]), 200, 204)
    _ok(await flag.add_members(group_id, [alice_id]), 200, 204)  # already a member: JumpCloud's 409
    _ok(await scim.get(f"/Groups/{group_id}"))
    _ok(await scim.get("/Groups", params={"filter": 'displayName eq "Engineering"', "excludedAttributes": "members"}))
    _ok(await scim.get("/Groups", params={"filter": f'externalId eq "{GROUP_EXTERNAL_ID}"'}))
    _ok(await flag.remove_member(group_id, bob_id), 200, 204)
    _ok(await default.remove_member(group_id, bob_id), 200, 204)  # not a member any more: JumpCloud's 404
    rename = [{"op": "Replace", "path": "displayName", "value": "Platform"}]
    _ok(await default.patch_group(group_id, rename), 200, 204)
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Platform Team"}
    _ok(await scim.put(f"/Groups/{group_id}", json={**group, "members": [{"value": bob_id}]}))
    _ok(await scim.delete(f"/Groups/{group_id}"), 204)
    _ok(await default.delete(bob_id), 204)  # Bob manages nobody now; the proxy sends cascade_manager anyway
    _ok(await default.delete(alice_id), 204)


async def emulator_extras(jc: httpx.AsyncClient) -> None:
    """The emulator routes the proxy never calls, called directly, so that their answers are checked too."""
    user = _ok(
        await jc.post("/api/systemusers", json={"username": "carol", "email": "carol@contoso.com", "state": "STAGED"})
    )
    user_id = user.json()["_id"]
    group_id = _ok(await jc.post("/api/v2/usergroups", json={"name": "Carol's"}), 201).json()["id"]
    _ok(await jc.post(f"/api/v2/usergroups/{group_id}/members", json={"op": "add", "type": "user", "id": user_id}), 204)
    _ok(await jc.get(f"/api/v2/usergroups/{group_id}/membership"))
    _ok(await jc.get(f"/api/v2/users/{user_id}/memberof"))
    _ok(await jc.post(f"/api/systemusers/{user_id}/state/activate", json={"email": False}))
    _ok(await jc.get("/api/systemusers/0123456789abcdef01234567"), 404)
    _ok(await jc.get("/api/systemusers", headers={"x-api-key": "wrong"}), 401)
    _ok(await jc.get("/api/organizations"))  # only `scim-proxy check` calls it


def _ok(response: httpx.Response, *statuses: int) -> httpx.Response:
    """The response, if its status is one the scenario expects (200 or 201 unless told)."""
    assert response.status_code in (statuses or (200, 201)), (response.request.url, response.status_code, response.text)
    return response
