"""Issue 15 over real sockets: an admin's TOML mappings, phone numbers and addresses, externalId in a
custom attribute, and suspend-mode deletes, from Entra-shaped requests to what the emulator holds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

EXT = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
# The mapping file, verbatim.
MAPPING = f"""
[[attribute]]
scim = "{EXT}:badgeNumber"
jumpcloud = "attributes.badgeNumber"   # a JumpCloud custom attribute

[[attribute]]
scim = "{EXT}:costCode"
jumpcloud = "attributes.costCode"

[[attribute]]
scim = "nickName"
jumpcloud = "description"              # a plain JumpCloud field not mapped by default
"""
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture(name="emulator")
def _emulator() -> Iterator[tuple[str, EmulatorState]]:
    app = create_emulator_app(EmulatorConfig())
    with serve_in_thread(app) as url:
        yield url, app.state.emulator


def _proxy(jc_url: str, tmp_path: Path, **settings: Any) -> Any:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    return create_app(Settings(jumpcloud_url=jc_url, mapping_file=str(mapping), **settings))


@pytest.fixture(name="scim")
async def _scim(emulator: tuple[str, EmulatorState], tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The proxy with the issue's mapping file, in suspend mode, externalId in a custom attribute."""
    app = _proxy(emulator[0], tmp_path, delete_mode="suspend", external_id_field="attributes.entraId")
    with serve_in_thread(app) as url:
        async with httpx.AsyncClient(
            base_url=f"{url}/scim/v2", timeout=10, headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        ) as client:
            yield client


def _held(emulator: EmulatorState, username: str) -> dict[str, Any]:
    (user,) = [u for u in emulator.users() if u["username"] == username]
    return user


def _custom(user: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in user["attributes"]}


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


async def test_mapped_attributes_travel_both_patch_dialects(
    scim: httpx.AsyncClient, emulator: tuple[str, EmulatorState]
) -> None:
    """The TOML's attributes are created, changed by path, by no-path key and by nested extension object, read
    back with their schema listed, filtered on, and a custom attribute no mapping names is never touched."""
    _, state = emulator
    created = await scim.post(
        "/Users",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", EXT],
            "userName": "ann.lee",
            "emails": [{"value": "ann.lee@contoso.com", "primary": True}],
            "externalId": "e-1",
            "nickName": "Annie",
            EXT: {"badgeNumber": "42", "costCode": "C1"},
        },
    )
    user_id = created.json()["id"]
    state.org().update_user(
        user_id, {"attributes": [*_held(state, "ann.lee")["attributes"], {"name": "hr", "value": "x"}]}
    )

    by_path = await scim.patch(
        f"/Users/{user_id}", json=_patch({"op": "replace", "path": f"{EXT}:badgeNumber", "value": "43"})
    )
    no_path = await scim.patch(
        f"/Users/{user_id}", json=_patch({"op": "Replace", "value": {f"{EXT}:badgeNumber": "44"}})
    )
    nested = await scim.patch(f"/Users/{user_id}", json=_patch({"op": "Add", "value": {EXT: {"costCode": "C2"}}}))
    found = await scim.get("/Users", params={"filter": f'{EXT}:badgeNumber eq "44"'})

    assert (201, 200, 200, 200, 200) == tuple(r.status_code for r in (created, by_path, no_path, nested, found))
    held = _held(state, "ann.lee")
    assert {"badgeNumber": "44", "costCode": "C2", "entraId": "e-1", "hr": "x"} == _custom(held)
    assert ("Annie", "") == (held["description"], held["external_dn"])
    shown = nested.json()
    assert EXT in shown["schemas"] and {"badgeNumber": "44", "costCode": "C2"} == shown[EXT]
    assert ("Annie", "e-1") == (shown["nickName"], shown["externalId"])
    assert [user_id] == [r["id"] for r in found.json()["Resources"]]


