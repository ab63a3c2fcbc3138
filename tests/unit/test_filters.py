"""scim_proxy.scim.filters: the `eq`/`and` subset Entra sends, translated into exact JumpCloud searches."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filters import (
    MAX_FILTER_LENGTH,
    Term,
    escape_regex,
    matches,
    parse_filter,
    requested_id,
    to_search_filter,
)
from scim_proxy.scim.models import ScimUser
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA

BY_FIELD = DEFAULT_USER_SCHEMA.by_field


E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_ID = "64b0c0ffee0000000000abcd"
MANAGER_ID = "64b0c0ffee0000000000aaaa"


def regex(escaped: str) -> dict[str, str]:
    """The case-insensitive anchored `$regex` operator for an already escaped value."""
    return {"$regex": f"(?i)(^{escaped}$)"}


@pytest.mark.parametrize(
    ("text", "query"),
    [
        (
            'userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"',
            [{"username": regex(r"Test_User_00aa00aa\-bb11\-cc22\-dd33\-44ee44ee44ee")}],
        ),
        ('userName eq "first.last"', [{"username": regex(r"first\.last")}]),
        ('USERNAME EQ "x"', [{"username": regex("x")}]),
        (
            'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
            [{"external_dn": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"}],
        ),
        ("externalId eq jyoung", [{"external_dn": "jyoung"}]),
        ('externalId eq "a.b*c"', [{"external_dn": "a.b*c"}]),
        ('emails[type eq "work"].value eq "user@contoso.com"', [{"email": regex(r"user\@contoso\.com")}]),
        ('emails[type eq "work"] eq "user@contoso.com"', [{"email": regex(r"user\@contoso\.com")}]),
        ('emails.value eq "a+tag@x.co"', [{"email": regex(r"a\+tag\@x\.co")}]),
        ('displayName eq "Babs Jensen"', [{"displayname": regex(r"Babs\ Jensen")}]),
        (f'{E}:employeeNumber eq "701984"', [{"employeeIdentifier": regex("701984")}]),
        (f"id eq {USER_ID} and manager eq {MANAGER_ID}", [{"manager": MANAGER_ID}]),
        (f'id eq "{USER_ID}"', []),
        ('userName eq "a" and externalId eq "b"', [{"username": regex("a")}, {"external_dn": "b"}]),
        ('userName Eq "a" AND externalId eq "b"', [{"username": regex("a")}, {"external_dn": "b"}]),
        ('userName eq "a\\"b"', [{"username": regex(r"a\"b")}]),
        ('userName eq "null"', [{"username": regex("null")}]),
    ],
)
def test_filters_translate_to_search(text: str, query: list[dict[str, Any]]) -> None:
    """Each filter Entra sends becomes this exact search: a regex when case-insensitive, else plain."""
    assert query == to_search_filter(parse_filter(text))


@pytest.mark.parametrize(
    "text",
    [
        'userName co "a"',
        'userName sw "a"',
        'userName ew "a"',
        'userName ne "a"',
        "userName pr",
        'userName eq "a" or userName eq "b"',
        'not (userName eq "a")',
        '(userName eq "a")',
        'userName eq "a" and (externalId eq "b")',
        "active eq true",
        'active eq "True"',
        'nickName eq "x"',
        'phoneNumbers[type eq "work"].value eq "1"',
        'emails[type eq "home"].value eq "a@b.co"',
        'meta.lastModified gt "2011-05-13T04:42:34Z"',
        'userName eq "a',
        'userName eq a"b',
        "userName eq 'a\"",
        'userName eq "a\\q"',
        'userName eq "a" "b"',
        'userName eq "a" and',
        "userName eq",
        "userName",
        "",
        "   ",
        "userName eq null",
        'emails[type eq "work".value eq "a@b.co"',
        'user name eq "a"',
        'userName eq "' + "a" * MAX_FILTER_LENGTH + '"',
    ],
)
def test_unsupported_filters_are_invalid(text: str) -> None:
    """Anything outside `<attribute> eq <value>` joined by `and` is invalidFilter, never approximated."""
    with pytest.raises(InvalidFilter):
        parse_filter(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "a"', None),
        (f"id eq {USER_ID}", USER_ID),
        (f'id eq "{USER_ID}" and userName eq "a"', USER_ID),
        ('id eq "not-an-object-id"', ""),
        (f"id eq {USER_ID.upper()}", USER_ID),
        (f"id eq {USER_ID} and id eq {MANAGER_ID}", ""),
        (f"id eq {USER_ID} and id eq {USER_ID}", USER_ID),
        ('id eq "64b0c0ffee0000000000abcd\\n"', ""),
    ],
)
def test_requested_id(text: str, expected: str | None) -> None:
    """An `id eq` term asks for one JumpCloud id, any case; an id that cannot exist (bad shape, two ids) reads as ""."""
    assert expected == requested_id(parse_filter(text))


def test_username_from_email_searches_the_local_part() -> None:
    """With username_from_email, `userName eq "<UPN>"` looks up the part before '@' JumpCloud holds."""
    terms = parse_filter('userName eq "First.Last@contoso.com"')

    assert [{"username": regex(r"First\.Last")}] == to_search_filter(terms, username_from_email=True)
    assert [{"username": regex(r"First\.Last\@contoso\.com")}] == to_search_filter(terms)


USER = ScimUser(
    id=USER_ID,
    values={
        "user_name": "first.last",
        "email": "First.Last@Contoso.com",
        "external_id": "0a21f0f2-8d2a",
        "manager": MANAGER_ID,
    },
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "FIRST.LAST"', True),
        ('userName eq "firstXlast"', False),
        ('emails[type eq "work"].value eq "first.last@contoso.com"', True),
        ('externalId eq "0a21f0f2-8d2a"', True),
        ('externalId eq "0A21F0F2-8D2A"', False),
        (f"id eq {USER_ID}", True),
        (f"id eq {MANAGER_ID}", False),
        (f"id eq {USER_ID} and manager eq {MANAGER_ID}", True),
        (f"id eq {USER_ID} and manager eq {USER_ID}", False),
        ('displayName eq "x"', False),
    ],
)
def test_matches(text: str, expected: bool) -> None:
    """matches() applies the search's case rules: case-folded for userName and emails, exact for ids."""
    assert expected is matches(USER, parse_filter(text))


