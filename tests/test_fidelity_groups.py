"""/Groups against JumpCloud's published behaviour (issue 12): name lookups, empty answers, x-org-id (respx)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.groups import MAX_SCANNED_GROUPS, PAGE
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.organizations import JumpCloudOrganizations
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.logs import configure_logging

from .helpers import AUTH, JC_URL
from .test_groups_endpoints import GID, GROUPS, jc_group, query

CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
FIND = {"excludedAttributes": "members"}
ORG_ID = "5f0c0ffee0c0ffee0c0ffee0"


def _page(*groups: dict[str, object], total: int | None = None) -> httpx.Response:
    return httpx.Response(
        200, json=list(groups), headers={"x-total-count": str(len(groups) if total is None else total)}
    )


@pytest.mark.parametrize("name", ["Sales, EMEA", "Sales*", "*"])
async def test_names_with_filter_metacharacters_are_never_sent_in_a_filter(
    client: httpx.AsyncClient, jc: respx.Router, name: str
) -> None:
    """A displayName holding ',' or '*' is found by reading the list and comparing exactly, not by name:eq:."""
    route = jc.get(GROUPS).mock(
        return_value=_page(jc_group(id="6026da081f24755306c2ee01", name="Sales"), jc_group(name=name))
    )

    resp = await client.get("/scim/v2/Groups", params={**FIND, "filter": f'displayName eq "{name}"'}, headers=AUTH)

    assert [GID] == [r["id"] for r in resp.json()["Resources"]]
    assert [{"limit": "100", "skip": "0", "sort": "_id"}] == [query(route, i) for i in range(route.call_count)]


async def test_a_400_to_the_name_filter_falls_back_to_the_list(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """When JumpCloud answers 400 to name:eq:, the group is still found by reading the list."""
    route = jc.get(GROUPS)
    route.side_effect = [
        httpx.Response(400, json={"message": "invalid filter"}),
        _page(jc_group(name="a:b:c")),
    ]

    resp = await client.get("/scim/v2/Groups", params={**FIND, "filter": 'displayName eq "a:b:c"'}, headers=AUTH)

    assert (200, [GID]) == (resp.status_code, [r["id"] for r in resp.json()["Resources"]])
    assert ["name:eq:a:b:c", None] == [query(route, i).get("filter") for i in (0, 1)]


@pytest.mark.parametrize("asked", ["sales", "SALES", "Sales"])
async def test_display_name_eq_ignores_case(client: httpx.AsyncClient, jc: respx.Router, asked: str) -> None:
    """displayName eq finds "Sales" whatever the case asked: exactly in one call, otherwise by a scan."""
    route = jc.get(GROUPS)
    route.side_effect = lambda request: (
        _page(*([jc_group()] if request.url.params["filter"] == "name:eq:Sales" else []))
        if "filter" in request.url.params
        else _page(jc_group(id="6026da081f24755306c2ee01", name="Other"), jc_group())
    )

    resp = await client.get("/scim/v2/Groups", params={**FIND, "filter": f'displayName eq "{asked}"'}, headers=AUTH)

    assert ([GID], "Sales") == ([r["id"] for r in resp.json()["Resources"]], resp.json()["Resources"][0]["displayName"])
    assert (1 if asked == "Sales" else 2) == route.call_count


async def test_the_case_insensitive_scan_is_bounded(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A scan stops after MAX_SCANNED_GROUPS groups and answers 400 tooMany: never a guess from part of the list."""
    full = [jc_group(id=f"{i:024x}", name=f"g{i}") for i in range(PAGE)]
    route = jc.get(GROUPS)
    route.side_effect = lambda request: _page(*([] if "filter" in request.url.params else full), total=10**6)

    resp = await client.get("/scim/v2/Groups", params={**FIND, "filter": 'displayName eq "nobody"'}, headers=AUTH)

    assert (400, "tooMany") == (resp.status_code, resp.json()["scimType"])
    assert str(MAX_SCANNED_GROUPS) in resp.json()["detail"]
    assert 1 + MAX_SCANNED_GROUPS // PAGE == route.call_count


