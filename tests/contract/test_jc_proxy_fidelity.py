"""Register rows JC-100 to JC-106: the proxy's answers to issue 12, with its own builders and clients.

Bodies come from the proxy's pure builders and calls go through its `JumpCloudClient` (behind
the same guard as `jc`), so a live run checks the requests the proxy really makes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from devtools.emulator import Quirks
from scim_proxy.errors import Mutability, NotFound
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.groups import JumpCloudGroups
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.organizations import JumpCloudOrganizations
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.translate import groups as group_mapping
from scim_proxy.translate import users as mapping

from .guard import Owned, guarded_proxy_client
from .ledger import Contract
from .support import UNKNOWN_ID, Names, Target, body_of, get_user

pytestmark = pytest.mark.live

Make = Callable[..., dict[str, Any]]
SetQuirks = Callable[[Quirks], None]


@pytest.fixture(name="proxy_client")
async def _proxy_client(target: Target, jc: httpx.Client, owned: Owned) -> AsyncIterator[JumpCloudClient]:
    """The proxy's JumpCloud client pointed at the target, behind the same guard as `jc`."""
    async with guarded_proxy_client(target, owned, jc) as client:
        yield client


def _auth(target: Target) -> Credentials:
    return Credentials(api_key=target.api_key, org_id=target.org_id)


def test_jc_100_clearing_a_unique_attribute_sends_null(
    jc: httpx.Client, make_user: Make, names: Names, contract: Contract
) -> None:
    """The proxy clears employeeNumber with `employeeIdentifier: null`, which two users can both hold."""
    users = [make_user(employeeIdentifier=names.user("emp")) for _ in range(2)]
    body = mapping.update_body({"employee_number": None})

    answers = [jc.put(f"/api/systemusers/{u['_id']}", json=body) for u in users]

    contract.relies("the proxy's body", {"employeeIdentifier": None}, body)
    contract.relies(
        "both users are cleared",
        [(200, None), (200, None)],
        [(r.status_code, body_of(r).get("employeeIdentifier")) for r in answers],
    )


@pytest.mark.parametrize("empty_body", [False, True])
async def test_jc_101_unknown_id_is_not_found_even_as_an_empty_200(
    target: Target, proxy_client: JumpCloudClient, quirks: SetQuirks, empty_body: bool, contract: Contract
) -> None:
    """The proxy's by-id read of an unknown user or group is NotFound, whether JumpCloud says 404 or an empty 200."""
    quirks(Quirks(empty_body_for_unknown_id=empty_body))

    outcomes = []
    for read in (JumpCloudUsers(proxy_client).get_user, JumpCloudGroups(proxy_client).get):
        try:
            await read(UNKNOWN_ID, auth=_auth(target))
            outcomes.append("found")
        except NotFound:
            outcomes.append("not found")

    contract.relies("an unknown user and group are not found", ["not found", "not found"], outcomes)


async def test_jc_102_a_refused_rename_is_mutability(
    target: Target,
    jc: httpx.Client,
    proxy_client: JumpCloudClient,
    names: Names,
    make_user: Make,
    make_group: Make,
    contract: Contract,
) -> None:
    """The proxy's rename of a user in a group is renamed, or comes back as Mutability (400) and stays (JC-53)."""
    user, group = make_user("bound"), make_group()
    added = jc.post(f"/api/v2/usergroups/{group['id']}/members", json={"op": "add", "type": "user", "id": user["_id"]})
    wanted = names.user("renamed")
    body = mapping.update_body({"user_name": wanted})

    try:
        outcome = (await JumpCloudUsers(proxy_client).update_user(user["_id"], body, auth=_auth(target))).username
    except Mutability as exc:
        outcome = "mutability" if str(exc).startswith(f"userName cannot be changed to {wanted!r}") else str(exc)
    held = get_user(jc, user["_id"])["username"]

    contract.relies("the user joined the group", 204, added.status_code)
    contract.relies(
        "renamed, or a Mutability error and the old username",
        (wanted, wanted) if outcome == wanted else ("mutability", user["username"]),
        (outcome, held),
    )
    contract.observes("the emulator refuses (its default quirk)", "mutability", outcome)


