"""Register rows JC-32 to JC-51: one user's create, read, update and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .ledger import Contract, containing, matching, one_of, superset_of
from .support import NOT_FOUND, OBJECT_ID, Names, Target, body_of, email_of, error_body, message_of

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]
USER_EXISTS = error_body(400, "User already exists")
# What the proxy's responses.check() reads as a duplicate: a 409, or a 400 naming "already exist".
DUPLICATE_STATUS = one_of(400, 409)
DUPLICATE_TEXT = containing("already exist")


def _put(jc: httpx.Client, user_id: str, body: dict[str, Any]) -> httpx.Response:
    return jc.put(f"/api/systemusers/{user_id}", json=body)


def _get(jc: httpx.Client, user_id: str) -> dict[str, Any]:
    resp = jc.get(f"/api/systemusers/{user_id}")
    assert 200 == resp.status_code, resp.text
    user: dict[str, Any] = resp.json()
    return user


def test_jc_32_create_returns_200_and_full_user(jc: httpx.Client, names: Names, contract: Contract) -> None:
    """Create answers 200 (not 201) with the full user; `username` and `email` are required."""
    username = names.user()
    resp = jc.post("/api/systemusers", json={"username": username, "email": email_of(username), "state": "STAGED"})
    no_username = jc.post("/api/systemusers", json={"email": email_of(names.user()), "state": "STAGED"})
    no_email = jc.post("/api/systemusers", json={"username": names.user(), "state": "STAGED"})
    user = body_of(resp)

    contract.relies("a create answers 2xx", one_of(200, 201), resp.status_code)
    contract.relies(
        "with the fields the proxy reads",
        superset_of({"_id", "username", "email", "state", "suspended", "created"}),
        set(user),
    )
    contract.relies("as sent", (username, email_of(username)), (user["username"], user["email"]))
    contract.relies("username and email are required", (400, 400), (no_username.status_code, no_email.status_code))
    contract.observes("the create status", 200, resp.status_code)
    contract.observes("`id` and `activated` are returned too", superset_of({"id", "activated"}), set(user))
    contract.observes("the missing-username body", error_body(400, "username is required"), body_of(no_username))
    contract.observes("the missing-email body", error_body(400, "email is required"), body_of(no_email))


def test_jc_33_overlong_field_is_400(jc: httpx.Client, names: Names, contract: Contract) -> None:
    """Strings are limited to 1024 characters, employeeIdentifier to 256, and `email` must be an address."""

    def create(**fields: Any) -> httpx.Response:
        username = names.user()
        return jc.post(
            "/api/systemusers", json={"username": username, "email": email_of(username), "state": "STAGED", **fields}
        )

    at_limit = create(firstname="f" * 1024, employeeIdentifier=names.user("e").ljust(256, "0"))
    long_name = create(firstname="f" * 1025)
    long_identifier = create(employeeIdentifier="e" * 257)
    bad_email = jc.post("/api/systemusers", json={"username": names.user(), "email": "not-an-email", "state": "STAGED"})

    contract.relies("values at the limits are accepted", 200, at_limit.status_code)
    contract.relies(
        "beyond them, or a bad email, is a 400",
        [400, 400, 400],
        [r.status_code for r in (long_name, long_identifier, bad_email)],
    )
    contract.observes(
        "the firstname body", error_body(400, "firstname must be at most 1024 characters"), body_of(long_name)
    )
    contract.observes(
        "the employeeIdentifier body",
        error_body(400, "employeeIdentifier must be at most 256 characters"),
        body_of(long_identifier),
    )
    contract.observes("the email body", error_body(400, "email must be a valid email address"), body_of(bad_email))


def test_jc_34_username_characters_not_enforced(jc: httpx.Client, names: Names, contract: Contract) -> None:
    """The API enforces no username character rules: `@`, spaces and 100 characters are accepted."""
    unusual = [f"{names.user()} Space", f"{names.user()}@at", names.user().ljust(100, "x")]

    answers = [
        jc.post("/api/systemusers", json={"username": name, "email": email_of(names.user()), "state": "STAGED"})
        for name in unusual
    ]

    contract.relies(
        "`@`, a space and 100 characters are accepted as sent",
        [(200, name) for name in unusual],
        [(r.status_code, body_of(r).get("username") if r.status_code == 200 else None) for r in answers],
    )


def test_jc_35_duplicate_username_is_400_already_exists(
    jc: httpx.Client, names: Names, make_user: MakeUser, contract: Contract
) -> None:
    """A duplicate username, email or employeeIdentifier on create or PUT is 400 User already exists."""
    first = make_user(employeeIdentifier=names.user("e"))
    second = make_user()
    other = names.user()

    def create(username: str, email: str, **fields: Any) -> httpx.Response:
        return jc.post("/api/systemusers", json={"username": username, "email": email, "state": "STAGED", **fields})

    answers = [
        create(first["username"], email_of(other)),
        create(other, first["email"]),
        create(other, email_of(other), employeeIdentifier=first["employeeIdentifier"]),
        _put(jc, second["_id"], {"username": first["username"]}),
        _put(jc, second["_id"], {"email": first["email"]}),
        _put(jc, second["_id"], {"employeeIdentifier": first["employeeIdentifier"]}),
    ]

    contract.relies("every duplicate is refused as one", [DUPLICATE_STATUS] * 6, [r.status_code for r in answers])
    contract.relies(
        "a 400 names it (the proxy's check() looks for 'already exist')",
        [DUPLICATE_TEXT] * len([r for r in answers if r.status_code == 400]),
        [message_of(r) for r in answers if r.status_code == 400],
    )
    contract.relies("nothing was written", second, _get(jc, second["_id"]))
    contract.observes("the answers", [(400, USER_EXISTS)] * 6, [(r.status_code, body_of(r)) for r in answers])


def test_jc_36_duplicate_username_differing_in_case_is_rejected(
    jc: httpx.Client, names: Names, make_user: MakeUser, contract: Contract
) -> None:
    """Username and email uniqueness ignore case; employeeIdentifier uniqueness does not."""
    first = make_user("case", employeeIdentifier=names.user("emp"))
    upper_name = first["username"][:-6] + first["username"][-6:].upper()
    other = names.user()

    same_name = jc.post("/api/systemusers", json={"username": upper_name, "email": email_of(other), "state": "STAGED"})
    same_email = jc.post(
        "/api/systemusers",
        json={"username": other, "email": email_of(upper_name), "state": "STAGED"},
    )
    identifier = first["employeeIdentifier"].upper()
    other_identifier = jc.post(
        "/api/systemusers",
        json={"username": other, "email": email_of(other), "state": "STAGED", "employeeIdentifier": identifier},
    )

    contract.relies(
        "username and email in other case are duplicates",
        [DUPLICATE_STATUS] * 2,
        [same_name.status_code, same_email.status_code],
    )
    contract.relies(
        "an employeeIdentifier in other case is not",
        (200, identifier),
        (other_identifier.status_code, body_of(other_identifier).get("employeeIdentifier")),
    )
    contract.observes(
        "the refusals", [(400, USER_EXISTS)] * 2, [(r.status_code, body_of(r)) for r in (same_name, same_email)]
    )


def test_jc_37_unset_fields_have_realistic_defaults(target: Target, make_user: MakeUser, contract: Contract) -> None:
    """A user created without optional fields has "" strings, [] arrays and null nullable fields."""
    user = make_user()
    strings = "firstname middlename lastname displayname jobTitle department company costCenter employeeType"
    strings += " location description alternateEmail external_dn"
    nulls = ("employeeIdentifier", "account_locked_date", "password_expiration_date", "password_date")
    arrays = ("addresses", "phoneNumbers", "attributes")

    contract.relies(
        "a new user's password has not expired (else it reads inactive)", False, user.get("password_expired")
    )
    contract.observes(
        "unset strings", dict.fromkeys(strings.split(), ""), {name: user.get(name) for name in strings.split()}
    )
    contract.observes("unset arrays", {key: [] for key in arrays}, {name: user.get(name) for name in arrays})
    contract.observes("unset nullable fields", dict.fromkeys(nulls), {name: user.get(name, "absent") for name in nulls})
    contract.observes("account_locked", False, user.get("account_locked"))
    contract.observes(
        "the emulator's extras: manager, badLoginAttempts, mfa",
        (None, 0, {"configured": False, "exclusion": False}),
        (user.get("manager"), user.get("badLoginAttempts"), user.get("mfa")),
    )
    contract.observes(
        "unix ids start at 5001 and agree",
        (True, True),
        (user.get("unix_uid", 0) >= 5001, user.get("unix_uid") == user.get("unix_guid")),
    )
    contract.observes("`organization` is an org id", matching(OBJECT_ID), user.get("organization"))


def test_jc_38_id_equals_underscore_id(make_user: MakeUser, contract: Contract) -> None:
    """`_id` and `id` are the same 24-hex ObjectId."""
    user = make_user()

    contract.relies("`_id` is 24 hex digits (the proxy's id rule)", matching(OBJECT_ID), user["_id"])
    contract.relies("`id`, when present, is `_id`", user["_id"], user.get("id", user["_id"]))
    contract.observes("`id` is present", True, "id" in user)


def test_jc_39_phone_numbers_get_ids(make_user: MakeUser, contract: Contract) -> None:
    """`addresses` and `phoneNumbers` items come back with an `id`; `attributes` items do not."""
    user = make_user(
        phoneNumbers=[{"type": "work", "number": "+1 555 0100"}],
        addresses=[{"type": "work", "locality": "Boulder", "country": "US"}],
        attributes=[{"name": "entraObjectId", "value": "9f1c"}],
    )

    contract.relies(
        "the items are kept",
        ("+1 555 0100", "Boulder"),
        (user["phoneNumbers"][0]["number"], user["addresses"][0]["locality"]),
    )
    contract.observes(
        "phone and address items get an id",
        [matching(OBJECT_ID)] * 2,
        [user["phoneNumbers"][0].get("id"), user["addresses"][0].get("id")],
    )
    contract.observes("attribute items do not", [{"name": "entraObjectId", "value": "9f1c"}], user["attributes"])


def test_jc_40_user_without_password_is_not_activated(
    jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """A user created without a password is Password Pending (`activated: false`); no password is returned."""
    user = make_user()

    contract.relies(
        "no password is ever returned", (False, False), ("password" in user, "password" in _get(jc, user["_id"]))
    )
    contract.observes("the user is Password Pending", False, user.get("activated"))


def test_jc_41_activated_on_create_is_ignored(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """Sending `activated: true` on create has no effect."""
    user = make_user(activated=True)

    contract.observes(
        "`activated: true` on create is ignored",
        (False, False),
        (user.get("activated"), _get(jc, user["_id"]).get("activated")),
    )


def test_jc_42_put_is_partial(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """PUT writes only the top-level fields it carries."""
    user = make_user(firstname="Jane", lastname="Doe", jobTitle="Engineer")

    resp = _put(jc, user["_id"], {"jobTitle": "Lead"})

    contract.relies("the PUT succeeds", 200, resp.status_code)
    contract.relies(
        "fields left out keep their values",
        ("Jane", "Doe", "Lead"),
        tuple(resp.json()[k] for k in ("firstname", "lastname", "jobTitle")),
    )
    contract.relies("the answer is the stored user", resp.json(), _get(jc, user["_id"]))


def test_jc_43_put_replaces_arrays_whole(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """PUT replaces array fields whole: phoneNumbers, addresses, attributes and relationships."""
    user = make_user(
        phoneNumbers=[{"type": "work", "number": "1"}, {"type": "mobile", "number": "2"}],
        addresses=[{"type": "work", "locality": "A"}, {"type": "home", "locality": "B"}],
        attributes=[{"name": "a", "value": "1"}, {"name": "b", "value": "2"}],
        relationships=[{"type": "manager", "value": "x"}, {"type": "manager", "value": "y"}],
    )

    resp = _put(
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
    """PUT with "" (or null) clears a string field; username and email cannot be cleared."""
    user = make_user(jobTitle="Engineer", department="R&D", employeeIdentifier=make_user()["username"])

    resp = _put(jc, user["_id"], {"jobTitle": "", "department": None, "employeeIdentifier": ""})
    no_username = _put(jc, user["_id"], {"username": ""})
    cleared = body_of(resp)

    contract.relies("the PUT succeeds", 200, resp.status_code)
    contract.relies('"" clears a string (JC-93)', "", cleared.get("jobTitle"))
    contract.relies("null clears a string", one_of("", None), cleared.get("department"))
    contract.relies('"" clears employeeIdentifier', one_of("", None), cleared.get("employeeIdentifier"))
    contract.relies("username cannot be cleared", 400, no_username.status_code)
    contract.relies("and is kept", user["username"], _get(jc, user["_id"])["username"])
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

    cleared = _put(jc, user["_id"], {"manager": None})
    not_an_id = _put(jc, user["_id"], {"manager": "boss"})
    itself = _put(jc, user["_id"], {"manager": user["_id"]})

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

    resp = _put(jc, user["_id"], {"username": renamed})

    contract.relies("the PUT renames", (200, renamed), (resp.status_code, body_of(resp).get("username")))
    contract.relies("and the rename is stored", renamed, _get(jc, user["_id"])["username"])


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
    contract.relies("and nothing is deleted", boss["_id"], _get(jc, boss["_id"])["_id"])
    contract.observes(
        "the refusal", error_body(409, "User is a manager of other users; set cascade_manager"), body_of(resp)
    )


def test_jc_49_cascade_manager_null_clears_reports(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """`cascade_manager=null` clears `manager` on direct reports; `cascade_manager=<id>` reassigns them."""
    boss = make_user("boss")
    deputy = make_user("deputy")
    report = make_user("report", manager=boss["_id"])

    moved = jc.delete(f"/api/systemusers/{boss['_id']}", params={"cascade_manager": deputy["_id"]})
    after_move = _get(jc, report["_id"])["manager"]
    cleared = jc.delete(f"/api/systemusers/{deputy['_id']}", params={"cascade_manager": "null"})

    contract.relies("`cascade_manager=null` deletes a manager", one_of(200, 204), cleared.status_code)
    contract.relies("and clears the reports' manager", one_of(None, ""), _get(jc, report["_id"])["manager"])
    contract.observes(
        "`cascade_manager=<id>` reassigns the reports", (200, deputy["_id"]), (moved.status_code, after_move)
    )


def test_jc_50_user_has_no_last_modified(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """A user carries `created` and no last-modified timestamp of any spelling."""
    user = make_user()
    _put(jc, user["_id"], {"jobTitle": "changed"})

    keys = {key.lower() for key in _get(jc, user["_id"])}

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

    resp = _put(jc, user["_id"], {"jobTitle": "Lead"})

    contract.relies(
        "a restricted field is still writable through the API",
        (200, "Lead"),
        (resp.status_code, body_of(resp).get("jobTitle")),
    )
    contract.observes("restrictedFields are kept as sent", restricted, user.get("restrictedFields"))
