"""The emulator's switchable JumpCloud behaviours (`Quirks`), the organizations listing and full group PUTs."""

from __future__ import annotations

import httpx
import pytest

from devtools.emulator import DEFAULT_ORG_ID, EmulatorConfig, EmulatorState, Quirks, create_emulator_app

from .support import AUTH, BASE_URL, UNKNOWN_ID, user_body

REFUSED_RENAME = {
    "code": 400,
    "message": "username cannot be changed while the user is bound to resources",
    "status": "INVALID_ARGUMENT",
}


@pytest.mark.parametrize("path", [f"/api/systemusers/{UNKNOWN_ID}", f"/api/v2/usergroups/{UNKNOWN_ID}"])
async def test_unknown_id_answers_200_with_no_body_when_asked(
    client: httpx.AsyncClient, emulator: EmulatorState, path: str
) -> None:
    """With `empty_body_for_unknown_id`, GET and PUT of an unknown id answer 200 and no body; otherwise 404."""
    before = [await client.get(path), await client.put(path, json={"name": "x"})]
    emulator.quirks = Quirks(empty_body_for_unknown_id=True)
    after = [await client.get(path), await client.put(path, json={"name": "x", "username": "x", "email": "x@e.co"})]
    malformed = await client.get(path.replace(UNKNOWN_ID, "nope"))

    assert [404, 404] == [r.status_code for r in before]
    assert [(200, b"")] * 2 == [(r.status_code, r.content) for r in after]
    assert "application/json; charset=utf-8" == after[0].headers["content-type"]
    assert 400 == malformed.status_code
    assert ([], []) == (emulator.users(), emulator.groups())


@pytest.mark.parametrize(
    ("mode", "status", "kept"),
    [("applied", 200, "renamed"), ("refused", 400, "jdoe"), ("ignored", 200, "jdoe")],
)
async def test_renaming_a_user_in_a_group_follows_bound_username_change(
    client: httpx.AsyncClient, emulator: EmulatorState, mode: str, status: int, kept: str
) -> None:
    """A new username for a group member is applied, refused (400) or dropped; a user in no group is renamed."""
    member = emulator.create_user(user_body("jdoe"))
    loner = emulator.create_user(user_body("loner"))
    group = emulator.create_group({"name": "Devices"})
    emulator.add_member(group["id"], member["_id"])
    emulator.quirks = Quirks(bound_username_change=mode)  # type: ignore[arg-type] -- parametrized Literal

    resp = await client.put(f"/api/systemusers/{member['_id']}", json={"username": "renamed", "jobTitle": "Lead"})
    same = await client.put(f"/api/systemusers/{member['_id']}", json={"username": kept})
    loner_renamed = await client.put(f"/api/systemusers/{loner['_id']}", json={"username": "solo"})

    assert status == resp.status_code
    if mode == "refused":
        assert REFUSED_RENAME == resp.json()
    stored = {u["_id"]: u for u in emulator.users()}
    assert (kept, "" if mode == "refused" else "Lead") == (
        stored[member["_id"]]["username"],
        stored[member["_id"]]["jobTitle"],
    )
    assert (200, 200, "solo") == (same.status_code, loner_renamed.status_code, stored[loner["_id"]]["username"])


def test_default_quirks_are_the_pessimistic_reading() -> None:
    """By default "" collides, bound renames are refused, v2 metacharacters apply and unsorted order is unstable."""
    quirks = EmulatorConfig().quirks

    assert (True, False, "refused", True, True) == (
        quirks.empty_identifier_collides,
        quirks.empty_body_for_unknown_id,
        quirks.bound_username_change,
        quirks.v2_filter_metacharacters,
        quirks.unstable_order_without_sort,
    )


