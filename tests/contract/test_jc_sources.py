"""Register rows from JumpCloud's published spec and clients (issue 12): JC-07, JC-52, JC-53, JC-74, JC-82.

Each names what the emulator does exactly; against a real org a failure is the answer to the
row's open question (update the row, the emulator's default quirk and the proxy together).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devtools.emulator import Quirks

from .support import UNKNOWN_ID, Names, Target, error_body, live_stops_here, settle

pytestmark = pytest.mark.live

Make = Callable[..., dict[str, Any]]
SetQuirks = Callable[[Quirks], None]


def test_jc_07_organizations_list_refuses_x_org_id(target: Target) -> None:
    """GET /api/organizations lists the key's orgs without x-org-id, and refuses the request that carries one."""
    headers = {"x-api-key": target.api_key, "accept": "application/json"}
    with target.client(headers=headers) as client:
        listed = client.get("/api/organizations", params={"limit": "10"})
        assert 200 == listed.status_code, listed.text
        org_id = target.org_id or listed.json()["results"][0]["_id"]
        refused = client.get("/api/organizations", headers={"x-org-id": org_id})

    assert {"totalCount", "results"} <= set(listed.json())
    assert org_id in [org["_id"] for org in listed.json()["results"]]
    assert 400 <= refused.status_code < 500, refused.text
    if live_stops_here(target, "the status and body of the refusal are the emulator's choice"):
        return
    assert (403, {"message": "Forbidden: x-org-id is not accepted on this endpoint"}) == (
        refused.status_code,
        refused.json(),
    )


@pytest.mark.parametrize("path", [f"/api/systemusers/{UNKNOWN_ID}", f"/api/v2/usergroups/{UNKNOWN_ID}"])
def test_jc_52_unknown_id_may_answer_200_with_no_body(
    target: Target, jc: httpx.Client, quirks: SetQuirks, path: str
) -> None:
    """A GET of an unknown, well-formed id answers 404, or 200 with no object in the body."""
    quirks(Quirks(empty_body_for_unknown_id=True))

    resp = jc.get(path)

    no_object = resp.status_code == 200 and (not resp.content.strip() or not resp.json())
    assert resp.status_code == 404 or no_object, (resp.status_code, resp.text)
    if live_stops_here(target, "the emulator answers 200 with an empty body only when the quirk is on"):
        return
    assert (200, b"") == (resp.status_code, resp.content)


def test_jc_53_renaming_a_user_in_a_group_is_refused(
    target: Target, jc: httpx.Client, names: Names, make_user: Make, make_group: Make
) -> None:
    """A PUT with a new username for a user bound to resources (here: in a user group) is refused; nothing changes."""
    user = make_user("bound", jobTitle="Engineer")
    group = make_group()
    added = jc.post(f"/api/v2/usergroups/{group['id']}/members", json={"op": "add", "type": "user", "id": user["_id"]})
    assert 204 == added.status_code, added.text

    resp = jc.put(f"/api/systemusers/{user['_id']}", json={"username": names.user("renamed"), "jobTitle": "Lead"})

    assert 400 <= resp.status_code < 500, resp.text
    held = jc.get(f"/api/systemusers/{user['_id']}").json()
    assert (user["username"], "Engineer") == (held["username"], held["jobTitle"])
    if live_stops_here(target, "the wording of the refusal is the emulator's choice"):
        return
    assert (400, error_body(400, "username cannot be changed while the user is bound to resources")) == (
        resp.status_code,
        resp.json(),
    )


def test_jc_74_group_put_keeps_the_dynamic_settings_it_is_sent(jc: httpx.Client, make_group: Make) -> None:
    """A full-update PUT stores the memberSuggestionsNotify it is sent, and resets it when left out."""
    group = make_group()
    body = {"name": group["name"], "memberSuggestionsNotify": True, "memberQueryExemptions": []}

    kept = jc.put(f"/api/v2/usergroups/{group['id']}", json=body)
    reset = jc.put(f"/api/v2/usergroups/{group['id']}", json={"name": group["name"]})

    assert (200, True) == (kept.status_code, kept.json()["memberSuggestionsNotify"])
    assert (200, False) == (reset.status_code, reset.json().get("memberSuggestionsNotify", False))


def test_jc_82_v2_filter_commas_split_and_stars_match_anything(
    target: Target, jc: httpx.Client, names: Names, make_group: Make
) -> None:
    """In a v2 `filter` value '*' is a wildcard, and ',' starts another filter instead of being part of the name."""
    base = names.group("meta")
    plain, comma = make_group(name=base), make_group(name=f"{base},x")

    def wildcard() -> list[str]:
        resp = jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{base}*", "sort": "_id"})
        assert 200 == resp.status_code, resp.text
        found = sorted(g["name"] for g in resp.json())
        assert sorted([plain["name"], comma["name"]]) == found
        return found

    settle(target, wildcard)
    split = jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{comma['name']}"})

    assert not (split.status_code == 200 and [comma["id"]] == [g["id"] for g in split.json()]), split.text
    if live_stops_here(target, "the emulator's answer to a filter split into a malformed one is its choice"):
        return
    assert (400, error_body(400, "invalid filter: expected field:operator:value, got 'x'")) == (
        split.status_code,
        split.json(),
    )
