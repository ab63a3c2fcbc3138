"""scim_proxy.translate.users: SCIM values to JumpCloud bodies and back, with the seed's validation rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scim_proxy.errors import InvalidValue
from scim_proxy.jumpcloud.decode import make_jc_converter
from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.models import ScimUser
from scim_proxy.scim.resources import parse_user
from scim_proxy.translate.users import (
    ENTRA_USERNAME_FIX,
    UserMapping,
    create_body,
    replace_body,
    to_scim_user,
    update_body,
    validate,
)

from .payloads import payload

FROM_EMAIL = UserMapping(username_from_email=True)

USER_ID = "64b0c0ffee0000000000abcd"
MANAGER_ID = "64b0c0ffee0000000000aaaa"
BASE = {"user_name": "jdoe", "email": "jdoe@example.com"}


def jc(**fields: Any) -> JcUser:
    """A JumpCloud user as the jc converter reads it, with `fields` over a minimal record."""
    return make_jc_converter().structure(
        {"_id": USER_ID, "username": "jdoe", "email": "jdoe@example.com", **fields}, JcUser
    )


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (
            "entra_create_user_enterprise.json",
            {
                "external_dn": "26118915-6090-4610-87e4-49d8ca9f808d",
                "username": "bjensen",
                "displayname": "Babs Jensen",
                "jobTitle": "Tour Guide",
                "employeeType": "Employee",
                "location": "en-US",
                "email": "bjensen@example.com",
                "lastname": "Jensen",
                "firstname": "Barbara",
                "employeeIdentifier": "701984",
                "costCenter": "4130",
                "company": "Universal Studios",
                "department": "Tour Operations",
                "manager": MANAGER_ID,
            },
        ),
        (
            "entra_create_user_inactive.json",
            {
                "external_dn": "5d7b0c66-2f0e-4c1d-8a7e-2b6f3a9d1c40",
                "username": "first.last",
                "email": "first.last@contoso.com",
                "lastname": "Last",
                "firstname": "First",
                "state": "SUSPENDED",
                "suspended": True,
            },
        ),
        (
            "entra_create_user.json",
            {
                "external_dn": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "username": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                "email": "Test_User_00aa@testuser.com",
                "lastname": "familyName",
                "firstname": "givenName",
            },
        ),
    ],
)
def test_create_body_from_entra_payloads(name: str, body: dict[str, Any]) -> None:
    """An Entra create becomes this exact POST body: mapped fields, no password, state only if inactive."""
    assert body == create_body(parse_user(payload(name)).as_dict())


@pytest.mark.parametrize(
    ("values", "body"),
    [
        (BASE, {"username": "jdoe", "email": "jdoe@example.com"}),
        ({**BASE, "active": True}, {"username": "jdoe", "email": "jdoe@example.com"}),
        (
            {**BASE, "active": False},
            {"username": "jdoe", "email": "jdoe@example.com", "state": "SUSPENDED", "suspended": True},
        ),
        ({**BASE, "title": "", "manager": None}, {"username": "jdoe", "email": "jdoe@example.com"}),
    ],
)
def test_create_body_state(values: dict[str, Any], body: dict[str, Any]) -> None:
    """A create carries no state unless the user is inactive, so the org's default (e.g. STAGED) applies."""
    assert body == create_body(values)


@pytest.mark.parametrize(
    ("changes", "body"),
    [
        ({"active": True}, {"suspended": False}),
        ({"active": False}, {"state": "SUSPENDED", "suspended": True}),
        ({"title": None}, {"jobTitle": ""}),
        ({"title": ""}, {"jobTitle": ""}),
        ({"manager": None}, {"manager": None}),
        ({"employee_number": None}, {"employeeIdentifier": None}),  # unique: "" would collide, null does not
        ({"employee_number": ""}, {"employeeIdentifier": None}),
        ({"manager": MANAGER_ID.upper()}, {"manager": MANAGER_ID}),  # ids are canonical lower-case
        ({"locale": "de-DE", "user_type": "Contractor"}, {"location": "de-DE", "employeeType": "Contractor"}),
        ({"organization": "Org", "cost_center": "CC"}, {"company": "Org", "costCenter": "CC"}),
        ({"external_id": "ext", "employee_number": "7"}, {"external_dn": "ext", "employeeIdentifier": "7"}),
        (
            {"given_name": "G", "family_name": "F", "display_name": "D"},
            {"firstname": "G", "lastname": "F", "displayname": "D"},
        ),
        ({"user_name": "first.last"}, {"username": "first.last"}),
        ({"email": "new@example.com"}, {"email": "new@example.com"}),
        ({}, {}),
    ],
)
def test_update_body(changes: dict[str, Any], body: dict[str, Any]) -> None:
    """A PATCH sends only the changes; active true sends suspended false alone; cleared strings "", unique ones null."""
    assert body == update_body(changes)


