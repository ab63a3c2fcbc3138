"""The seeded world the end-to-end filter tests share: an emulator with five users and four groups, two proxies.

Users are created one per period (`CREATED`) so `meta.created` filters have something to tell
apart; the second proxy reads at most 3 users for a filter, to show tooMany.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
USER_ROUTES = ("search_users", "list_users", "get_user")
GROUP_ROUTES = ("list_groups", "get_group", "list_group_members")
CREATED = {
    "bjensen": datetime(2021, 1, 1, tzinfo=UTC),
    "jsmith": datetime(2021, 6, 1, tzinfo=UTC),
    "Omalley": datetime(2022, 1, 1, tzinfo=UTC),
    "a.b": datetime(2023, 1, 1, tzinfo=UTC),
    "zed": datetime(2024, 1, 1, tzinfo=UTC),
}


@attrs.frozen
class World:
    """The servers, clients for both proxies (the second reads at most 3 users for a filter), and the seeded ids."""

    emulator: EmulatorState
    scim: httpx.Client
    narrow: httpx.Client
    ids: dict[str, str]


def _seed(emulator: EmulatorState, now: list[datetime]) -> dict[str, str]:
    ids: dict[str, str] = {}

    def user(name: str, **fields: Any) -> None:
        now[0] = CREATED[name]
        ids[name] = emulator.create_user({"username": name, **fields})["_id"]

    user("bjensen", email="bjensen@example.com", firstname="Barbara", lastname="Jensen", jobTitle="Tour Guide",
         department="Sales", external_dn="B-1")  # fmt: skip
    user("jsmith", email="jsmith@example.org", firstname="John", lastname="Smith", department="Sales",
         state="SUSPENDED")  # fmt: skip
    user("Omalley", email="omalley@example.com", firstname="Kate", lastname="Employee", jobTitle="Engineer",
         department="R&D", external_dn="C-3", manager=ids["bjensen"])  # fmt: skip
    user("a.b", email="a.b+tag@example.org", firstname="Al", lastname="Employee", jobTitle="Engineer",
         external_dn="a-4", state="STAGED")  # fmt: skip
    user("zed", email="zed@example.net")
    now[0] = datetime(2024, 6, 1, tzinfo=UTC)
    for name, external, members in (
        ("Sales", "g-1", ("bjensen", "jsmith")),
        ("Sales EMEA, North", "g-2", ("Omalley",)),
        ("R&D*", "g-3", ()),
        ("ops", "g-4", ("zed",)),
    ):
        group = emulator.create_group({"name": name, "description": f"scimExternalId={external}"})
        ids[name] = group["id"]
        for member in members:
            emulator.add_member(group["id"], ids[member])
    return ids


@pytest.fixture(name="world", scope="module")
def world_fixture() -> Iterator[World]:
    """One emulator with the seeded users and groups, a default proxy and a narrow one, on loopback."""
    now = [datetime(2020, 1, 1, tzinfo=UTC)]
    emulator_app = create_emulator_app(EmulatorConfig(clock=lambda: now[0]))
    emulator: EmulatorState = emulator_app.state.emulator
    ids = _seed(emulator, now)
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    with serve_in_thread(emulator_app) as jc_url:
        default = create_app(Settings(jumpcloud_url=jc_url, retry_attempts=1))
        narrow = create_app(Settings(jumpcloud_url=jc_url, retry_attempts=1, filter_scan_limit=3))
        with (
            serve_in_thread(default) as url,
            serve_in_thread(narrow) as narrow_url,
            httpx.Client(base_url=f"{url}/scim/v2", headers=headers, timeout=10) as scim,
            httpx.Client(base_url=f"{narrow_url}/scim/v2", headers=headers, timeout=10) as narrow_client,
        ):
            yield World(emulator, scim, narrow_client, ids)


def jumpcloud_calls(emulator: EmulatorState, routes: tuple[str, ...]) -> int:
    return sum(emulator.calls(route) for route in routes)


def listed(
    world: World, path: str = "/Users", *, routes: tuple[str, ...] = USER_ROUTES, **params: Any
) -> tuple[list[str], int, dict[str, Any]]:
    """(userNames or displayNames in answer order, JumpCloud calls spent, the body) for one GET."""
    before = jumpcloud_calls(world.emulator, routes)
    resp = world.scim.get(path, params=params)
    assert 200 == resp.status_code, resp.text
    body = resp.json()
    names = [r.get("userName") or r.get("displayName") for r in body["Resources"]]
    return names, jumpcloud_calls(world.emulator, routes) - before, body
