"""v2 user groups and their members."""

from __future__ import annotations

import httpx
import pytest

from devtools.emulator import EmulatorState

from .support import UNKNOWN_ID, user_body

ALREADY_EXISTS = {"message": "Already Exists"}


async def test_create_answers_201_with_the_group(client: httpx.AsyncClient) -> None:
    """POST /api/v2/usergroups answers 201 with a static user_group and `attributes: null`."""
    resp = await client.post("/api/v2/usergroups", json={"name": "Eng", "description": "Engineers"})

    group = resp.json()
    assert resp.status_code == 201
    assert {key: group[key] for key in ("name", "description", "email", "type")} == {
        "name": "Eng",
        "description": "Engineers",
        "email": "",
        "type": "user_group",
    }
    assert (group["attributes"], group["membershipMethod"]) == (None, "STATIC")
    assert group == (await client.get(f"/api/v2/usergroups/{group['id']}")).json()


@pytest.mark.parametrize("name", ["Eng", "eng", "ENG"])
async def test_duplicate_name_is_409_already_exists(client: httpx.AsyncClient, name: str) -> None:
    """A second group whose name equals an existing one, ignoring case, is 409 Already Exists."""
    await client.post("/api/v2/usergroups", json={"name": "Eng"})

    resp = await client.post("/api/v2/usergroups", json={"name": name})

    assert (resp.status_code, resp.json()) == (409, ALREADY_EXISTS)


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": 3}, {"name": "x", "membershipMethod": "MAGIC"}])
async def test_invalid_group_is_400(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    """A group without a non-empty string `name`, or with an unknown membershipMethod, is a 400."""
    resp = await client.post("/api/v2/usergroups", json=body)

    assert resp.status_code == 400


async def test_put_is_a_full_update_requiring_name(client: httpx.AsyncClient) -> None:
    """PUT replaces the group: omitted fields reset, and a body without `name` is a 400."""
    group_id = (await client.post("/api/v2/usergroups", json={"name": "Eng", "description": "d"})).json()["id"]

    renamed = await client.put(f"/api/v2/usergroups/{group_id}", json={"name": "Engineering"})
    nameless = await client.put(f"/api/v2/usergroups/{group_id}", json={"description": "x"})

    assert (
        renamed.status_code,
        renamed.json()["name"],
        renamed.json()["description"],
    ) == (200, "Engineering", "")
    assert nameless.status_code == 400


async def test_delete_answers_200_with_the_group_then_404(client: httpx.AsyncClient) -> None:
    """DELETE answers 200 with the deleted group; it is then 404 on every group route."""
    group_id = (await client.post("/api/v2/usergroups", json={"name": "Eng"})).json()["id"]

    deleted = await client.delete(f"/api/v2/usergroups/{group_id}")

    assert (200, group_id) == (deleted.status_code, deleted.json()["id"])
    for method in ("GET", "PUT", "DELETE"):
        assert (await client.request(method, f"/api/v2/usergroups/{group_id}", json={"name": "x"})).status_code == 404
    assert (await client.get(f"/api/v2/usergroups/{group_id}/members")).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("filter", "name:eq:Eng Team")], ["Eng Team"]),
        ([("filter", "name:eq:eng team")], []),
        ([("filter", "name:ne:Eng Team")], ["Ops", "a:b"]),
        ([("filter", "name:eq:a:b")], ["a:b"]),
        ([("filter", "name:in:Ops|a:b")], ["Ops", "a:b"]),
        ([("filter", "name:search:TEAM")], ["Eng Team"]),
        ([("filter", "name:ge:Ops")], ["Ops", "a:b"]),
        ([("filter", "type:eq:user_group"), ("filter", "name:lt:Ops")], ["Eng Team"]),
        ([("sort", "-name")], ["a:b", "Ops", "Eng Team"]),
        ([("limit", "1"), ("skip", "1")], ["Ops"]),
        ([("filter", "name:eq:Eng*")], ["Eng Team"]),
        ([("filter", "name:eq:*:*")], ["a:b"]),
        ([("filter", "name:eq:*s")], ["Ops"]),
        ([("filter", "name:eq:Ops,type:eq:user_group")], ["Ops"]),
        ([("filter", "name:eq:Ops,name:eq:Eng Team")], []),
    ],
)
async def test_list_filters_sorts_and_pages(
    client: httpx.AsyncClient,
    emulator: EmulatorState,
    params: list[tuple[str, str | int | float | bool | None]],
    expected: list[str],
) -> None:
    """The v2 list takes `field:op:value` filters without `$` (case-sensitive `eq`, `*` wildcards, comma-separated
    terms ANDed), sort and paging."""
    for name in ("Eng Team", "Ops", "a:b"):
        emulator.create_group({"name": name})
    if not any(key == "sort" for key, _ in params):
        params = [*params, ("sort", "_id")]  # without a sort, the order is not promised

    resp = await client.get("/api/v2/usergroups", params=params)

    assert resp.status_code == 200
    assert isinstance(resp.json(), list)
    assert expected == [group["name"] for group in resp.json()]