def test_replace_body_clears_what_is_absent() -> None:
    """A PUT sends every mapped field, clearing absent ones ("", null if unique or a reference), state untouched."""
    assert {
        "username": "jdoe",
        "firstname": "",
        "lastname": "",
        "middlename": "",
        "displayname": "",
        "email": "jdoe@example.com",
        "jobTitle": "T",
        "location": "",
        "employeeType": "",
        "external_dn": "",
        "employeeIdentifier": None,
        "department": "",
        "costCenter": "",
        "company": "",
        "manager": None,
    } == replace_body({**BASE, "title": "T"})


@pytest.mark.parametrize(
    ("active", "extra"),
    [(True, {"suspended": False}), (False, {"state": "SUSPENDED", "suspended": True})],
)
def test_replace_body_active(active: bool, extra: dict[str, Any]) -> None:
    """A PUT with `active` writes the same state fields as a PATCH does."""
    body = replace_body({**BASE, "active": active})

    assert extra == {k: body[k] for k in ("state", "suspended") if k in body}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "a@b.co"}, "userName is required"),
        ({"user_name": "", "email": "a@b.co"}, "userName is required"),
        ({"user_name": "jdoe"}, "emails is required"),
        ({"user_name": "jdoe", "email": None}, "emails is required"),
        ({**BASE, "user_name": "jdoe@example.com"}, "userName must not be an email address"),
        ({**BASE, "user_name": "_jdoe"}, "must start with a letter or digit"),
        ({**BASE, "user_name": ".jdoe"}, "must start with a letter or digit"),
        ({**BASE, "user_name": "j doe"}, "may contain only letters"),
        ({**BASE, "user_name": "j+doe"}, "may contain only letters"),
        ({**BASE, "user_name": "jdoe\n"}, "may contain only letters"),
        ({**BASE, "user_name": "jöe"}, "may contain only letters"),
        ({**BASE, "user_name": "j" * 1025}, "userName is longer than 1024"),
        ({**BASE, "email": "jdoe"}, "not a well-formed address"),
        ({**BASE, "email": "jdoe@example"}, "not a well-formed address"),
        ({**BASE, "email": "j doe@example.com"}, "not a well-formed address"),
        ({**BASE, "email": "a@b@example.com"}, "not a well-formed address"),
        ({**BASE, "email": "jdoe@example.com\n"}, "not a well-formed address"),
        ({**BASE, "email": "a@example.com" + "m" * 1012}, "emails is longer than 1024"),
        ({**BASE, "employee_number": "1" * 257}, "employeeNumber is longer than 256"),
        ({**BASE, "title": "t" * 1025}, "title is longer than 1024"),
        ({**BASE, "manager": "26118915-6090-4610-87e4-49d8ca9f808d"}, "manager must be the id"),
        ({**BASE, "manager": MANAGER_ID[:-1]}, "manager must be the id"),
        ({**BASE, "manager": MANAGER_ID + "\n"}, "manager must be the id"),
        ({**BASE, "manager": "zzb0c0ffee0000000000aaaa"}, "manager must be the id"),
    ],
)
def test_create_validation(values: dict[str, Any], message: str) -> None:
    """A create breaking a seed rule is InvalidValue naming the attribute, before any upstream call."""
    with pytest.raises(InvalidValue, match=re.escape(message)):
        create_body(values)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": None}, "emails is required and cannot be cleared"),
        ({"user_name": None}, "userName is required and cannot be cleared"),
        ({"user_name": ""}, "userName is required and cannot be cleared"),
        ({"user_name": "-x"}, "userName may contain only"),
        ({"user_name": "a@b.co"}, "userName must not be an email address"),
        ({"email": "nope"}, "not a well-formed address"),
        ({"manager": "abc"}, "manager must be the id"),
    ],
)
def test_update_validation(changes: dict[str, Any], message: str) -> None:
    """A PATCH may not clear userName or emails, nor set a malformed one; nothing is built for JumpCloud."""
    with pytest.raises(InvalidValue, match=re.escape(message)):
        update_body(changes)


@pytest.mark.parametrize(
    ("values", "kept"),
    [
        ({**BASE, "user_name": "j" * 1024}, "j" * 1024),
        ({**BASE, "user_name": "9to5"}, "9to5"),
        ({**BASE, "user_name": "First.Last_2-x"}, "First.Last_2-x"),
        ({**BASE, "employee_number": "1" * 256}, "jdoe"),
    ],
)
def test_validation_accepts_limits(values: dict[str, Any], kept: str) -> None:
    """Values at the limits pass validation unchanged."""
    assert kept == create_body(values)["username"]


