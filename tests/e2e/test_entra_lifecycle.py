"""The whole Entra user lifecycle over real sockets: proxy under uvicorn, emulator under uvicorn."""

from __future__ import annotations

import httpx
import pytest

from devtools.entra_sim import ENT, DirectoryUser, EntraClient

from ..helpers import ALICE, BOB
from .conftest import Stack

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def _jc(stack: Stack, username: str) -> dict[str, object]:
    (user,) = [u for u in stack.emulator.users() if u["username"] == username]
    return user


@pytest.mark.parametrize("dialect", ["default", "flag"])
async def test_full_lifecycle(stack: Stack, scim: httpx.AsyncClient, dialect: str) -> None:
    """Test Connection, create, match, update, manager, disable, re-enable, delete: JumpCloud ends as Entra intends."""
    entra = EntraClient(scim, dialect=dialect)  # type: ignore[arg-type]

    probe = await entra.test_connection()
    assert (200, 0) == (probe.status_code, probe.json()["totalResults"])

    created = {u.mail_nickname: await entra.create(u) for u in (ALICE, BOB)}
    assert {201} == {r.status_code for r in created.values()}
    alice_id, bob_id = created["alice.smith"].json()["id"], created["bob.jones"].json()["id"]
    assert "alice.smith@contoso.com" == _jc(stack, "alice.smith")["email"]
    assert "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" == _jc(stack, "alice.smith")["external_dn"]

    found = await entra.find("ALICE.SMITH")  # RFC 7643: userName is not case-exact
    assert found is not None and alice_id == found["id"]

    updated = await entra.update(
        alice_id,
        {
            'emails[type eq "work"].value': "alice@contoso.com",
            "name.familyName": "Smith-Jones",
            "title": "Lead",
            f"{ENT}:department": "Platform",
        },
    )
    assert 200 == updated.status_code
    assert ("alice@contoso.com", "Smith-Jones", "Lead", "Platform") == tuple(
        _jc(stack, "alice.smith")[k] for k in ("email", "lastname", "jobTitle", "department")
    )

    managed = await entra.set_manager(alice_id, bob_id)
    assert {"value": bob_id, "$ref": f"{stack.scim_url}/Users/{bob_id}"} == managed.json()[ENT]["manager"]
    assert bob_id == _jc(stack, "alice.smith")["manager"]

    disabled = await entra.set_active(alice_id, False)
    assert False is disabled.json()["active"]
    assert ("SUSPENDED", True) == (_jc(stack, "alice.smith")["state"], _jc(stack, "alice.smith")["suspended"])
    still_found = await entra.find("alice.smith")
    assert still_found is not None and False is still_found["active"]

    enabled = await entra.set_active(alice_id, True)
    assert True is enabled.json()["active"]
    assert "ACTIVATED" == _jc(stack, "alice.smith")["state"]

    # Bob manages Alice; deleting him must not be blocked, and Alice loses her manager.
    assert 204 == (await entra.delete(bob_id)).status_code
    assert _jc(stack, "alice.smith")["manager"] in (None, "")
    assert 404 == (await entra.get(bob_id)).status_code
    assert ["alice.smith"] == [u["username"] for u in stack.emulator.users()]


async def test_periodic_noop_enable_does_not_activate_staged_user(stack: Stack, scim: httpx.AsyncClient) -> None:
    """Entra's periodic active=true on a STAGED user succeeds and leaves the user STAGED."""
    staged = stack.emulator.create_user({"username": "carol", "email": "carol@contoso.com", "state": "STAGED"})

    resp = await EntraClient(scim).set_active(staged["_id"], True)

    assert 200 == resp.status_code
    assert "STAGED" == _jc(stack, "carol")["state"]


async def test_duplicate_create_is_409(stack: Stack, scim: httpx.AsyncClient) -> None:
    """Creating a user whose userName another Entra object already holds answers 409 uniqueness."""
    entra = EntraClient(scim)
    assert 201 == (await entra.create(ALICE)).status_code
    impostor = DirectoryUser(
        object_id="other", mail_nickname="alice.smith", upn="a2@contoso.com", given_name="A", surname="Two"
    )

    resp = await entra.create(impostor)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert 1 == len(stack.emulator.users())


async def test_resent_create_of_the_same_user_is_201(stack: Stack, scim: httpx.AsyncClient) -> None:
    """Entra re-sending a create that already succeeded gets the same user back, not a duplicate."""
    entra = EntraClient(scim)
    first = await entra.create(ALICE)

    again = await entra.create(ALICE)

    assert (201, first.json()["id"]) == (again.status_code, again.json()["id"])
    assert 1 == len(stack.emulator.users())


async def test_unknown_id_is_404(scim: httpx.AsyncClient) -> None:
    """GET, PATCH and DELETE of an id JumpCloud does not hold answer SCIM 404s."""
    entra = EntraClient(scim)
    missing = "64b0c0ffee0000000000ffff"

    answers = [await entra.get(missing), await entra.set_active(missing, False), await entra.delete(missing)]

    assert [(404, [ERROR_SCHEMA], "404")] * 3 == [
        (r.status_code, r.json()["schemas"], r.json()["status"]) for r in answers
    ]


async def test_bad_secret_token_is_401(stack: Stack) -> None:
    """A Secret Token JumpCloud rejects makes Test Connection answer 401 with a SCIM error."""
    async with httpx.AsyncClient(base_url=stack.scim_url, headers={"Authorization": "Bearer wrong-key"}) as client:
        resp = await EntraClient(client).test_connection()

    assert (401, "401") == (resp.status_code, resp.json()["status"])
    assert "wrong-key" not in resp.text
