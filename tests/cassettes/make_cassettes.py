"""Regenerate the cassettes in this directory by RECORDING real runs of the proxy.

    .venv/bin/python -m tests.cassettes.make_cassettes          # from the repository root

Each flow runs the proxy (`create_app` with `record_path` set, so the production recorder
writes the file) in front of the JumpCloud emulator (`devtools.emulator`), and drives it
with the requests Entra sends (`devtools.entra_sim`, shapes from
/work/shared/reference/entra-scim-client.md sections 2-5). The proxy and the emulator run
in-process (httpx.ASGITransport both ways), the emulator on a fixed clock, so ids and
timestamps come out the same each time; only request ids, start times and durations vary.
`demo.jsonl` is `make demo`'s cycle (`devtools.demo.play`), recorded over loopback sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import httpx

from devtools.demo import demo_settings, play
from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.entra_sim import ENT, EntraClient
from devtools.servers import serve_in_thread
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

from ..helpers import ALICE, BOB

HERE = Path(__file__).parent
PROXY = "https://scim-proxy.contoso.com"
EMULATOR = "https://jumpcloud.emulator"
PROBE_GUID = "3f2c8a14-6d0e-4b6e-9b1a-2f4e8c7d9a10"  # Test Connection's random GUID, fixed here
Flow = Callable[[httpx.AsyncClient], Awaitable[None]]


def fixed_clock(start: datetime = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)) -> Callable[[], datetime]:
    """A clock that advances one second per reading: reproducible ids and timestamps."""
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


@contextlib.asynccontextmanager
async def recording_proxy(path: Path, *, settings: Settings | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Our app, recording to `path`, before a fresh emulator; yields a client on its SCIM base."""
    path.unlink(missing_ok=True)
    settings = attrs.evolve(settings or Settings(jumpcloud_url=EMULATOR), record_path=str(path))
    emulator = create_emulator_app(EmulatorConfig(clock=fixed_clock()))
    jumpcloud = make_jumpcloud_client(settings, transport=httpx.ASGITransport(app=emulator))
    app = create_app(settings, jumpcloud=jumpcloud)
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    transport = httpx.ASGITransport(app=app)
    async with (
        jumpcloud.http,
        httpx.AsyncClient(transport=transport, base_url=f"{PROXY}/scim/v2", headers=headers) as scim,
    ):
        yield scim


async def probe(scim: httpx.AsyncClient) -> httpx.Response:
    """Test Connection: a userName that cannot exist; the only right answer is an empty list."""
    return await scim.get("/Users", params={"filter": f'userName eq "{PROBE_GUID}"'})


async def test_connection(scim: httpx.AsyncClient) -> None:
    """Test Connection with the right key, with a wrong key, and with no Secret Token at all."""
    await probe(scim)
    await scim.get(
        "/Users",
        params={"filter": f'userName eq "{PROBE_GUID}"'},
        headers={"Authorization": "Bearer not-a-jumpcloud-key"},
    )
    await scim.get("/Users", params={"filter": f'userName eq "{PROBE_GUID}"'}, headers={"Authorization": ""})


def lifecycle(dialect: str) -> Flow:
    """Probe, match miss, create, match hit, update, read, disable, still found, enable, delete, gone."""

    async def flow(scim: httpx.AsyncClient) -> None:
        entra = EntraClient(scim, dialect=dialect)  # type: ignore[arg-type]
        await probe(scim)
        await entra.find(ALICE.mail_nickname)
        user_id = (await entra.create(ALICE)).json()["id"]
        await entra.find("ALICE.SMITH")
        changes = {
            'emails[type eq "work"].value': "alice@contoso.com",
            "name.familyName": "Smith-Jones",
            "title": "Lead Engineer",
            f"{ENT}:department": "Platform",
        }
        await entra.update(user_id, changes)
        await entra.get(user_id)
        await entra.set_active(user_id, False)
        await entra.find(ALICE.mail_nickname)
        await entra.set_active(user_id, True)
        await entra.delete(user_id)
        await entra.get(user_id)

    return flow


