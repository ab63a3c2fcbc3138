"""Register rows JC-32 to JC-41: creating and reading one user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .ledger import Contract, containing, matching, one_of, superset_of
from .support import OBJECT_ID, Names, Target, body_of, email_of, error_body, get_user, message_of, put_user

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]
USER_EXISTS = error_body(400, "User already exists")
# What the proxy's responses.check() reads as a duplicate: a 409, or a 400 naming "already exist".
DUPLICATE_STATUS = one_of(400, 409)
DUPLICATE_TEXT = containing("already exist")


def _staged(username: str) -> dict[str, Any]:
    """A create body for a fresh user, STAGED so a live org sends no activation email."""
    return {"username": username, "email": email_of(username), "state": "STAGED"}


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
        put_user(jc, second["_id"], {"username": first["username"]}),
        put_user(jc, second["_id"], {"email": first["email"]}),
        put_user(jc, second["_id"], {"employeeIdentifier": first["employeeIdentifier"]}),
    ]

    contract.relies("every duplicate is refused as one", [DUPLICATE_STATUS] * 6, [r.status_code for r in answers])
    contract.relies(
        "a 400 names it (the proxy's check() looks for 'already exist')",
        [DUPLICATE_TEXT] * len([r for r in answers if r.status_code == 400]),
        [message_of(r) for r in answers if r.status_code == 400],
    )
    contract.relies("nothing was written", second, get_user(jc, second["_id"]))
    contract.observes("the answers", [(400, USER_EXISTS)] * 6, [(r.status_code, body_of(r)) for r in answers])


def test_jc_36_duplicate_username_differing_in_case_is_rejected(
    jc: httpx.Client, names: Names, make_user: MakeUser, contract: Contract
) -> None:
    """Username and email uniqueness ignore case; employeeIdentifier's does not, and only null never collides."""
    first = make_user("case", employeeIdentifier=names.user("emp"))
    upper_name = names.other_case(first["username"])  # "...-case-1" -> "...-CASE-1"
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

    empty = [
        jc.post("/api/systemusers", json={**_staged(names.user("empty")), "employeeIdentifier": ""}) for _ in range(2)
    ]
    unset = [
        jc.post("/api/systemusers", json={**_staged(names.user("null")), "employeeIdentifier": None}) for _ in "ab"
    ]

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
    contract.relies(
        "employeeIdentifier null (or absent) never collides",
        [(200, None), (200, None)],
        [(r.status_code, body_of(r).get("employeeIdentifier")) for r in unset],
    )
    contract.observes(
        '"" is a value of the unique index: a second "" is a duplicate (the HAR holds unset as null)',
        [(200, ""), (400, USER_EXISTS)],
        [(r.status_code, body_of(r).get("employeeIdentifier", body_of(r))) for r in empty],
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
        "no password is ever returned", (False, False), ("password" in user, "password" in get_user(jc, user["_id"]))
    )
    contract.observes("the user is Password Pending", False, user.get("activated"))


def test_jc_41_activated_on_create_is_ignored(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """Sending `activated: true` on create has no effect."""
    user = make_user(activated=True)

    contract.observes(
        "`activated: true` on create is ignored",
        (False, False),
        (user.get("activated"), get_user(jc, user["_id"]).get("activated")),
    )
