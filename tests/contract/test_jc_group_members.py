"""Register rows JC-76 to JC-81: the members of v2 user groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .ledger import Contract, one_of
from .support import MALFORMED_ID, NOT_FOUND, UNKNOWN_ID, body_of, error_body

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
