"""Register rows JC-42 to JC-51: updating and deleting one user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .ledger import Contract, one_of
from .support import NOT_FOUND, Names, body_of, error_body, get_user, put_user

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]


def test_jc_42_put_is_partial(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """PUT writes only the top-level fields it carries."""
    user = make_user(firstname="Jane", lastname="Doe", jobTitle="Engineer")

    resp = put_user(jc, user["_id"], {"jobTitle": "Lead"})

    contract.relies("the PUT succeeds", 200, resp.status_code)
    contract.relies(
        "fields left out keep their values",
        ("Jane", "Doe", "Lead"),
        tuple(resp.json()[k] for k in ("firstname", "lastname", "jobTitle")),
    )
    contract.relies("the answer is the stored user", resp.json(), get_user(jc, user["_id"]))


def test_jc_43_put_replaces_arrays_whole(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """PUT replaces array fields whole: phoneNumbers, addresses, attributes and relationships."""
    user = make_user(
        phoneNumbers=[{"type": "work", "number": "1"}, {"type": "mobile", "number": "2"}],
        addresses=[{"type": "work", "locality": "A"}, {"type": "home", "locality": "B"}],
        attributes=[{"name": "a", "value": "1"}, {"name": "b", "value": "2"}],
        relationships=[{"type": "manager", "value": "x"}, {"type": "manager", "value": "y"}],
    )

    resp = put_user(
        jc,
        user["_id"],
        {
            "phoneNumbers": [{"type": "home", "number": "3"}],
            "addresses": [],
            "attributes": [{"name": "b", "value": "2"}],
            "relationships": [{"type": "manager", "value": "y"}],
        },
    )
    after = body_of(resp)

    contract.relies("the PUT succeeds", 200, resp.status_code)
    contract.relies(
        "phoneNumbers are replaced whole", [("home", "3")], [(p["type"], p["number"]) for p in after["phoneNumbers"]]
    )
    contract.relies(
        "addresses and attributes too", ([], [{"name": "b", "value": "2"}]), (after["addresses"], after["attributes"])
    )
    contract.relies("and relationships", [{"type": "manager", "value": "y"}], after["relationships"])


def test_jc_44_put_empty_string_clears_field(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """PUT with "" (or null) clears a string field, null clears employeeIdentifier; username cannot be cleared."""
    user = make_user(jobTitle="Engineer", department="R&D", employeeIdentifier=make_user()["username"])

    resp = put_user(jc, user["_id"], {"jobTitle": "", "department": None, "employeeIdentifier": None})
    no_username = put_user(jc, user["_id"], {"username": ""})
    cleared = body_of(resp)

    contract.relies("the PUT succeeds", 200, resp.status_code)
    contract.relies('"" clears a string (JC-93)', "", cleared.get("jobTitle"))
    contract.relies("null clears a string", one_of("", None), cleared.get("department"))
    contract.relies("null clears employeeIdentifier (JC-100)", one_of("", None), cleared.get("employeeIdentifier"))
    contract.relies("username cannot be cleared", 400, no_username.status_code)
    contract.relies("and is kept", user["username"], get_user(jc, user["_id"])["username"])
    contract.observes(
        "what is stored",
        ("", "", None),
        tuple(cleared.get(k) for k in ("jobTitle", "department", "employeeIdentifier")),
    )
    contract.observes("the refusal", error_body(400, "username is required"), body_of(no_username))


def test_jc_45_put_manager_null_clears_manager(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """PUT `manager: <id>` links a manager and `manager: null` clears it."""
    boss = make_user("boss")
    user = make_user(manager=boss["_id"])

    cleared = put_user(jc, user["_id"], {"manager": None})
    not_an_id = put_user(jc, user["_id"], {"manager": "boss"})
    itself = put_user(jc, user["_id"], {"manager": user["_id"]})

    contract.relies("a create links the manager by id", boss["_id"], user["manager"])
    contract.relies(
        "`manager: null` clears it", (200, one_of(None, "")), (cleared.status_code, body_of(cleared).get("manager"))
    )
    contract.observes(
        "a manager that is not an id",
        (400, error_body(400, "manager must be the id of a user")),
        (not_an_id.status_code, body_of(not_an_id)),
    )
    contract.observes(
        "the user as their own manager",
        (400, error_body(400, "manager must be the id of another user in the organization")),
        (itself.status_code, body_of(itself)),
    )


def test_jc_46_put_username_renames_user(
    jc: httpx.Client, names: Names, make_user: MakeUser, contract: Contract
) -> None:
    """PUT with a new `username` renames the user."""
    user = make_user()
    renamed = names.user("renamed")

    resp = put_user(jc, user["_id"], {"username": renamed})

    contract.relies("the PUT renames", (200, renamed), (resp.status_code, body_of(resp).get("username")))
    contract.relies("and the rename is stored", renamed, get_user(jc, user["_id"])["username"])


def test_jc_47_delete_returns_200_with_user(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """DELETE answers 200 with the deleted user, which is gone afterwards."""
    user = make_user()

    resp = jc.delete(f"/api/systemusers/{user['_id']}")
    after = jc.get(f"/api/systemusers/{user['_id']}")

    contract.relies("the DELETE answers 2xx", one_of(200, 204), resp.status_code)
    contract.relies("the user is gone", 404, after.status_code)
    deleted = body_of(resp) if resp.content else None
    contract.observes(
        "the answer is the deleted user", (200, user["_id"]), (resp.status_code, deleted and deleted.get("_id"))
    )
    contract.observes("the 404 body", NOT_FOUND, body_of(after))


def test_jc_48_delete_manager_without_cascade_is_409(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """Deleting a user who still manages others, without `cascade_manager`, is 409 and deletes nothing."""
    boss = make_user("boss")
    make_user("report", manager=boss["_id"])

    resp = jc.delete(f"/api/systemusers/{boss['_id']}")

    contract.relies("the manager is refused (why the proxy sends cascade_manager, JC-97)", 409, resp.status_code)
    contract.relies("and nothing is deleted", boss["_id"], get_user(jc, boss["_id"])["_id"])
    contract.observes(
        "the refusal", error_body(409, "User is a manager of other users; set cascade_manager"), body_of(resp)
    )


def test_jc_49_cascade_manager_null_clears_reports(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """`cascade_manager=null` clears `manager` on direct reports; `cascade_manager=<id>` reassigns them."""
    boss = make_user("boss")
    deputy = make_user("deputy")
    report = make_user("report", manager=boss["_id"])

    moved = jc.delete(f"/api/systemusers/{boss['_id']}", params={"cascade_manager": deputy["_id"]})
    after_move = get_user(jc, report["_id"])["manager"]
    cleared = jc.delete(f"/api/systemusers/{deputy['_id']}", params={"cascade_manager": "null"})

    contract.relies("`cascade_manager=null` deletes a manager", one_of(200, 204), cleared.status_code)
    contract.relies("and clears the reports' manager", one_of(None, ""), get_user(jc, report["_id"])["manager"])
    contract.observes(
        "`cascade_manager=<id>` reassigns the reports", (200, deputy["_id"]), (moved.status_code, after_move)
    )


def test_jc_50_user_has_no_last_modified(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """A user carries `created` and no last-modified timestamp of any spelling."""
    user = make_user()
    put_user(jc, user["_id"], {"jobTitle": "changed"})

    keys = {key.lower() for key in get_user(jc, user["_id"])}

    contract.relies("`created` is there (the proxy's meta.lastModified, JC-96)", True, "created" in keys)
    contract.observes(
        "no last-modified field",
        set(),
        keys & {"lastmodified", "last_modified", "updated", "updatedat", "modified", "lastupdated"},
    )


def test_jc_51_restricted_fields_do_not_block_api_edits(
    jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`restrictedFields` entries of type scim are kept as sent and do not block later API edits."""
    restricted = [{"field": "jobTitle", "type": "scim", "id": "5f0c0ffee0c0ffee0c0ffee1"}]
    user = make_user(jobTitle="Engineer", restrictedFields=restricted)

    resp = put_user(jc, user["_id"], {"jobTitle": "Lead"})

    contract.relies(
        "a restricted field is still writable through the API",
        (200, "Lead"),
        (resp.status_code, body_of(resp).get("jobTitle")),
    )
    contract.observes("restrictedFields are kept as sent", restricted, user.get("restrictedFields"))