@pytest.mark.parametrize(
    ("metacharacters", "value", "status", "expected"),
    [
        (True, "name:eq:Sales, EMEA", 400, None),
        (True, "name:eq:Sales*", 200, ["Sales", "Sales, EMEA", "Sales*"]),
        (True, "name:eq:*EMEA", 200, ["Sales, EMEA"]),
        (True, "name:eq:S*s", 200, ["Sales"]),
        (True, "name:ne:Sales*", 200, ["Ops"]),
        (True, "name:eq:Sales,type:eq:user_group", 200, ["Sales"]),
        (False, "name:eq:Sales, EMEA", 200, ["Sales, EMEA"]),
        (False, "name:eq:Sales*", 200, ["Sales*"]),
    ],
)
async def test_v2_filter_commas_split_and_stars_glob(
    client: httpx.AsyncClient,
    emulator: EmulatorState,
    metacharacters: bool,
    value: str,
    status: int,
    expected: list[str] | None,
) -> None:
    """A ',' in a v2 filter value starts another filter and '*' is a wildcard, unless the quirk is off."""
    for name in ("Sales", "Sales, EMEA", "Sales*", "Ops"):
        emulator.create_group({"name": name})
    emulator.quirks = Quirks(v2_filter_metacharacters=metacharacters)

    resp = await client.get("/api/v2/usergroups", params={"filter": value, "sort": "_id"})

    assert status == resp.status_code, resp.text
    if expected is not None:
        assert expected == [g["name"] for g in resp.json()]


async def test_paging_without_sort_misses_and_repeats_but_sort_id_does_not(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    """Unsorted pages of users and groups come in a changing order; with sort=_id they cover everything once."""
    for i in range(30):
        emulator.create_user(user_body(f"u{i:02d}"))
        emulator.create_group({"name": f"g{i:02d}"})

    async def names(path: str, key: str, **sort: str) -> list[str]:
        seen: list[str] = []
        for skip in range(0, 30, 10):
            resp = await client.get(path, params={"skip": skip, "limit": 10, **sort})
            body = resp.json()
            seen += [item[key] for item in (body["results"] if isinstance(body, dict) else body)]
        return seen

    unsorted = [await names("/api/systemusers", "username"), await names("/api/v2/usergroups", "name")]
    ordered = [
        await names("/api/systemusers", "username", sort="_id"),
        await names("/api/v2/usergroups", "name", sort="_id"),
    ]

    assert all(len(set(found)) < 30 for found in unsorted)
    assert [[f"u{i:02d}" for i in range(30)], [f"g{i:02d}" for i in range(30)]] == ordered


async def test_organizations_list_the_orgs_of_the_key_and_refuse_x_org_id() -> None:
    """GET /api/organizations lists a key's orgs without x-org-id, and answers 403 when x-org-id is sent."""
    msp_org = "5f0c0ffee0c0ffee0c0ff00d"
    app = create_emulator_app(EmulatorConfig(tenants={"msp-key": frozenset({msp_org})}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        single = await client.get("/api/organizations", headers=AUTH)
        msp = await client.get("/api/organizations", headers={"x-api-key": "msp-key"})
        with_org = await client.get("/api/organizations", headers={"x-api-key": "msp-key", "x-org-id": msp_org})
        bad_key = await client.get("/api/organizations", headers={"x-api-key": "nope"})

    assert (200, 1, DEFAULT_ORG_ID) == (
        single.status_code,
        single.json()["totalCount"],
        single.json()["results"][0]["_id"],
    )
    assert [msp_org] == [org["id"] for org in msp.json()["results"]]
    assert (403, {"message": "Forbidden: x-org-id is not accepted on this endpoint"}) == (
        with_org.status_code,
        with_org.json(),
    )
    assert 401 == bad_key.status_code


async def test_group_put_keeps_dynamic_group_settings_it_is_sent(client: httpx.AsyncClient) -> None:
    """PUT stores memberSuggestionsNotify, memberQuery and memberQueryExemptions, and resets them when left out."""
    query = {"queryType": "FilterQuery", "filters": [{"field": "department", "operator": "eq", "value": "R&D"}]}
    exemptions = [{"id": UNKNOWN_ID, "type": "user"}]
    group_id = (await client.post("/api/v2/usergroups", json={"name": "Dyn"})).json()["id"]
    body = {"name": "Dyn", "memberSuggestionsNotify": True, "memberQuery": query, "memberQueryExemptions": exemptions}

    kept = (await client.put(f"/api/v2/usergroups/{group_id}", json=body)).json()
    reset = (await client.put(f"/api/v2/usergroups/{group_id}", json={"name": "Dyn"})).json()
    bad = await client.put(f"/api/v2/usergroups/{group_id}", json={"name": "Dyn", "memberSuggestionsNotify": "yes"})

    fields = ("memberSuggestionsNotify", "memberQuery", "memberQueryExemptions")
    assert (True, query, exemptions) == tuple(kept[f] for f in fields)
    assert (False, None, []) == tuple(reset[f] for f in fields)
    assert 400 == bad.status_code
