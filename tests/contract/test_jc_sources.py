"""Register rows from JumpCloud's published spec and clients (issue 12): JC-07, JC-52, JC-53, JC-74, JC-82.

What the proxy relies on fails the test anywhere; what the emulator does for an open question is
observed (and must hold against the emulator in its register wording).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devtools.emulator import Quirks

from .ledger import Contract, one_of, superset_of
from .support import UNKNOWN_ID, Names, Target, body_of, error_body, get_user, settle

pytestmark = pytest.mark.live

Make = Callable[..., dict[str, Any]]
SetQuirks = Callable[[Quirks], None]


def test_jc_07_organizations_list_refuses_x_org_id(target: Target, contract: Contract) -> None:
    """GET /api/organizations lists the key's orgs without x-org-id, and refuses the request that carries one."""
    headers = {"x-api-key": target.api_key, "accept": "application/json"}
    with target.client(headers=headers) as client:
        listed = client.get("/api/organizations", params={"limit": "10"})
        orgs = body_of(listed).get("results", []) if listed.status_code == 200 else []
        org_id = target.org_id or (orgs[0]["_id"] if orgs else UNKNOWN_ID)
        refused = client.get("/api/organizations", headers={"x-org-id": org_id})

    contract.relies("the listing answers 200 without x-org-id", 200, listed.status_code)
    contract.relies(
        "with the fields `scim-proxy check` reads", superset_of({"totalCount", "results"}), set(body_of(listed))
    )
    contract.relies("naming the key's org", True, org_id in [org.get("_id") for org in orgs])
    contract.observes("x-org-id is refused with a 4xx", True, 400 <= refused.status_code < 500)
    contract.observes(
        "the refusal",
        (403, {"message": "Forbidden: x-org-id is not accepted on this endpoint"}),
        (refused.status_code, body_of(refused)),
    )


@pytest.mark.parametrize("path", [f"/api/systemusers/{UNKNOWN_ID}", f"/api/v2/usergroups/{UNKNOWN_ID}"])
def test_jc_52_unknown_id_may_answer_200_with_no_body(
    jc: httpx.Client, quirks: SetQuirks, contract: Contract, path: str
) -> None:
    """A GET of an unknown, well-formed id answers 404, or 200 with no object in the body."""
    quirks(Quirks(empty_body_for_unknown_id=True))

    resp = jc.get(path)
    body = body_of(resp) if resp.content.strip() else None
    no_object = resp.status_code == 200 and not (isinstance(body, dict) and (body.get("_id") or body.get("id")))

    contract.relies(
        "404, or a 200 holding no object (the proxy reads both as not found)",
        True,
        resp.status_code == 404 or no_object,
    )
    contract.observes("with the quirk on: 200 and an empty body", (200, b""), (resp.status_code, resp.content))


def test_jc_53_renaming_a_user_in_a_group_is_refused(
    jc: httpx.Client, names: Names, make_user: Make, make_group: Make, contract: Contract
) -> None:
    """A PUT with a new username for a user bound to resources (here: in a user group) is refused; nothing changes."""
    user = make_user("bound", jobTitle="Engineer")
    group = make_group()
    added = jc.post(f"/api/v2/usergroups/{group['id']}/members", json={"op": "add", "type": "user", "id": user["_id"]})
    renamed = names.user("renamed")

    resp = jc.put(f"/api/systemusers/{user['_id']}", json={"username": renamed, "jobTitle": "Lead"})
    held = get_user(jc, user["_id"])

    contract.relies("the user joined the group", 204, added.status_code)
    contract.relies("a rename is answered below 500 (the proxy turns a refusal into 400)", True, resp.status_code < 500)
    contract.relies(
        "what is stored is what the answer says: renamed on a 200 naming it, else the old username",
        renamed if resp.status_code == 200 and body_of(resp).get("username") == renamed else user["username"],
        held["username"],
    )
    contract.observes(
        "the refusal",
        (400, error_body(400, "username cannot be changed while the user is bound to resources")),
        (resp.status_code, body_of(resp)),
    )
    contract.observes("a refused PUT writes nothing", "Engineer", held["jobTitle"])


def test_jc_74_group_put_keeps_the_dynamic_settings_it_is_sent(
    jc: httpx.Client, make_group: Make, contract: Contract
) -> None:
    """A full-update PUT stores the memberSuggestionsNotify it is sent, and resets it when left out."""
    group = make_group()
    body = {"name": group["name"], "memberSuggestionsNotify": True, "memberQueryExemptions": []}

    kept = jc.put(f"/api/v2/usergroups/{group['id']}", json=body)
    reset = jc.put(f"/api/v2/usergroups/{group['id']}", json={"name": group["name"]})

    contract.relies(
        "a sent memberSuggestionsNotify is kept (JC-106)",
        (200, True),
        (kept.status_code, body_of(kept).get("memberSuggestionsNotify")),
    )
    contract.observes(
        "left out, it resets",
        (200, one_of(False, None)),
        (reset.status_code, body_of(reset).get("memberSuggestionsNotify")),
    )


def test_jc_82_v2_filter_commas_split_and_stars_match_anything(
    target: Target, jc: httpx.Client, names: Names, make_group: Make, contract: Contract
) -> None:
    """In a v2 `filter` value '*' is a wildcard, and ',' starts another filter instead of being part of the name."""
    base = names.group("meta")
    plain, comma = make_group(name=base), make_group(name=f"{base},x")

    def names_found(value: str) -> list[str]:
        resp = jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{value}", "sort": "_id"})
        assert 200 == resp.status_code, resp.text
        found = sorted(g["name"] for g in resp.json())
        assert found, f"nothing found for {value!r} yet"
        return found

    exact = settle(target, lambda: names_found(base))
    wildcard = names_found(f"{base}*")
    split = jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{comma['name']}"})

    contract.relies("name:eq: with a plain name finds exactly that group (the proxy's lookup)", [plain["name"]], exact)
    contract.observes("'*' matches any run of characters", sorted([plain["name"], comma["name"]]), wildcard)
    contract.observes(
        "',' starts another filter: the piece after it is malformed",
        (400, error_body(400, "invalid filter: expected field:operator:value, got 'x'")),
        (split.status_code, body_of(split)),
    )
