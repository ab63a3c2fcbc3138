"""Register rows JC-70 to JC-75, JC-82 and JC-99: v2 user groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scim_proxy.translate.groups import description_with

from .ledger import Contract, at_most, one_of, superset_of
from .support import Names, Target, body_of, error_body, settle

pytestmark = pytest.mark.live

Make = Callable[..., dict[str, Any]]
ALREADY_EXISTS = {"message": "Already Exists"}


def _by_name(jc: httpx.Client, name: str) -> httpx.Response:
    return jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{name}"})


def test_jc_70_group_list_is_bare_array_with_total_count(
    target: Target, jc: httpx.Client, make_group: Make, contract: Contract
) -> None:
    """The group list is a bare JSON array with `x-total-count`; `limit` is limited to 100."""
    group = make_group()

    def listed() -> httpx.Response:
        resp = _by_name(jc, group["name"])
        assert [group["id"]] == [g["id"] for g in resp.json()]
        return resp

    resp = settle(target, listed)
    too_many = jc.get("/api/v2/usergroups", params={"limit": "101"})

    contract.relies("the list is a bare array of groups", [group["id"]], [g["id"] for g in resp.json()])
    contract.relies("limit=101 is refused or clamped, never a 5xx", one_of(200, 400), too_many.status_code)
    if too_many.status_code == 200:
        contract.relies("a clamped page holds at most 100", at_most(100), len(too_many.json()))
    contract.observes("x-total-count (the proxy pages without it too)", "1", resp.headers.get("x-total-count"))
    contract.observes(
        "limit=101", (400, error_body(400, "limit must be at most 100")), (too_many.status_code, body_of(too_many))
    )


def test_jc_71_group_filter_by_name(target: Target, jc: httpx.Client, make_group: Make, contract: Contract) -> None:
    """v2 filters are `field:op:value` without `$`: `name:eq:` finds one group, `name:search:` a substring."""
    group = make_group("alpha")
    other = make_group("beta")

    def searched() -> list[str]:
        resp = jc.get("/api/v2/usergroups", params={"filter": f"name:search:{other['name'][-9:]}"})
        return [g["id"] for g in resp.json()]

    found = settle(target, lambda: [g["id"] for g in _by_name(jc, group["name"]).json()])
    search = settle(target, searched)
    v1_operator = jc.get("/api/v2/usergroups", params={"filter": f"name:$eq:{group['name']}"})

    contract.relies("`name:eq:` finds the group", [group["id"]], found)
    contract.observes("`name:search:` finds a substring", [other["id"]], search)
    contract.observes("a v1 `$eq` operator (the emulator refuses it)", 400, v1_operator.status_code)


def test_jc_72_group_name_eq_is_case_sensitive(
    target: Target, jc: httpx.Client, make_group: Make, names: Names, contract: Contract
) -> None:
    """v2 `name:eq:` is case-sensitive: the name with its letters' case swapped finds nothing."""
    group = make_group("case")
    other_case = names.other_case(group["name"])  # "...-case-1" -> "...-CASE-1"

    settle(target, lambda: _member_of_list(_by_name(jc, group["name"]), group["id"]))
    resp = _by_name(jc, other_case)

    contract.relies("`name:eq:` in other case finds nothing", (200, []), (resp.status_code, body_of(resp)))
    contract.observes("x-total-count", "0", resp.headers.get("x-total-count"))


def test_jc_82_v2_filter_values_split_on_commas_and_glob_stars(
    target: Target, jc: httpx.Client, make_group: Make, contract: Contract
) -> None:
    """A `*` in a v2 `eq` value is a wildcard, and one `filter=` value holding a comma is two terms."""
    group = make_group("wild")
    other = make_group("other")

    starred = settle(target, lambda: sorted(g["id"] for g in _by_name(jc, group["name"][:-3] + "*").json()))
    two_terms = jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{group['name']},type:eq:user_group"})

    contract.relies("`*` in an `eq` value is a wildcard (and matches no other group)", [group["id"]], starred)
    contract.relies("the other group is not matched", False, other["id"] in starred)
    contract.relies(
        "a comma splits one `filter=` into two terms",
        (200, [group["id"]]),
        (two_terms.status_code, [g["id"] for g in body_of(two_terms)]),
    )