async def test_list_sends_x_total_count_and_caps_limit(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """The bare array comes with `x-total-count`; `limit` above 100, `$eq` or a comma-split bad term is a 400."""
    for i in range(3):
        emulator.create_group({"name": f"g{i}"})

    resp = await client.get("/api/v2/usergroups", params={"limit": 2})

    assert (resp.headers["x-total-count"], len(resp.json())) == ("3", 2)
    assert (await client.get("/api/v2/usergroups", params={"limit": 101})).status_code == 400
    assert (await client.get("/api/v2/usergroups", params={"filter": "name:$eq:g1"})).status_code == 400
    # `filter` is a comma-separated array: "g1, g2" is two terms, and " g2" is not one.
    assert (await client.get("/api/v2/usergroups", params={"filter": "name:eq:g1, g2"})).status_code == 400


async def test_members_add_list_remove(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """Adding and removing a member each answer 204 with no body; the list shows GraphConnections."""
    group_id = emulator.create_group({"name": "Eng"})["id"]
    user_id = emulator.create_user(user_body())["_id"]
    path = f"/api/v2/usergroups/{group_id}/members"

    added = await client.post(path, json={"op": "add", "type": "user", "id": user_id})
    listed = await client.get(path)
    removed = await client.post(path, json={"op": "remove", "type": "user", "id": user_id})

    assert (added.status_code, added.content) == (204, b"")
    assert [{"to": {"id": user_id, "type": "user", "attributes": None}, "attributes": None}] == listed.json()
    assert listed.headers["x-total-count"] == "1"
    assert (removed.status_code, emulator.members(group_id)) == (204, [])


async def test_member_errors(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """A repeat add is 409 Already Exists; removing a non-member or adding an unknown user is 404."""
    group_id = emulator.create_group({"name": "Eng"})["id"]
    member, outsider = (emulator.create_user(user_body(n))["_id"] for n in ("in", "out"))
    emulator.add_member(group_id, member)
    path = f"/api/v2/usergroups/{group_id}/members"

    again = await client.post(path, json={"op": "add", "type": "user", "id": member})
    not_member = await client.post(path, json={"op": "remove", "type": "user", "id": outsider})
    unknown = await client.post(path, json={"op": "add", "type": "user", "id": UNKNOWN_ID})

    assert (again.status_code, again.json()) == (409, ALREADY_EXISTS)
    assert (not_member.status_code, unknown.status_code) == (404, 404)


@pytest.mark.parametrize(
    "body",
    [
        {"op": "merge", "type": "user", "id": UNKNOWN_ID},
        {"op": "add", "type": "system", "id": UNKNOWN_ID},
        {"op": "add", "type": "user"},
    ],
)
async def test_malformed_member_change_is_400(
    client: httpx.AsyncClient, emulator: EmulatorState, body: dict[str, str]
) -> None:
    """A member change with an unknown op, a non-user type or no id is a 400."""
    group_id = emulator.create_group({"name": "Eng"})["id"]

    resp = await client.post(f"/api/v2/usergroups/{group_id}/members", json=body)

    assert resp.status_code == 400


async def test_members_are_paged(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """The member list pages with `limit`/`skip` (default 10) and reports the total in `x-total-count`."""
    group_id = emulator.create_group({"name": "Eng"})["id"]
    user_ids = [emulator.create_user(user_body(f"u{i:02d}"))["_id"] for i in range(12)]
    for user_id in user_ids:
        emulator.add_member(group_id, user_id)

    first = await client.get(f"/api/v2/usergroups/{group_id}/members")
    rest = await client.get(f"/api/v2/usergroups/{group_id}/members", params={"skip": 10, "limit": 100})

    assert (first.headers["x-total-count"], len(first.json()), len(rest.json())) == ("12", 10, 2)
    assert user_ids == [item["to"]["id"] for item in first.json() + rest.json()]


async def test_memberof_and_membership(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """`/users/{id}/memberof` lists the user's groups and `/membership` the group's users, with paths."""
    groups = [emulator.create_group({"name": n})["id"] for n in ("A", "B", "C")]
    user_id = emulator.create_user(user_body())["_id"]
    for group_id in groups[:2]:
        emulator.add_member(group_id, user_id)

    memberof = await client.get(f"/api/v2/users/{user_id}/memberof")
    membership = await client.get(f"/api/v2/usergroups/{groups[0]}/membership")

    assert groups[:2] == [item["id"] for item in memberof.json()]
    assert {"user_group"} == {item["type"] for item in memberof.json()}
    assert [(user_id, "user")] == [(item["id"], item["type"]) for item in membership.json()]
    assert user_id == membership.json()[0]["paths"][0][0]["to"]["id"]


async def test_deleting_a_user_removes_their_memberships(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """A deleted user disappears from every group."""
    group_id = emulator.create_group({"name": "Eng"})["id"]
    user_id = emulator.create_user(user_body())["_id"]
    emulator.add_member(group_id, user_id)

    await client.delete(f"/api/systemusers/{user_id}")

    assert emulator.members(group_id) == []
    assert (await client.get(f"/api/v2/users/{user_id}/memberof")).status_code == 404
