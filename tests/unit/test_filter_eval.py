"""scim_proxy.scim.filter_eval: filters evaluated over rendered SCIM resources, table-driven by caseExact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filter_eval import compile_filter, parse_datetime
from scim_proxy.scim.filter_schema import (
    AttributeInfo,
    FilterAttributes,
    group_filter_attributes,
    user_filter_attributes,
)
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.schema import CORE_USER, DEFAULT_USER_SCHEMA, ENTERPRISE_USER, UserAttribute, UserSchema

E = ENTERPRISE_USER
USERS = user_filter_attributes(DEFAULT_USER_SCHEMA)
BARBARA: dict[str, Any] = {
    "schemas": [CORE_USER, E],
    "id": "64b0c0ffee0000000000abcd",
    "externalId": "Ext-42",
    "userName": "bjensen",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "displayName": "Babs Jensen",
    "title": "Tour Guide",
    "active": True,
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
    E: {"department": "Sales", "manager": {"value": "64b0c0ffee0000000000aaaa", "$ref": "../Users/64b0…"}},
    "meta": {"created": "2021-02-12T17:45:42.369Z", "lastModified": "2021-02-12T17:45:42.369Z"},
}


def matches(text: str, resource: dict[str, Any] = BARBARA, attributes: FilterAttributes = USERS) -> bool:
    return compile_filter(parse(text), attributes)(resource)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "bjensen"', True),
        ('userName eq "BJENSEN"', True),  # caseExact false
        ('externalId eq "Ext-42"', True),
        ('externalId eq "ext-42"', False),  # caseExact true
        ('userName ne "bjensen"', False),
        ('userName ne "other"', True),
        ('userName co "JENS"', True),
        ('externalId co "xt"', True),
        ('externalId co "XT"', False),
        ('userName sw "BJ"', True),
        ('userName sw "jensen"', False),
        ('userName ew "SEN"', True),
        ('userName gt "a"', True),
        ('userName gt "C"', False),  # compared lower-cased: "bjensen" < "c"
        ('userName ge "bjensen"', True),
        ('userName lt "bz"', True),
        ('userName le "BJENSEN"', True),
        ('externalId gt "E"', True),
        ('externalId gt "e"', False),  # caseExact: "E" < "e" by code point
        ('name.familyName eq "jensen"', True),
        ('NAME.FAMILYNAME eq "jensen"', True),
        (f'{CORE_USER}:userName eq "bjensen"', True),
        (f'{E}:department eq "sales"', True),
        ('department eq "sales"', True),  # Entra's legacy bare enterprise name
        (f'{E}:manager.value eq "64b0c0ffee0000000000aaaa"', True),
        (f'{E}:manager eq "64b0c0ffee0000000000aaaa"', True),  # a complex value stands for .value
        ('emails eq "BJensen@Example.com"', True),
        ('emails.value co "@example.com"', True),
        ('emails.type eq "work"', True),
        ("emails.primary eq true", True),
        ('emails[type eq "work" and value co "@example.com"]', True),
        ('emails[type eq "home"]', False),
        ('emails[type eq "work"].value eq "bjensen@example.com"', True),
        ('emails[not (type eq "work")]', False),
        ("active eq true", True),
        ('active eq "True"', True),  # Entra writes booleans as strings
        ("active ne true", False),
        ("title pr", True),
        ("userType pr", False),
        ("name pr", True),  # a complex attribute with a non-empty value
        ("userType eq null", True),
        ("title eq null", False),
        ("title ne null", True),
        ("userType ne null", False),
        ('userType ne "x"', True),  # ne: no value equals, so an unset attribute matches
        ('userType eq "x"', False),
        ('userType co ""', False),
        ('userType gt "a"', False),
        ('meta.created gt "2021-02-12T17:45:42Z"', True),
        ('meta.created gt "2021-02-12T17:45:42.369Z"', False),
        ('meta.created ge "2021-02-12T17:45:42.369Z"', True),
        ('meta.created eq "2021-02-12T19:45:42.369+02:00"', True),  # the same instant
        ('meta.created lt "2021-02-12T17:45:42.3691Z"', True),
        ("meta.created gt 2015-10-10T14:38:21.8617979-07:00", True),
        ('meta.lastModified le "2021-02-12T17:45:42.369"', True),  # no offset: UTC
        ('id eq "64B0C0FFEE0000000000ABCD"', True),  # hexadecimal ids: case carries no meaning
        ('userName eq "x" or title sw "tour"', True),
        ('userName eq "x" and title sw "tour"', False),
        ('not (userName eq "x")', True),
        ('userName eq "bjensen" and (title eq "x" or not (displayName co "babs"))', False),
    ],
)
def test_filters_over_a_user(text: str, expected: bool) -> None:
    """Each operator, attribute type and connective gives RFC 7644's answer for Barbara."""
    assert expected is matches(text)