def _member_of_list(resp: httpx.Response, group_id: str) -> None:
    assert [group_id] == [g["id"] for g in resp.json()]


def test_jc_73_duplicate_group_name_is_409(
    jc: httpx.Client, make_group: Make, names: Names, contract: Contract
) -> None:
    """Group names are unique regardless of case: a duplicate on POST or a renaming PUT is 409 Already Exists."""
    group = make_group("dup")
    other = make_group("other")

    same = jc.post("/api/v2/usergroups", json={"name": group["name"]})
    other_case = jc.post("/api/v2/usergroups", json={"name": names.other_case(group["name"])})
    rename = jc.put(f"/api/v2/usergroups/{other['id']}", json={"name": group["name"]})
    answers = (same, other_case, rename)

    contract.relies("a duplicate name, in any case, is 409", [409] * 3, [r.status_code for r in answers])
    contract.observes("the refusal", [ALREADY_EXISTS] * 3, [body_of(r) for r in answers])


def test_jc_74_group_put_is_full_update(jc: httpx.Client, names: Names, contract: Contract) -> None:
    """POST answers 201; PUT is a full update (fields left out are reset); both require `name`."""
    created = jc.post("/api/v2/usergroups", json={"name": names.group("full"), "description": "first"})
    group = body_of(created)
    renamed = names.group("renamed")

    put = jc.put(f"/api/v2/usergroups/{group['id']}", json={"name": renamed})
    no_name = jc.put(f"/api/v2/usergroups/{group['id']}", json={"description": "x"})
    post_no_name = jc.post("/api/v2/usergroups", json={"description": "x"})
    after = body_of(put)

    contract.relies(
        "a create succeeds and keeps the description",
        (one_of(200, 201), "first"),
        (created.status_code, group["description"]),
    )
    contract.relies(
        "PUT renames and resets what it leaves out",
        (200, renamed, ""),
        (put.status_code, after["name"], after["description"]),
    )
    contract.relies("name is required", (400, 400), (no_name.status_code, post_no_name.status_code))
    contract.relies(
        "the fields the proxy reads (decode.group) are returned", superset_of({"id", "name", "description"}), set(after)
    )
    contract.observes(
        "the create answers 201 with type user_group", (201, "user_group"), (created.status_code, group.get("type"))
    )
    contract.observes(
        "the full group",
        {
            "id": group["id"],
            "type": "user_group",
            "name": renamed,
            "description": "",
            "email": "",
            "attributes": None,
            "membershipMethod": "STATIC",
            "memberQuery": None,
            "memberQueryExemptions": [],
            "memberSuggestionsNotify": False,
        },
        after,
    )
    contract.observes("the refusal", error_body(400, "name is required"), body_of(no_name))


def test_jc_75_group_delete_is_200_or_204(jc: httpx.Client, make_group: Make, contract: Contract) -> None:
    """DELETE of a group answers 200 with the group or 204, and the group is gone."""
    group = make_group()

    resp = jc.delete(f"/api/v2/usergroups/{group['id']}")
    after = jc.get(f"/api/v2/usergroups/{group['id']}")

    contract.relies("the DELETE answers 200 or 204", one_of(200, 204), resp.status_code)
    contract.relies("the group is gone", 404, after.status_code)
    contract.observes(
        "the answer", (200, group["id"]), (resp.status_code, body_of(resp).get("id") if resp.content else None)
    )


def test_jc_99_group_description_keeps_external_id_marker(
    jc: httpx.Client, make_group: Make, contract: Contract
) -> None:
    """A group description with admin text and the proxy's externalId suffix round-trips exactly."""
    description = description_with("Engineering laptops (managed by IT)", "6c2f8a3e-1111-4a5b-9c7d-0123456789ab")
    group = make_group("marker", description=description)

    read = jc.get(f"/api/v2/usergroups/{group['id']}")

    contract.relies(
        "the description round-trips exactly", (200, description), (read.status_code, body_of(read).get("description"))
    )