async def provision_on_demand(scim: httpx.AsyncClient) -> None:
    """On demand, twice: externalId then userName miss and a create; then an externalId hit and a PATCH.

    On-demand ignores aadOptscim062020, so the PATCH is in the default dialect (capitalised
    op, string boolean) whatever the Tenant URL says.
    """
    entra = EntraClient(scim)
    await scim.get("/Users", params={"filter": f'externalId eq "{BOB.object_id}"'})
    await entra.find(BOB.mail_nickname)
    await entra.create(BOB)
    found = (await scim.get("/Users", params={"filter": f'externalId eq "{BOB.object_id}"'})).json()
    user_id = found["Resources"][0]["id"]
    await entra.patch(
        user_id,
        [
            {"op": "Replace", "path": "title", "value": "Chief Technology Officer"},
            {"op": "Replace", "path": "active", "value": "True"},
        ],
    )


async def manager_linking(scim: httpx.AsyncClient) -> None:
    """Both users exist, Entra checks the reference, links it (string, then array form), and it shows."""
    entra = EntraClient(scim)
    bob_id = (await entra.create(BOB)).json()["id"]
    alice_id = (await entra.create(ALICE)).json()["id"]
    check = {"filter": f'id eq "{alice_id}" and manager eq "{bob_id}"', "attributes": "id"}
    await scim.get("/Users", params=check)
    await entra.set_manager(alice_id, bob_id)
    ref = [{"$ref": f"{PROXY}/scim/v2/Users/{bob_id}", "value": bob_id}]
    await entra.patch(alice_id, [{"op": "Add", "path": "manager", "value": ref}])
    await scim.get("/Users", params=check)
    await entra.get(alice_id)
    await entra.delete(bob_id)
    await entra.get(alice_id)


async def groups(scim: httpx.AsyncClient) -> None:
    """Entra's group flow: find by displayName, create empty, add members, rename, remove in both dialects."""
    default, flag = EntraClient(scim), EntraClient(scim, dialect="flag")
    ids = [(await default.create(u)).json()["id"] for u in (ALICE, BOB)]
    find = {"filter": 'displayName eq "Engineering"', "excludedAttributes": "members"}
    await scim.get("/Groups", params=find)
    group_id = (await default.create_group("Engineering", "6c2f8a3e-1111-4a5b-9c7d-0123456789ab")).json()["id"]
    await scim.get("/Groups", params=find)
    await default.add_members(group_id, ids)
    await default.patch_group(group_id, [{"op": "Replace", "path": "displayName", "value": "Platform"}])
    await default.remove_member(group_id, ids[0])
    await flag.remove_member(group_id, ids[1])
    await scim.get(f"/Groups/{group_id}")
    await scim.delete(f"/Groups/{group_id}")


FLOWS: dict[str, Flow] = {
    "groups": groups,
    "test_connection": test_connection,
    "lifecycle_default": lifecycle("default"),
    "lifecycle_aadoptscim062020": lifecycle("flag"),
    "provision_on_demand": provision_on_demand,
    "manager_linking": manager_linking,
}


async def record(name: str, flow: Flow, directory: Path = HERE) -> Path:
    """Run `flow` against a recording proxy; return the cassette it wrote."""
    path = directory / f"{name}.jsonl"
    async with recording_proxy(path) as scim:
        await flow(scim)
    return path


@contextlib.contextmanager
def loopback_stack(path: Path) -> Iterator[tuple[str, EmulatorState]]:
    """Emulator and recording proxy under uvicorn on loopback, as `make demo` runs them."""
    path.unlink(missing_ok=True)
    emulator_app = create_emulator_app(EmulatorConfig(clock=fixed_clock()))
    with (
        serve_in_thread(emulator_app) as jc_url,
        serve_in_thread(create_app(demo_settings(jc_url, record_path=str(path)))) as url,
    ):
        yield f"{url}/scim/v2", emulator_app.state.emulator


def record_demo(directory: Path = HERE) -> Path:
    """`make demo`'s Entra-like cycle, recorded; raises if the demo itself reports a wrong answer."""
    path = directory / "demo.jsonl"
    with loopback_stack(path) as (scim_url, emulator):
        if not asyncio.run(play(scim_url, emulator, write=lambda _: None)):
            raise RuntimeError("make demo's cycle failed while recording")
    return path


def main() -> None:
    for name, flow in FLOWS.items():
        print(asyncio.run(record(name, flow)))
    print(record_demo())


if __name__ == "__main__":
    main()