async def test_jc_103_search_pages_see_every_user_once(
    target: Target, proxy_client: JumpCloudClient, names: Names, make_user: Make, contract: Contract
) -> None:
    """The proxy's paged search (skip/limit in body and query, sort=_id) returns each matching user exactly once."""
    prefix = names.user("page")
    created = sorted(make_user(username=f"{prefix}-{i}")["username"] for i in range(7))
    query = {"and": [{"username": {"$regex": f"^{re.escape(prefix)}-"}}]}
    client = JumpCloudUsers(proxy_client)

    async def page_all() -> list[str]:
        seen: list[str] = []
        for skip in range(0, 9, 3):
            page = await client.search_users(query, skip=skip, limit=3, auth=_auth(target))
            seen += [user.username for user in page.results]
        return seen

    seen = await page_all()
    if target.live and sorted(seen) != created:  # a real org's search may lag the creates a little
        seen = await page_all()

    contract.relies("every matching user, each once", (created, len(seen)), (sorted(seen), len(set(seen))))


async def test_jc_104_organizations_are_listed_without_x_org_id(
    msp_target: Target, proxy_client: JumpCloudClient, contract: Contract
) -> None:
    """With a multi-tenant key and its org id, the proxy's organizations listing succeeds (no x-org-id sent)."""
    organizations = await JumpCloudOrganizations(proxy_client).list(auth=_auth(msp_target))

    contract.relies("the key's org is listed", True, msp_target.org_id in [org.id for org in organizations])


async def test_jc_105_group_name_lookups_are_exact_and_ignore_case(
    target: Target, proxy_client: JumpCloudClient, names: Names, make_group: Make, contract: Contract
) -> None:
    """The proxy finds "x, y" and "x*" exactly (no split, no glob) and finds a name whatever its case."""
    base = names.group("lookup")
    groups = {name: make_group(name=name)["id"] for name in (base, f"{base}, EMEA", f"{base}*")}
    client = JumpCloudGroups(proxy_client)

    found = [
        [g.id for g in (await client.find_by_name(name, auth=_auth(target), ignore_case=False)).groups]
        for name in groups
    ]
    upper = await client.find_by_name(f"{base}, EMEA".upper(), auth=_auth(target), ignore_case=True)

    contract.relies("each name finds exactly its group", [[gid] for gid in groups.values()], found)
    contract.relies("an upper-cased name finds it too", [groups[f"{base}, EMEA"]], [g.id for g in upper.groups])


async def test_jc_106_group_put_carries_every_writable_field(
    target: Target, jc: httpx.Client, proxy_client: JumpCloudClient, make_group: Make, contract: Contract
) -> None:
    """The proxy's rename PUT sends back memberSuggestionsNotify and the other UserGroupPut fields, so they stay."""
    group = make_group(email="team@example.com")
    armed = jc.put(f"/api/v2/usergroups/{group['id']}", json={**_writable(group), "memberSuggestionsNotify": True})
    client = JumpCloudGroups(proxy_client)
    current = await client.get(group["id"], auth=_auth(target))

    renamed = await client.put(
        group["id"], group_mapping.put_body(current, name=f"{group['name']}-2", external_id="e1"), auth=_auth(target)
    )

    held = jc.get(f"/api/v2/usergroups/{group['id']}").json()
    contract.relies("the setting was stored first", 200, armed.status_code)
    contract.relies(
        "renamed, with memberSuggestionsNotify and email kept",
        (f"{group['name']}-2", True, "team@example.com"),
        (renamed.name, held.get("memberSuggestionsNotify"), held.get("email")),
    )


def _writable(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k in group_mapping.USER_GROUP_PUT_FIELDS and v is not None}
