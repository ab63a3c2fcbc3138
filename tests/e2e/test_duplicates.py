"""Duplicate creates over real sockets, whatever JumpCloud's duplicate answer is: 409 naming what is taken."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.entra_sim import ENT, DirectoryUser, EntraClient
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

from ..helpers import ALICE, BOB

# The spec's 400 "User already exists"; JumpCloud's Go CLI mocks' 409; a 400 saying nothing useful.
ANSWERS = [(400, "User already exists"), (409, "Conflict"), (400, "Bad Request")]


@pytest.fixture(name="emulator", params=ANSWERS, ids=lambda a: f"{a[0]}-{a[1].replace(' ', '-')}")
def _emulator(request: pytest.FixtureRequest) -> Iterator[tuple[EmulatorState, str]]:
    """An emulator answering duplicates as the parameter says, and the SCIM base of a proxy in front of it."""
    app = create_emulator_app(EmulatorConfig(duplicate_user=request.param))
    with serve_in_thread(app) as jc_url, serve_in_thread(create_app(Settings(jumpcloud_url=jc_url))) as proxy_url:
        yield app.state.emulator, f"{proxy_url}/scim/v2"


@pytest.fixture(name="entra")
async def _entra(emulator: tuple[EmulatorState, str]) -> AsyncIterator[EntraClient]:
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    async with httpx.AsyncClient(base_url=emulator[1], timeout=10, headers=headers) as client:
        yield EntraClient(client)


def numbered(user: DirectoryUser, number: str) -> dict[str, Any]:
    """The POST body Entra sends for `user`, with an employee number."""
    return user.scim() | {ENT: {"employeeNumber": number}}


async def test_each_taken_value_is_named(emulator: tuple[EmulatorState, str], entra: EntraClient) -> None:
    """A repeated POST, another user's email and another user's employee number each answer 409 naming it."""
    alice = await entra.create(ALICE)
    bob = await entra.http.post("/Users", json=numbered(BOB, "E-17"))
    alice_id, bob_id = alice.json()["id"], bob.json()["id"]

    again = await entra.create(ALICE)
    same_email = await entra.create(attrs.evolve(BOB, object_id="b2", mail_nickname="bob2", upn=ALICE.upn))
    same_number = await entra.http.post(
        "/Users", json=numbered(attrs.evolve(BOB, object_id="b3", mail_nickname="bob3", upn="b3@contoso.com"), "E-17")
    )

    assert (201, 201) == (alice.status_code, bob.status_code)
    assert [
        (409, "uniqueness", f"userName 'alice.smith' is already taken in JumpCloud by user {alice_id}"),
        (409, "uniqueness", f"emails 'alice.smith@contoso.com' is already taken in JumpCloud by user {alice_id}"),
        (409, "uniqueness", f"employeeNumber 'E-17' is already taken in JumpCloud by user {bob_id}"),
    ] == [(r.status_code, r.json()["scimType"], r.json()["detail"]) for r in (again, same_email, same_number)]
    assert ["alice.smith", "bob.jones"] == sorted(u["username"] for u in emulator[0].users())