async def test_discovery_advertises_exactly_what_is_mapped(scim: httpx.AsyncClient) -> None:
    """/Schemas has the custom extension with its two attributes; /ResourceTypes lists it; nickName is core."""
    schema = (await scim.get(f"/Schemas/{EXT}")).json()
    user = (await scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")).json()
    types = (await scim.get("/ResourceTypes/User")).json()

    assert ["badgeNumber", "costCode"] == [a["name"] for a in schema["attributes"]]
    assert "CustomExtensionName" == schema["name"]
    assert "nickName" in [a["name"] for a in user["attributes"]]
    assert EXT in [e["schema"] for e in types["schemaExtensions"]]


async def test_phones_and_addresses_round_trip_keeping_other_types(
    scim: httpx.AsyncClient, emulator: tuple[str, EmulatorState]
) -> None:
    """Phone numbers and an address arrive in JumpCloud's arrays; a change to one reads and merges, so the
    work_mobile number and the PO box JumpCloud holds (which SCIM does not name) survive."""
    _, state = emulator
    created = await scim.post(
        "/Users",
        json={
            "userName": "bo.ng",
            "emails": [{"value": "bo.ng@contoso.com"}],
            "phoneNumbers": [{"type": "work", "value": "+47 1"}, {"type": "mobile", "value": "+47 2"}],
            "addresses": [{"type": "work", "streetAddress": "1 Main", "locality": "Oslo", "country": "NO"}],
        },
    )
    user_id = created.json()["id"]
    held = _held(state, "bo.ng")
    state.org().update_user(
        user_id,
        {
            "phoneNumbers": [*held["phoneNumbers"], {"type": "work_mobile", "number": "+47 3"}],
            "addresses": [{**held["addresses"][0], "poBox": "PB 9"}],
        },
    )

    changed = await scim.patch(
        f"/Users/{user_id}",
        json=_patch(
            {"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+47 9"},
            {"op": "replace", "path": 'addresses[type eq "work"].locality', "value": "Bergen"},
        ),
    )

    assert (201, 200) == (created.status_code, changed.status_code)
    held = _held(state, "bo.ng")
    assert [("work", "+47 9"), ("mobile", "+47 2"), ("work_mobile", "+47 3")] == [
        (p["type"], p["number"]) for p in held["phoneNumbers"]
    ]
    (address,) = held["addresses"]
    assert ("1 Main", "Bergen", "NO", "PB 9") == tuple(
        address[k] for k in ("streetAddress", "locality", "country", "poBox")
    )
    assert [{"type": "work", "value": "+47 9"}, {"type": "mobile", "value": "+47 2"}] == changed.json()["phoneNumbers"]


async def test_suspend_mode_delete_hides_and_a_new_create_revives_the_same_user(
    scim: httpx.AsyncClient, emulator: tuple[str, EmulatorState]
) -> None:
    """delete -> 404 and gone from lists and filters -> create again -> 201 with the same JumpCloud id, unsuspended,
    unmarked and with the new attributes."""
    _, state = emulator
    first = await scim.post(
        "/Users", json={"userName": "cy.ode", "emails": [{"value": "cy.ode@contoso.com"}], "title": "Engineer"}
    )
    user_id = first.json()["id"]

    deleted = await scim.delete(f"/Users/{user_id}")
    gone = await scim.get(f"/Users/{user_id}")
    listed = await scim.get("/Users")
    filtered = await scim.get("/Users", params={"filter": 'userName eq "cy.ode"'})
    again = await scim.delete(f"/Users/{user_id}")
    held = _held(state, "cy.ode")
    assert (204, 404, 404) == (deleted.status_code, gone.status_code, again.status_code)
    assert (True, "SUSPENDED") == (held["suspended"], held["state"])
    assert "scimProxyRemoved" in _custom(held)
    assert user_id not in [r["id"] for r in listed.json()["Resources"]]
    assert 0 == filtered.json()["totalResults"]

    revived = await scim.post(
        "/Users", json={"userName": "cy.ode", "emails": [{"value": "cy.ode@contoso.com"}], "title": "Lead"}
    )

    held = _held(state, "cy.ode")
    assert (201, user_id, "Lead", True) == (
        revived.status_code,
        revived.json()["id"],
        revived.json()["title"],
        revived.json()["active"],
    )
    assert (False, "ACTIVATED", {}) == (held["suspended"], held["state"], _custom(held))
    assert 1 == len([u for u in state.users() if u["username"] == "cy.ode"])


async def test_a_bad_mapping_file_stops_the_app(emulator: tuple[str, EmulatorState], tmp_path: Path) -> None:
    """A mapping file naming a field the proxy may not write stops the app from being built, naming the line."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[attribute]]\nscim = "nickName"\njumpcloud = "attributes.ok"\n\n'
        '[[attribute]]\nscim = "x"\njumpcloud = "password"\n'
    )

    with pytest.raises(ValueError, match=r"bad\.toml: line 5 \(\[\[attribute\]\] #2\): 'password' is not"):
        create_app(Settings(jumpcloud_url=emulator[0], mapping_file=str(bad)))