def test_matches_with_username_from_email() -> None:
    """With username_from_email, a UPN filter matches the user whose username is its local part."""
    terms = parse_filter('userName eq "first.last@contoso.com"')

    assert matches(USER, terms, username_from_email=True)
    assert not matches(USER, terms)


def test_terms_keep_the_attribute_and_value() -> None:
    """parse_filter returns one Term per `eq`, with None standing for the resource id."""
    assert (Term(BY_FIELD["external_id"], "x y"), Term(None, USER_ID)) == parse_filter(
        f'externalId eq "x y" and id eq {USER_ID}'
    )


NASTY = [
    "first.last",
    "a+tag@example.com",
    'quote"inside',
    "single'quote",
    "back\\slash",
    "dollar$sign",
    "^caret",
    "pipe|or",
    "comma,separated",
    "colon:value",
    "spaces in value",
    " leading and trailing ",
    "(group)",
    "[class]",
    "{1,3}",
    "star*plus+question?",
    "hash#tilde~",
    "slash/and%percent",
    "tab\tnewline\n",
    "\\d\\w\\s",
    "\\1 backref",
    "(?i)inline",
    "$where",
    "Ünïcødé-ユーザー",
    "emoji😀",
    "ß",
    "",
]


def _mutations(value: str) -> list[str]:
    """`value` with one position replaced by a character no case-insensitive match can equate with it."""
    out = []
    for i, char in enumerate(value):
        replacement = "Y" if char.lower() == "x" else "X"
        out.append(value[:i] + replacement + value[i + 1 :])
    return out


def _check_literal(value: str) -> None:
    pattern = re.compile(to_search_filter((Term(BY_FIELD["user_name"], value),))[0]["username"]["$regex"])
    assert pattern.search(value) is not None
    if value.isascii():
        assert pattern.search(value.swapcase()) is not None
    for other in _mutations(value):
        assert pattern.search(other) is None, (value, other)
    assert pattern.search(value + "X") is None
    assert pattern.search("X" + value) is None


@pytest.mark.parametrize("value", NASTY)
def test_escaped_regex_matches_only_the_literal(value: str) -> None:
    """The `$regex` for a nasty value matches it (in any case) and nothing differing in one character."""
    _check_literal(value)


@given(st.text(max_size=40))
@example(".")
@example("a.b")
def test_escaped_regex_matches_only_the_literal_property(value: str) -> None:
    """For any text the `$regex` matches it, and nothing differing in one position or one extra character."""
    _check_literal(value)


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("first.last", r"first\.last"),
        ("a+b@c.d", r"a\+b\@c\.d"),
        ("under_score", "under_score"),
        ("ÜnÏ", "ÜnÏ"),
        ("a b", r"a\ b"),
        ("$|,:", r"\$\|\,\:"),
    ],
)
def test_escape_regex_backslashes_ascii_punctuation_only(value: str, escaped: str) -> None:
    """Only ASCII punctuation and whitespace get a backslash; letters, digits, `_` and non-ASCII stay bare."""
    assert escaped == escape_regex(value)
