"""/Groups through the proxy to the JumpCloud emulator reproducing JumpCloud's documented behaviour (issue 12)."""

from __future__ import annotations

import httpx

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, create_emulator_app
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.ops.preflight import run_checks
from scim_proxy.settings import Settings

from .emulated import EMULATOR_URL, emulated

CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FIND = {"excludedAttributes": "members"}
MSP_KEY = "msp-key"  # the emulator's multi-tenant key in this test, not a secret
MSP_ORG = "5f0c0ffee0c0ffee0c0ff00d"


async def test_names_with_commas_and_stars_are_found_and_created_exactly() -> None:
    """ "Sales, EMEA" and "Sales*" are created and found exactly, though JumpCloud splits ',' and globs '*' (JC-82)."""
    async with emulated() as stack:
        stack.emulator.create_group({"name": "Sales"})
        created = [
            await stack.scim.post("/Groups", json={"schemas": [CORE_GROUP], "displayName": name})
            for name in ("Sales, EMEA", "Sales*")
        ]
        found = [
            await stack.scim.get("/Groups", params={**FIND, "filter": f'displayName eq "{name}"'})
            for name in ("Sales, EMEA", "Sales*", "sales, emea")
        ]

        assert [201, 201] == [r.status_code for r in created]
        assert [["Sales, EMEA"], ["Sales*"], ["Sales, EMEA"]] == [
            [g["displayName"] for g in r.json()["Resources"]] for r in found
        ]
        filters = [s.params.get("filter", "") for s in stack.calls("GET", "/api/v2/usergroups")]
        assert not any("," in f or "*" in f for f in filters)
        assert ["Sales", "Sales, EMEA", "Sales*"] == [g["name"] for g in stack.emulator.groups()]


async def test_display_name_eq_finds_the_group_whatever_the_case() -> None:
    """Entra's lower-cased displayName finds "Sales" (RFC 7643 caseExact false), so no duplicate is created."""
    async with emulated() as stack:
        group_id = stack.emulator.create_group({"name": "Sales"})["id"]
        for i in range(150):
            stack.emulator.create_group({"name": f"team-{i:03d}"})

        found = await stack.scim.get("/Groups", params={**FIND, "filter": 'displayName eq "SALES"'})
        exact = len(stack.sent)
        missing = await stack.scim.get("/Groups", params={**FIND, "filter": 'displayName eq "nobody"'})

        assert [group_id] == [g["id"] for g in found.json()["Resources"]]
        assert 0 == missing.json()["totalResults"]
        assert (3, 3) == (exact, len(stack.sent) - exact)  # name:eq: then a scan of 151 groups, 100 a call
        assert 151 == len(stack.emulator.groups())


async def test_rename_keeps_every_writable_group_setting() -> None:
    """A SCIM rename sends back memberSuggestionsNotify, memberQuery and the rest, so JumpCloud keeps them (JC-74)."""
    query = {"queryType": "FilterQuery", "filters": [{"field": "department", "operator": "eq", "value": "R&D"}]}
    async with emulated() as stack:
        group = stack.emulator.create_group(
            {"name": "Eng", "email": "eng@contoso.com", "memberSuggestionsNotify": True, "memberQuery": query}
        )
        rename = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "displayName", "value": "R&D"}]}

        resp = await stack.scim.patch(f"/Groups/{group['id']}", json=rename)

        assert 204 == resp.status_code
        (put,) = stack.calls("PUT", f"/api/v2/usergroups/{group['id']}")
        assert {"name": "R&D", "email": "eng@contoso.com", "memberSuggestionsNotify": True, "memberQuery": query} == {
            k: put.body[k] for k in ("name", "email", "memberSuggestionsNotify", "memberQuery")
        }
        (held,) = stack.emulator.groups()
        assert ("R&D", True, query) == (held["name"], held["memberSuggestionsNotify"], held["memberQuery"])


async def test_paging_groups_and_members_with_unstable_unsorted_order_sees_each_once() -> None:
    """GET /Groups pages (sort=_id) list every group once, and a 150-member group is read whole (JC-11, JC-80)."""
    async with emulated() as stack:
        users = [
            stack.emulator.create_user({"username": f"u{i}", "email": f"u{i}@contoso.com"})["_id"] for i in range(150)
        ]
        names = [f"g{i:02d}" for i in range(23)]
        groups = [stack.emulator.create_group({"name": name})["id"] for name in names]
        for user_id in users:
            stack.emulator.add_member(groups[0], user_id)

        seen: list[str] = []
        for start in range(1, 24, 5):
            page = await stack.scim.get("/Groups", params={**FIND, "startIndex": str(start), "count": "5"})
            seen += [g["displayName"] for g in page.json()["Resources"]]
        whole = await stack.scim.get(f"/Groups/{groups[0]}")

        assert names == seen
        assert users == [m["value"] for m in whole.json()["members"]]
        assert {"_id"} == {s.params["sort"] for s in stack.calls("GET", "/api/v2/usergroups")}


async def test_preflight_lists_organizations_for_a_multi_tenant_key() -> None:
    """`scim-proxy check` with an org id lists it: /api/organizations, which refuses x-org-id, gets none (JC-07)."""
    app = create_emulator_app(EmulatorConfig(api_keys={DEFAULT_API_KEY}, tenants={MSP_KEY: frozenset({MSP_ORG})}))

    client = make_jumpcloud_client(Settings(jumpcloud_url=EMULATOR_URL), transport=httpx.ASGITransport(app=app))
    async with client.http:
        steps = await run_checks(client, Credentials(api_key=MSP_KEY, org_id=MSP_ORG), url=EMULATOR_URL)

    organization = next(step for step in steps if step.name == "organization")
    assert (True, f"Emulated organization {MSP_ORG[-6:]} ({MSP_ORG})") == (organization.ok, organization.detail)
    assert all(step.ok for step in steps)