async def test_create_with_a_comma_in_the_name_is_not_split(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Creating "Sales, EMEA" checks the name by reading the list (no name:eq: that JumpCloud would split)."""
    listed = jc.get(GROUPS).mock(return_value=_page(jc_group(id="6026da081f24755306c2ee01", name="Sales")))
    created = jc.post(GROUPS).respond(201, json=jc_group(name="Sales, EMEA", description=""))

    resp = await client.post(
        "/scim/v2/Groups", json={"schemas": [CORE_GROUP], "displayName": "Sales, EMEA"}, headers=AUTH
    )

    assert (201, "Sales, EMEA") == (resp.status_code, resp.json()["displayName"])
    assert [{"limit": "100", "skip": "0", "sort": "_id"}] == [query(listed, i) for i in range(listed.call_count)]
    assert {"name": "Sales, EMEA"} == json.loads(created.calls.last.request.content)


async def test_a_create_whose_name_check_stopped_at_the_scan_bound_goes_ahead_and_says_so(
    client: httpx.AsyncClient, jc: respx.Router, capsys: pytest.CaptureFixture[str]
) -> None:
    """Creating "Sales, EMEA" in a tenant past MAX_SCANNED_GROUPS groups (none of them the name)
    reads the bounded list, creates the group and logs that the name check was incomplete."""
    full = [jc_group(id=f"{i:024x}", name=f"g{i}") for i in range(PAGE)]
    listed = jc.get(GROUPS).mock(return_value=_page(*full, total=10**6))
    created = jc.post(GROUPS).respond(201, json=jc_group(name="Sales, EMEA", description=""))
    configure_logging("json", "info")

    resp = await client.post(
        "/scim/v2/Groups", json={"schemas": [CORE_GROUP], "displayName": "Sales, EMEA"}, headers=AUTH
    )

    assert (201, MAX_SCANNED_GROUPS // PAGE, 1) == (resp.status_code, listed.call_count, created.call_count)
    assert {"name": "Sales, EMEA"} == json.loads(created.calls.last.request.content)
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [MAX_SCANNED_GROUPS] == [x["scanned"] for x in lines if x["event"] == "group_name_check_incomplete"]


@pytest.mark.parametrize("answer", [httpx.Response(200), httpx.Response(200, json={"name": "x"})])
async def test_empty_answer_to_a_group_read_is_404(client: httpx.AsyncClient, jc: respx.Router, answer: object) -> None:
    """A 200 without a group in it on GET /usergroups/{id} is SCIM 404."""
    jc.get(f"{GROUPS}/{GID}").mock(return_value=answer)

    resp = await client.get(f"/scim/v2/Groups/{GID}", headers=AUTH)

    assert 404 == resp.status_code


async def test_x_org_id_is_not_sent_where_jumpcloud_refuses_it(jc: respx.Router) -> None:
    """A multi-tenant key's org id goes to /api/systemusers but not to /api/organizations."""
    orgs = jc.get("/api/organizations").respond(200, json={"totalCount": 1, "results": [{"_id": ORG_ID}]})
    users = jc.get("/api/systemusers").respond(200, json={"totalCount": 0, "results": []})
    auth = Credentials(api_key="k", org_id=ORG_ID)
    async with httpx.AsyncClient(base_url=JC_URL, transport=httpx.MockTransport(jc.async_handler)) as http:
        client = JumpCloudClient(http)
        await JumpCloudOrganizations(client).list(auth=auth)
        await JumpCloudUsers(client).list_users(skip=0, limit=1, auth=auth)

    assert "x-org-id" not in orgs.calls.last.request.headers
    assert ORG_ID == users.calls.last.request.headers["x-org-id"]