def test_multi_valued_attribute_matches_when_any_value_does() -> None:
    """With two emails, a filter matches if either does; a value filter needs one email to satisfy all of it."""
    two = {**BARBARA, "emails": [{"value": "a@home.net", "type": "home"}, {"value": "b@work.com", "type": "work"}]}

    assert matches('emails.value ew "work.com"', two)
    assert matches('emails.type eq "home" and emails.value ew "work.com"', two)
    assert not matches('emails[type eq "home" and value ew "work.com"]', two)
    assert matches('emails[type eq "home" and value ew "home.net"]', two)


def test_group_members_filters() -> None:
    """`members eq <id>` and `members[value eq <id>]` look through the member list."""
    groups = group_filter_attributes()
    group = {"id": "g1", "displayName": "Sales", "members": [{"value": "64b0c0ffee0000000000aaaa", "type": "User"}]}

    assert matches('members eq "64B0C0FFEE0000000000AAAA"', group, groups)
    assert matches('members[value eq "64b0c0ffee0000000000aaaa"]', group, groups)
    assert matches('displayName eq "sales" and members.type eq "User"', group, groups)
    assert not matches('members eq "64b0c0ffee0000000000bbbb"', group, groups)
    assert not matches("members pr", {**group, "members": []}, groups)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('nickName eq "x"', "'nickName' is not an attribute JumpCloud keeps"),
        ('phoneNumbers[type eq "work"]', "'phoneNumbers' is not an attribute"),
        ('emails[display eq "x"]', "'emails.display' is not an attribute"),
        ('name eq "x"', "is complex"),
        ('userName[value eq "x"]', "only complex attributes"),
        ("active gt true", "boolean"),
        ('active eq "yes"', "true or false"),
        ("active eq 1", "true or false"),
        ('meta.created co "2021"', "dateTime"),
        ('meta.created gt "yesterday"', "not a dateTime"),
        ('meta.created gt "2021-02-12"', "not a dateTime"),
        ("title gt null", "null"),
        ("title co null", "null"),
    ],
)
def test_impossible_filters_are_invalid(text: str, message: str) -> None:
    """An attribute JumpCloud does not keep, or a value of the wrong type, is invalidFilter naming it."""
    with pytest.raises(InvalidFilter, match=message):
        compile_filter(parse(text), USERS)


def test_table_driven_by_case_exact() -> None:
    """The same filter flips with the attribute table's caseExact, so an admin's row decides it."""
    exact = user_filter_attributes(
        UserSchema([UserAttribute(path="title", field="title", jc_field="jobTitle", case_exact=True)])
    )

    assert matches('title eq "tour guide"')
    assert not matches('title eq "tour guide"', attributes=exact)
    assert matches('title eq "Tour Guide"', attributes=exact)


def test_number_attributes_compare_numerically() -> None:
    """An integer attribute (none in the User table today) compares as a number and refuses text."""
    numbers = FilterAttributes("urn:x", {"logins": AttributeInfo(path="logins", top="logins", type="integer")})

    assert matches("logins gt 9", {"logins": 10}, numbers)
    assert not matches("logins gt 10", {"logins": 10}, numbers)
    with pytest.raises(InvalidFilter, match="number"):
        compile_filter(parse('logins gt "ten"'), numbers)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-02-12T17:45:42Z", datetime(2021, 2, 12, 17, 45, 42, tzinfo=UTC)),
        ("2021-02-12t17:45:42.5z", datetime(2021, 2, 12, 17, 45, 42, 500000, tzinfo=UTC)),
        ("2021-02-12T17:45:42", datetime(2021, 2, 12, 17, 45, 42, tzinfo=UTC)),
        (
            "2015-10-10T14:38:21.8617979-07:00",
            datetime(2015, 10, 10, 14, 38, 21, 861797, tzinfo=timezone(timedelta(hours=-7))),
        ),
        ("2021-02-12", None),
        ("2021-W06-5T00:00:00", None),
        ("20210212T174542Z", None),
        ("2021-02-30T00:00:00Z", None),
        ("x" * 100, None),
        (5, None),
    ],
)
def test_parse_datetime(text: object, expected: datetime | None) -> None:
    """RFC 3339 date-times with any offset become UTC instants; dates alone and other ISO shapes do not."""
    assert expected == parse_datetime(text)