def test_email_username_message_tells_how_to_fix_entra() -> None:
    """Rejecting a UPN as userName explains the Entra mapping change and the proxy switch."""
    with pytest.raises(InvalidValue) as info:
        create_body({**BASE, "user_name": "first.last@contoso.com"})

    assert str(info.value).endswith(ENTRA_USERNAME_FIX)
    assert "mailNickname" in str(info.value)


@pytest.mark.parametrize(
    ("user_name", "sent"),
    [("first.last@contoso.com", "first.last"), ("jdoe", "jdoe"), ("a@b@c.d", "a")],
)
def test_username_from_email_uses_the_local_part(user_name: str, sent: str) -> None:
    """With username_from_email, a UPN userName is sent as its local part."""
    assert {"username": sent} == update_body({"user_name": user_name}, FROM_EMAIL)


def test_username_from_email_still_validates_the_local_part() -> None:
    """The local part must itself be a valid username."""
    with pytest.raises(InvalidValue, match="may contain only"):
        create_body({**BASE, "user_name": "first+last@contoso.com"}, FROM_EMAIL)


def test_validate_returns_a_copy() -> None:
    """validate() leaves its input untouched and returns the values to send."""
    values = {"user_name": "a@b.co", "email": "a@b.co"}

    checked = validate(values, complete=True, mapping=FROM_EMAIL)

    assert {"user_name": "a", "email": "a@b.co"} == checked
    assert {"user_name": "a@b.co", "email": "a@b.co"} == values


@pytest.mark.parametrize(
    ("fields", "active"),
    [
        ({"state": "ACTIVATED", "suspended": False, "password_expired": False}, True),
        ({"state": "STAGED", "suspended": False, "activated": False}, True),
        ({"state": "SUSPENDED", "suspended": True}, False),
        ({"state": "SUSPENDED", "suspended": False}, False),
        ({"state": "ACTIVATED", "suspended": True}, False),
        ({"state": "ACTIVATED", "password_expired": True}, False),
        ({"suspended": "true"}, True),
        ({"password_expired": None}, True),
        ({}, True),
    ],
)
def test_active_is_derived(fields: dict[str, Any], active: bool) -> None:
    """active is: not suspended, state not SUSPENDED, password not expired; only a real `true` counts."""
    assert active is to_scim_user(jc(**fields)).get("active")


def test_to_scim_user_full() -> None:
    """Every JumpCloud field we map lands on its SCIM attribute; meta times both come from `created`."""
    user = to_scim_user(make_jc_converter().structure(payload("jc_user_full.json"), JcUser))

    assert (
        ScimUser(
            id=USER_ID,
            values={
                "user_name": "bjensen",
                "given_name": "Barbara",
                "family_name": "Jensen",
                "display_name": "Babs Jensen",
                "email": "bjensen@example.com",
                "active": True,
                "title": "Tour Guide",
                "locale": "en-US",
                "user_type": "Employee",
                "external_id": "26118915-6090-4610-87e4-49d8ca9f808d",
                "employee_number": "701984",
                "department": "Tour Operations",
                "cost_center": "4130",
                "organization": "Universal Studios",
                "manager": MANAGER_ID,
            },
            created="2021-02-12T17:45:42.369Z",
            last_modified="2021-02-12T17:45:42.369Z",
        )
        == user
    )


def test_to_scim_user_minimal_reads_empty_strings_as_unset() -> None:
    """JumpCloud's "" and null for unset fields read as absent attributes, not empty values."""
    user = to_scim_user(make_jc_converter().structure(payload("jc_user_minimal.json"), JcUser))

    assert ("64b0c0ffee0000000000abce", "2024-05-01T08:00:00.000Z") == (user.id, user.created)
    assert {"user_name": "first.last", "email": "first.last@contoso.com", "active": True} == user.values


@pytest.mark.parametrize(
    ("username", "email", "user_name"),
    [
        ("first.last", "first.last@contoso.com", "first.last@contoso.com"),
        ("first.last", "First.Last@Contoso.com", "First.Last@Contoso.com"),
        ("first.last", "other@contoso.com", "first.last"),
        ("first.last", "", "first.last"),
    ],
)
def test_username_from_email_reads_back_the_upn(username: str, email: str, user_name: str) -> None:
    """With username_from_email, userName reads back as the email when its local part is the username."""
    user = to_scim_user(jc(username=username, email=email), FROM_EMAIL)

    assert user_name == user.get("user_name")


@pytest.mark.parametrize(
    "name",
    [
        "entra_create_user_enterprise.json",
        "postman_create_user_capitalised.json",
        "entra_create_user_inactive.json",
    ],
)
def test_round_trip(name: str) -> None:
    """What Entra creates reads back with the same values, through the JumpCloud body and record."""
    values = parse_user(payload(name)).as_dict()
    body = create_body(values)
    record = {"_id": USER_ID, "state": "ACTIVATED", **body}

    back = to_scim_user(make_jc_converter().structure(record, JcUser)).values

    assert values == back
