"""Register rows JC-109 and JC-110: searching users by their custom attributes (`attributes` array)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .ledger import Contract
from .support import Target, settle

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]


def _found(jc: httpx.Client, among: list[str], condition: dict[str, Any]) -> list[str]:
    resp = jc.post("/api/search/systemusers", json={"filter": {"and": [{"username": {"$in": among}}, condition]}})
    assert 200 == resp.status_code, resp.text
    return sorted(user["username"] for user in resp.json()["results"])


def test_jc_109_ne_on_an_array_field_excludes_any_entry(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`{"attributes.name": {"$ne": n}}` keeps only users with no custom attribute named n (suspend mode's
    list filter); the proxy also checks every hit, so a JumpCloud that differs shows wrong totals, not users."""
    marked = make_user("m", attributes=[{"name": "hr", "value": "1"}, {"name": "scimProxyRemoved", "value": "t"}])
    plain = make_user("p", attributes=[{"name": "hr", "value": "1"}])
    bare = make_user("b")
    among = [marked["username"], plain["username"], bare["username"]]

    kept = settle(target, lambda: _found(jc, among, {"attributes.name": {"$ne": "scimProxyRemoved"}}))

    contract.relies(
        "users with no entry of that name, and only them", sorted([plain["username"], bare["username"]]), kept
    )


def test_jc_110_name_and_value_conditions_match_any_entries(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`attributes.name` and `attributes.value` conditions each match any entry (no element match): a superset
    of "the attribute named n holds v", which the proxy then checks exactly (externalId in a custom attribute)."""
    exact = make_user("e", attributes=[{"name": "entraId", "value": "v-1"}])
    split = make_user("s", attributes=[{"name": "entraId", "value": "x"}, {"name": "other", "value": "v-1"}])
    miss = make_user("n", attributes=[{"name": "entraId", "value": "x"}])
    among = [exact["username"], split["username"], miss["username"]]

    found = settle(
        target, lambda: _found(jc, among, {"and": [{"attributes.name": "entraId"}, {"attributes.value": "v-1"}]})
    )

    contract.relies("the user holding it is found", True, exact["username"] in found)
    contract.relies("a user holding neither is not", False, miss["username"] in found)
    contract.observes("a user with the name and the value in different entries", True, split["username"] in found)
