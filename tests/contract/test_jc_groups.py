"""Register rows JC-70 to JC-82: v2 user groups and their members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scim_proxy.translate.groups import description_with

from .support import (
    MALFORMED_ID,
    NOT_FOUND,
    UNKNOWN_ID,
    Names,
    Target,
    error_body,
    live_stops_here,
    settle,
)

pytestmark = pytest.mark.live

Make = Callable[..., dict[str, Any]]
ALREADY_EXISTS = {"message": "Already Exists"}


def _members_path(group: dict[str, Any]) -> str:
    return f"/api/v2/usergroups/{group['id']}/members"


def _change(jc: httpx.Client, group: dict[str, Any], op: str, user_id: str) -> httpx.Response:
    return jc.post(_members_path(group), json={"op": op, "type": "user", "id": user_id})


def _member_ids(jc: httpx.Client, group: dict[str, Any]) -> list[str]:
    resp = jc.get(_members_path(group), params={"limit": "100"})
    assert 200 == resp.status_code, resp.text
    return [item["to"]["id"] for item in resp.json()]


def _by_name(jc: httpx.Client, name: str) -> httpx.Response:
    return jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{name}"})


def test_jc_70_group_list_is_bare_array_with_total_count(target: Target, jc: httpx.Client, make_group: Make) -> None:
    """The group list is a bare JSON array with `x-total-count`; `limit` is limited to 100."""
    group = make_group()

    def listed() -> httpx.Response:
        resp = _by_name(jc, group["name"])
        assert "1" == resp.headers.get("x-total-count")
        return resp

    resp = settle(target, listed)
    too_many = jc.get("/api/v2/usergroups", params={"limit": "101"})

    assert [group["id"]] == [g["id"] for g in resp.json()]
    if target.live and too_many.status_code == 200:  # a silent clamp is "limited to 100" too; refusing is our choice
        assert len(too_many.json()) <= 100
        return
    assert (400, error_body(400, "limit must be at most 100")) == (too_many.status_code, too_many.json())


def test_jc_71_group_filter_by_name(target: Target, jc: httpx.Client, make_group: Make) -> None:
    """v2 filters are `field:op:value` without `$`: `name:eq:` finds one group, `name:search:` a substring."""
    group = make_group("alpha")
    other = make_group("beta")

    found = settle(target, lambda: [g["id"] for g in _by_name(jc, group["name"]).json()])
    search = settle(
        target,
        lambda: [
            g["id"] for g in jc.get("/api/v2/usergroups", params={"filter": f"name:search:{other['name'][-9:]}"}).json()
        ],
    )

    assert ([group["id"]], [other["id"]]) == (found, search)
    if live_stops_here(target, "what a v2 filter with a v1 `$` operator does is the emulator's choice"):
        return
    assert 400 == jc.get("/api/v2/usergroups", params={"filter": f"name:$eq:{group['name']}"}).status_code


def test_jc_72_group_name_eq_is_case_sensitive(target: Target, jc: httpx.Client, make_group: Make) -> None:
    """v2 `name:eq:` is case-sensitive."""
    group = make_group("case")
    upper = group["name"][:-6] + group["name"][-6:].upper()

    settle(target, lambda: _member_of_list(_by_name(jc, group["name"]), group["id"]))
    resp = _by_name(jc, upper)

    assert (200, [], "0") == (resp.status_code, resp.json(), resp.headers.get("x-total-count"))


def test_jc_82_v2_filter_values_split_on_commas_and_glob_stars(
    target: Target, jc: httpx.Client, make_group: Make
) -> None:
    """A `*` in a v2 `eq` value is a wildcard, and one `filter=` value holding a comma is two terms."""
    group = make_group("wild")
    other = make_group("other")

    starred = settle(target, lambda: sorted(g["id"] for g in _by_name(jc, group["name"][:-3] + "*").json()))
    two_terms = jc.get("/api/v2/usergroups", params={"filter": f"name:eq:{group['name']},type:eq:user_group"})

    assert [group["id"]] == starred
    assert other["id"] not in starred
    assert (200, [group["id"]]) == (two_terms.status_code, [g["id"] for g in two_terms.json()])


def _member_of_list(resp: httpx.Response, group_id: str) -> None:
    assert [group_id] == [g["id"] for g in resp.json()]


def test_jc_73_duplicate_group_name_is_409(jc: httpx.Client, make_group: Make) -> None:
    """Group names are unique regardless of case: a duplicate on POST or a renaming PUT is 409 Already Exists."""
    group = make_group("dup")
    other = make_group("other")
    upper = group["name"][:-6] + group["name"][-6:].upper()

    same = jc.post("/api/v2/usergroups", json={"name": group["name"]})
    other_case = jc.post("/api/v2/usergroups", json={"name": upper})
    rename = jc.put(f"/api/v2/usergroups/{other['id']}", json={"name": group["name"]})

    assert [(409, ALREADY_EXISTS)] * 3 == [(r.status_code, r.json()) for r in (same, other_case, rename)]


def test_jc_74_group_put_is_full_update(target: Target, jc: httpx.Client, make_group: Make, names: Names) -> None:
    """POST answers 201; PUT is a full update (fields left out are reset); both require `name`."""
    group = make_group("full", description="first")
    renamed = names.group("renamed")

    put = jc.put(f"/api/v2/usergroups/{group['id']}", json={"name": renamed})
    no_name = jc.put(f"/api/v2/usergroups/{group['id']}", json={"description": "x"})
    post_no_name = jc.post("/api/v2/usergroups", json={"description": "x"})

    assert ("user_group", "first") == (group["type"], group["description"])
    assert (200, renamed, "") == (put.status_code, put.json()["name"], put.json()["description"])
    assert (400, 400) == (no_name.status_code, post_no_name.status_code)
    if live_stops_here(target, "the full group shape and the messages are the emulator's"):
        return
    assert {
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
    } == put.json()
    assert error_body(400, "name is required") == no_name.json()


def test_jc_75_group_delete_is_200_or_204(jc: httpx.Client, make_group: Make) -> None:
    """DELETE of a group answers 200 with the group or 204, and the group is gone."""
    group = make_group()

    resp = jc.delete(f"/api/v2/usergroups/{group['id']}")
    after = jc.get(f"/api/v2/usergroups/{group['id']}")

    assert resp.status_code in (200, 204)
    if resp.status_code == 200:
        assert group["id"] == resp.json()["id"]
    assert 404 == after.status_code


def test_jc_76_member_add_is_204(target: Target, jc: httpx.Client, make_group: Make, make_user: Make) -> None:
    """A member add or remove is one `{"op", "type": "user", "id"}` call answered 204 with no body."""
    group = make_group()
    user = make_user()

    added = _change(jc, group, "add", user["_id"])
    members = _member_ids(jc, group)
    removed = _change(jc, group, "remove", user["_id"])

    assert (204, b"") == (added.status_code, added.content)
    assert [user["_id"]] == members
    assert (204, b"", []) == (removed.status_code, removed.content, _member_ids(jc, group))
    if live_stops_here(target, "the wording of validation messages is the emulator's choice"):
        return
    bad_op = jc.post(_members_path(group), json={"op": "join", "type": "user", "id": user["_id"]})
    assert error_body(400, "op must be one of add, remove, update") == bad_op.json()


def test_jc_77_adding_existing_member_is_409_already_exists(
    jc: httpx.Client, make_group: Make, make_user: Make
) -> None:
    """Adding a user who is already a member is 409 Already Exists."""
    group = make_group()
    user = make_user()
    assert 204 == _change(jc, group, "add", user["_id"]).status_code

    again = _change(jc, group, "add", user["_id"])

    assert (409, ALREADY_EXISTS) == (again.status_code, again.json())
    assert [user["_id"]] == _member_ids(jc, group)


def test_jc_78_removing_non_member_is_404(jc: httpx.Client, make_group: Make, make_user: Make) -> None:
    """Removing a user who is not a member is 404 Not Found."""
    group = make_group()
    user = make_user()

    resp = _change(jc, group, "remove", user["_id"])

    assert (404, NOT_FOUND) == (resp.status_code, resp.json())


def test_jc_79_adding_unknown_user_is_404(jc: httpx.Client, make_group: Make) -> None:
    """Adding an unknown user id is 404 Not Found; a malformed one is 400."""
    group = make_group()

    unknown = _change(jc, group, "add", UNKNOWN_ID)
    malformed = _change(jc, group, "add", MALFORMED_ID)

    assert (404, NOT_FOUND) == (unknown.status_code, unknown.json())
    assert (400, error_body(400, "id must be a user id")) == (malformed.status_code, malformed.json())
    assert [] == _member_ids(jc, group)


def test_jc_80_member_list_is_paged(target: Target, jc: httpx.Client, make_group: Make, make_user: Make) -> None:
    """Member lists page with `limit`/`skip` and `x-total-count`; items are `{"to": {"id", "type": "user"}}`."""
    group = make_group()
    users = [make_user(f"m{n}") for n in range(3)]
    for user in users:
        assert 204 == _change(jc, group, "add", user["_id"]).status_code

    first = jc.get(_members_path(group), params={"limit": "2"})
    rest = jc.get(_members_path(group), params={"limit": "2", "skip": "2"})

    assert ("3", "3") == (first.headers.get("x-total-count"), rest.headers.get("x-total-count"))
    assert (2, 1) == (len(first.json()), len(rest.json()))
    items = first.json() + rest.json()
    assert sorted(u["_id"] for u in users) == sorted(item["to"]["id"] for item in items)
    assert {"user"} == {item["to"]["type"] for item in items}
    if live_stops_here(target, "the `attributes: null` detail and the order of addition are the emulator's"):
        return
    assert [{"to": {"id": u["_id"], "type": "user", "attributes": None}, "attributes": None} for u in users] == items


def test_jc_81_deleted_user_leaves_groups(jc: httpx.Client, make_group: Make, make_user: Make) -> None:
    """`/users/{id}/memberof` lists a user's groups, and deleting the user removes them from every group."""
    groups = [make_group("a"), make_group("b")]
    user = make_user()
    stays = make_user("stays")
    for group in groups:
        for member in (user, stays):
            assert 204 == _change(jc, group, "add", member["_id"]).status_code

    memberof = jc.get(f"/api/v2/users/{user['_id']}/memberof")
    deleted = jc.delete(f"/api/systemusers/{user['_id']}")

    assert 200 == memberof.status_code
    assert sorted(g["id"] for g in groups) == sorted(item["id"] for item in memberof.json())
    assert {"user_group"} == {item["type"] for item in memberof.json()}
    assert all(item["paths"] for item in memberof.json())
    assert 200 == deleted.status_code
    assert [[stays["_id"]]] * 2 == [_member_ids(jc, group) for group in groups]


def test_jc_99_group_description_keeps_external_id_marker(jc: httpx.Client, make_group: Make) -> None:
    """A group description with admin text and the proxy's externalId suffix round-trips exactly."""
    description = description_with("Engineering laptops (managed by IT)", "6c2f8a3e-1111-4a5b-9c7d-0123456789ab")
    group = make_group("marker", description=description)

    read = jc.get(f"/api/v2/usergroups/{group['id']}")

    assert (200, description) == (read.status_code, read.json()["description"])
