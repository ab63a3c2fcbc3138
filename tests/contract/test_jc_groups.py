"""Register rows JC-70 to JC-81: v2 user groups and their members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scim_proxy.translate.groups import description_with

from .ledger import Contract, at_most, one_of, superset_of
from .support import MALFORMED_ID, NOT_FOUND, UNKNOWN_ID, Names, Target, body_of, error_body, settle

pytestmark = pytest.mark.live

Make = Callable[..., dict[str, Any]]
ALREADY_EXISTS = {"message": "Already Exists"}


def _members_path(group: dict[str, Any]) -> str:
    return f"/api/v2/usergroups/{group['id']}/members"


def _change(jc: httpx.Client, group: dict[str, Any], op: str, user_id: str) -> httpx.Response:
    return jc.post(_members_path(group), json={"op": op, "type": "user", "id": user_id})


def _add(jc: httpx.Client, group: dict[str, Any], user_id: str) -> None:
    """Set-up step: a member add that must succeed (JC-76 checks its exact answer)."""
    resp = _change(jc, group, "add", user_id)
    assert resp.is_success, resp.text


def _member_ids(jc: httpx.Client, group: dict[str, Any]) -> list[str]:
    resp = jc.get(_members_path(group), params={"limit": "100"})
    assert 200 == resp.status_code, resp.text
    return [item["to"]["id"] for item in resp.json()]


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
    target: Target, jc: httpx.Client, make_group: Make, contract: Contract
) -> None:
    """v2 `name:eq:` is case-sensitive."""
    group = make_group("case")
    upper = group["name"][:-6] + group["name"][-6:].upper()

    settle(target, lambda: _member_of_list(_by_name(jc, group["name"]), group["id"]))
    resp = _by_name(jc, upper)

    contract.relies("`name:eq:` in other case finds nothing", (200, []), (resp.status_code, body_of(resp)))
    contract.observes("x-total-count", "0", resp.headers.get("x-total-count"))


def _member_of_list(resp: httpx.Response, group_id: str) -> None:
    assert [group_id] == [g["id"] for g in resp.json()]


def test_jc_73_duplicate_group_name_is_409(jc: httpx.Client, make_group: Make, contract: Contract) -> None:
    """Group names are unique regardless of case: a duplicate on POST or a renaming PUT is 409 Already Exists."""
    group = make_group("dup")
    other = make_group("other")
    upper = group["name"][:-6] + group["name"][-6:].upper()

    same = jc.post("/api/v2/usergroups", json={"name": group["name"]})
    other_case = jc.post("/api/v2/usergroups", json={"name": upper})
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


def test_jc_76_member_add_is_204(jc: httpx.Client, make_group: Make, make_user: Make, contract: Contract) -> None:
    """A member add or remove is one `{"op", "type": "user", "id"}` call answered 204 with no body."""
    group = make_group()
    user = make_user()

    added = _change(jc, group, "add", user["_id"])
    members = _member_ids(jc, group)
    removed = _change(jc, group, "remove", user["_id"])
    bad_op = jc.post(_members_path(group), json={"op": "join", "type": "user", "id": user["_id"]})

    contract.relies("an add succeeds", one_of(200, 204), added.status_code)
    contract.relies("and makes a member", [user["_id"]], members)
    contract.relies(
        "a remove succeeds and empties the group", (one_of(200, 204), []), (removed.status_code, _member_ids(jc, group))
    )
    contract.observes(
        "both answer 204 with no body", [(204, b"")] * 2, [(r.status_code, r.content) for r in (added, removed)]
    )
    contract.observes(
        "an unknown op",
        (400, error_body(400, "op must be one of add, remove, update")),
        (bad_op.status_code, body_of(bad_op)),
    )


def test_jc_77_adding_existing_member_is_409_already_exists(
    jc: httpx.Client, make_group: Make, make_user: Make, contract: Contract
) -> None:
    """Adding a user who is already a member is 409 Already Exists."""
    group = make_group()
    user = make_user()
    _add(jc, group, user["_id"])

    again = _change(jc, group, "add", user["_id"])

    contract.relies("a repeated add is 409 (the proxy counts it as done)", 409, again.status_code)
    contract.relies("and the member stays", [user["_id"]], _member_ids(jc, group))
    contract.observes("the refusal", ALREADY_EXISTS, body_of(again))


def test_jc_78_removing_non_member_is_404(
    jc: httpx.Client, make_group: Make, make_user: Make, contract: Contract
) -> None:
    """Removing a user who is not a member is 404 Not Found."""
    group = make_group()
    user = make_user()

    resp = _change(jc, group, "remove", user["_id"])

    contract.relies("removing a non-member is 404 (the proxy counts it as done)", 404, resp.status_code)
    contract.observes("the body", NOT_FOUND, body_of(resp))


def test_jc_79_adding_unknown_user_is_404(jc: httpx.Client, make_group: Make, contract: Contract) -> None:
    """Adding an unknown user id is 404 Not Found; a malformed one is 400."""
    group = make_group()

    unknown = _change(jc, group, "add", UNKNOWN_ID)
    malformed = _change(jc, group, "add", MALFORMED_ID)

    contract.relies("adding an unknown id is 404 (the proxy names the id as unknown)", 404, unknown.status_code)
    contract.relies("nobody was added", [], _member_ids(jc, group))
    contract.observes("the body", NOT_FOUND, body_of(unknown))
    contract.observes(
        "a malformed id", (400, error_body(400, "id must be a user id")), (malformed.status_code, body_of(malformed))
    )


def test_jc_80_member_list_is_paged(jc: httpx.Client, make_group: Make, make_user: Make, contract: Contract) -> None:
    """Member lists page with `limit`/`skip` and `x-total-count`; items are `{"to": {"id", "type": "user"}}`."""
    group = make_group()
    users = [make_user(f"m{n}") for n in range(3)]
    for user in users:
        _add(jc, group, user["_id"])

    first = jc.get(_members_path(group), params={"limit": "2"})
    rest = jc.get(_members_path(group), params={"limit": "2", "skip": "2"})
    items = first.json() + rest.json()

    contract.relies("limit and skip page the members", (2, 1), (len(first.json()), len(rest.json())))
    contract.relies(
        "items name each member in `to.id`", sorted(u["_id"] for u in users), sorted(i["to"]["id"] for i in items)
    )
    contract.relies("with `to.type` user", {"user"}, {item["to"]["type"] for item in items})
    contract.observes(
        "x-total-count", ("3", "3"), (first.headers.get("x-total-count"), rest.headers.get("x-total-count"))
    )
    contract.observes(
        "the items exactly, in the order of addition",
        [{"to": {"id": u["_id"], "type": "user", "attributes": None}, "attributes": None} for u in users],
        items,
    )


def test_jc_81_deleted_user_leaves_groups(
    jc: httpx.Client, make_group: Make, make_user: Make, contract: Contract
) -> None:
    """`/users/{id}/memberof` lists a user's groups, and deleting the user removes them from every group."""
    groups = [make_group("a"), make_group("b")]
    user = make_user()
    stays = make_user("stays")
    for group in groups:
        for member in (user, stays):
            _add(jc, group, member["_id"])

    memberof = jc.get(f"/api/v2/users/{user['_id']}/memberof")
    deleted = jc.delete(f"/api/systemusers/{user['_id']}")

    contract.relies(
        "deleting a user removes them from every group", [[stays["_id"]]] * 2, [_member_ids(jc, g) for g in groups]
    )
    contract.relies("the delete succeeds", 200, deleted.status_code)
    contract.observes(
        "memberof lists the user's groups",
        (200, sorted(g["id"] for g in groups)),
        (memberof.status_code, sorted(i["id"] for i in body_of(memberof))),
    )
    contract.observes(
        "as user_group objects with paths",
        ({"user_group"}, True),
        ({i["type"] for i in body_of(memberof)}, all(i.get("paths") for i in body_of(memberof))),
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
