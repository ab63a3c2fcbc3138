"""scim_proxy.scim.resources: Entra's POST and PUT bodies, in every shape it sends, turned into changes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scim_proxy.errors import InvalidSyntax, InvalidValue
from scim_proxy.scim.resources import coerce, parse_user
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA

from .payloads import payload

BY_FIELD = DEFAULT_USER_SCHEMA.by_field

E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MANAGER_ID = "64b0c0ffee0000000000aaaa"


@pytest.mark.parametrize(
    ("name", "values", "ignored"),
    [
        (
            "entra_create_user.json",
            {
                "external_id": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "user_name": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                "active": True,
                "email": "Test_User_00aa@testuser.com",
                "family_name": "familyName",
                "given_name": "givenName",
            },
            ("name.formatted", "roles"),
        ),
        (
            "entra_create_user_enterprise.json",
            {
                "external_id": "26118915-6090-4610-87e4-49d8ca9f808d",
                "user_name": "bjensen",
                "active": True,
                "display_name": "Babs Jensen",
                "title": "Tour Guide",
                "user_type": "Employee",
                "locale": "en-US",
                "email": "bjensen@example.com",
                "family_name": "Jensen",
                "given_name": "Barbara",
                "employee_number": "701984",
                "cost_center": "4130",
                "organization": "Universal Studios",
                "department": "Tour Operations",
                "manager": MANAGER_ID,
            },
            ("name.formatted", "roles", f"{E}:division"),
        ),
        (
            "entra_create_user_legacy_nulls.json",
            {
                "external_id": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "user_name": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                "active": True,
                "display_name": "Test User",
                "email": "Test_User_00aa@testuser.com",
                "family_name": "familyName",
                "given_name": "givenName",
            },
            ("addresses", "phoneNumbers", "roles"),
        ),
        (
            "postman_create_user_capitalised.json",
            {
                "user_name": "UserName222",
                "active": True,
                "display_name": "lennay",
                "external_id": "9b1f3e3c-3a41-4d4b-9f0e-4c1f3c6a2b11",
                "family_name": "Ryan",
                "given_name": "Andrew",
                "email": "testing@bob2.com",
                "department": "bob",
                "manager": MANAGER_ID,
            },
            ("name.formatted",),
        ),
        (
            "entra_create_user_inactive.json",
            {
                "external_id": "5d7b0c66-2f0e-4c1d-8a7e-2b6f3a9d1c40",
                "user_name": "first.last",
                "active": False,
                "email": "first.last@contoso.com",
                "family_name": "Last",
                "given_name": "First",
            },
            ("roles",),
        ),
    ],
)
def test_parse_user_payloads(name: str, values: dict[str, Any], ignored: tuple[str, ...]) -> None:
    """Each Entra-shaped create yields exactly the mapped values; nulls, meta and schemas vanish silently."""
    parsed = parse_user(payload(name))

    assert values == parsed.as_dict()
    assert ignored == parsed.ignored


@pytest.mark.parametrize(
    ("body", "values"),
    [
        ({"UserName": "a", "ACTIVE": "False"}, {"user_name": "a", "active": False}),
        ({"Name": {"GivenName": "G", "FAMILYNAME": "F"}}, {"given_name": "G", "family_name": "F"}),
        ({"Emails": [{"Value": "a@b.co", "Type": "Work", "Primary": "True"}]}, {"email": "a@b.co"}),
        ({E: {"EmployeeNumber": 701984}}, {"employee_number": "701984"}),
        ({E.upper(): {"department": "D"}}, {"department": "D"}),
        ({f"{E}:department": "D", "name.givenName": "G"}, {"department": "D", "given_name": "G"}),
        ({E: {"manager": MANAGER_ID}}, {"manager": MANAGER_ID}),
        ({E: {"manager": {"value": MANAGER_ID, "displayName": "Boss"}}}, {"manager": MANAGER_ID}),
        ({E: {"manager": [{"value": MANAGER_ID, "$ref": "https://x/Users/1"}]}}, {"manager": MANAGER_ID}),
        ({E: {"manager": []}}, {"manager": None}),
        ({E: {"manager": {"value": None}}}, {"manager": None}),
        ({E: {"manager": {"$ref": f"https://proxy/scim/v2/Users/{MANAGER_ID}"}}}, {"manager": MANAGER_ID}),
        ({E: {"manager": "  "}}, {"manager": None}),
        ({"userName": "a", "password": "Secret123!"}, {"user_name": "a"}),
        ({"userName": "a", "id": "x", "schemas": [], "meta": {"created": "x"}}, {"user_name": "a"}),
        ({"userName": None, "title": None, E: None}, {}),
        ({"userName": "first", "USERNAME": "second"}, {"user_name": "second"}),
    ],
)
def test_parse_user_shapes(body: dict[str, Any], values: dict[str, Any]) -> None:
    """Keys in any case, nested, dotted or URN-qualified, and all three manager shapes parse alike."""
    assert values == parse_user(body).as_dict()


def test_parse_user_never_reports_a_password() -> None:
    """A password is dropped without a trace: it is not a change and not listed as ignored."""
    parsed = parse_user({"userName": "a", "password": "Secret123!"})

    assert ("user_name",) == tuple(c.field for c in parsed.changes)
    assert () == parsed.ignored


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        ([{"value": "a@x.co"}, {"value": "b@x.co", "primary": True}], "b@x.co"),
        ([{"value": "a@x.co", "type": "home"}, {"value": "b@x.co", "type": "work"}], "b@x.co"),
        ([{"value": "a@x.co", "type": "home"}, {"value": "b@x.co", "type": "other"}], "a@x.co"),
        (
            [{"value": "w@x.co", "type": "work"}, {"value": "p@x.co", "type": "home", "primary": "True"}],
            "p@x.co",
        ),
        ([{"value": "w@x.co", "type": "work", "primary": "false"}, {"value": "h@x.co"}], "w@x.co"),
        ([{"value": "a@x.co", "type": "WORK"}, {"value": "b@x.co", "type": "work"}], "a@x.co"),
        ([None, {"value": None}, {"value": "c@x.co"}], "c@x.co"),
        ({"value": "one@x.co"}, "one@x.co"),
        ([], None),
    ],
)
def test_email_choice(emails: Any, expected: str | None) -> None:
    """JumpCloud keeps one address: the primary one, else the first work one, else the first."""
    assert expected == coerce(BY_FIELD["email"], emails, path="emails")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("True", True),
        ("False", False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        (" False ", False),
    ],
)
def test_boolean_spellings(raw: Any, expected: bool) -> None:
    """`active` accepts real booleans and the strings Entra sends, in any case."""
    assert expected is coerce(BY_FIELD["active"], raw, path="active")


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("active", "yes", "active must be a boolean"),
        ("active", 1, "active must be a boolean"),
        ("active", None, "active must be a boolean"),
        ("user_name", True, "userName must be a string"),
        ("user_name", {"value": "a"}, "userName must be a string"),
        ("user_name", ["a"], "userName must be a string"),
        ("manager", [{"value": "a"}, {"value": "b"}], "takes one manager, got 2"),
        ("manager", 42, "must be a user id"),
        ("email", "not-a-list-but-a-string-is-fine", None),
        ("email", 7, "must be a list of email objects"),
        ("email", ["a@b.co"], "emails[0] must be an email object"),
        ("email", [{"value": 5}], "emails[0].value must be a string"),
    ],
)
def test_coerce_rejects_wrong_types(field: str, raw: Any, message: str | None) -> None:
    """A value of the wrong JSON type is InvalidValue naming the attribute; a plain email string is fine."""
    attribute = BY_FIELD[field]
    path = "emails" if field == "email" else attribute.name
    if message is None:
        assert raw == coerce(attribute, raw, path=path)
        return
    with pytest.raises(InvalidValue, match=re.escape(message)):
        coerce(attribute, raw, path=path)


@pytest.mark.parametrize("body", [None, [], "userName", 3, [{"userName": "a"}]])
def test_parse_user_needs_an_object(body: Any) -> None:
    """A body that is not a JSON object is InvalidSyntax, before anything is read from it."""
    with pytest.raises(InvalidSyntax):
        parse_user(body)
