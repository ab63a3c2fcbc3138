"""scim_proxy.scim.filter_syntax: the RFC 7644 filter grammar, parsed into a frozen AST, bounded."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filter_syntax import (
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    MAX_NODES,
    And,
    AttrPath,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    parse,
    parse_path,
)

E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def path(name: str, sub: str | None = None, uri: str | None = None) -> AttrPath:
    return AttrPath(uri, name, sub)


def eq(name: str, value: object, sub: str | None = None, raw: str | None = None) -> Compare:
    """`name[.sub] eq value`, with `raw` defaulting to the value's text."""
    return Compare(path(name, sub), "eq", value, raw if raw is not None else str(value))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('userName eq "bjensen"', eq("userName", "bjensen")),
        ('name.familyName co "O\'Malley"', Compare(path("name", "familyName"), "co", "O'Malley", "O'Malley")),
        ('userName sw "J"', Compare(path("userName"), "sw", "J", "J")),
        ('title ew "er"', Compare(path("title"), "ew", "er", "er")),
        ("title pr", Present(path("title"))),
        (
            'meta.lastModified gt "2011-05-13T04:42:34Z"',
            Compare(path("meta", "lastModified"), "gt", "2011-05-13T04:42:34Z", "2011-05-13T04:42:34Z"),
        ),
        (
            'meta.lastModified ge "2011-05-13T04:42:34Z"',
            Compare(path("meta", "lastModified"), "ge", "2011-05-13T04:42:34Z", "2011-05-13T04:42:34Z"),
        ),
        (
            'meta.lastModified lt "2011-05-13T04:42:34Z"',
            Compare(path("meta", "lastModified"), "lt", "2011-05-13T04:42:34Z", "2011-05-13T04:42:34Z"),
        ),
        (
            'meta.lastModified le "2011-05-13T04:42:34Z"',
            Compare(path("meta", "lastModified"), "le", "2011-05-13T04:42:34Z", "2011-05-13T04:42:34Z"),
        ),
        ('title ne "x"', Compare(path("title"), "ne", "x", "x")),
        ("active eq true", eq("active", True, raw="true")),
        ("active eq False", eq("active", False, raw="False")),
        ("title eq null", eq("title", None, raw="null")),
        ("employeeNumber eq 701984", eq("employeeNumber", 701984, raw="701984")),
        ("x eq -1.5e3", eq("x", -1500.0, raw="-1.5e3")),
        ("externalId eq jyoung", eq("externalId", "jyoung")),
        ("userName sw O", Compare(path("userName"), "sw", "O", "O")),
        (
            "meta.Created gt 2015-10-10T14:38:21.8617979-07:00",
            Compare(
                path("meta", "Created"), "gt", "2015-10-10T14:38:21.8617979-07:00", "2015-10-10T14:38:21.8617979-07:00"
            ),
        ),
        ('userName eq "a\\"b\\u00e9\\n"', eq("userName", 'a"bé\n')),
        ('USERNAME EQ "x"', eq("USERNAME", "x")),
        (f'{E}:department eq "Sales"', Compare(path("department", uri=E), "eq", "Sales", "Sales")),
        (f'{E}:manager.value eq "x"', Compare(path("manager", "value", E), "eq", "x", "x")),
        ("members.$ref pr", Present(path("members", "$ref"))),
    ],
)
def test_single_expressions_parse(text: str, tree: Filter) -> None:
    """Each operator, value kind and path shape of RFC 7644 section 3.4.2.2 parses to one node."""
    assert tree == parse(text)


def test_precedence_is_not_then_and_then_or() -> None:
    """`a or b and not (c)` groups as `a or (b and (not c))`."""
    a, b, c = (Present(path(n)) for n in "abc")

    assert Or((a, And((b, Not(c))))) == parse("a pr or b pr and not (c pr)")
    assert And((Or((a, b)), c)) == parse("(a pr or b pr) and c pr")


def test_keywords_and_operators_ignore_case() -> None:
    """`AND`, `Or`, `NOT` and `PR` are the keywords they spell."""
    a, b, c = (Present(path(n)) for n in "abc")

    assert Or((And((a, b)), Not(c))) == parse("a PR AND b pr Or NOT (c Pr)")


def test_same_connectives_flatten() -> None:
    """`a and (b and c)` is one And of three, so trees stay shallow."""
    a, b, c = (Present(path(n)) for n in "abc")

    assert And((a, b, c)) == parse("a pr and (b pr and c pr)")
    assert Or((a, b, c)) == parse("(a pr or b pr) or c pr")


def test_value_path_with_logic_inside() -> None:
    """`emails[type eq "work" and value co "@x"]` is one value path over both conditions."""
    tree = parse('emails[type eq "work" and value co "@example.com"]')

    assert (
        ValuePath(
            path("emails"),
            And((eq("type", "work"), Compare(path("value"), "co", "@example.com", "@example.com"))),
        )
        == tree
    )


@pytest.mark.parametrize(
    "text",
    [
        'emails[type eq "work"].value eq "a@x.com"',
        'emails[type eq "work"] eq "a@x.com"',
        'emails[type eq "work" and value eq "a@x.com"]',
    ],
)
def test_entra_value_path_forms_mean_the_same(text: str) -> None:
    """Entra's `emails[type eq "work"].value eq` (and the form without `.value`) compare that same email."""
    assert ValuePath(path("emails"), And((eq("type", "work"), eq("value", "a@x.com")))) == parse(text)


def test_value_path_sub_attribute_other_than_value() -> None:
    """`addresses[type eq "work"].postalCode pr` tests the named sub-attribute of the same value."""
    assert ValuePath(path("addresses"), And((eq("type", "work"), Present(path("postalCode"))))) == parse(
        'addresses[type eq "work"].postalCode pr'
    )


def test_value_path_combines_with_other_terms() -> None:
    """A value path is a factor like any other: `userName eq "a" and not (emails[primary eq true])`."""
    tree = parse('userName eq "a" and not (emails[primary eq true])')

    assert And((eq("userName", "a"), Not(ValuePath(path("emails"), eq("primary", True, raw="true"))))) == tree


@pytest.mark.parametrize(
    ("text", "position_hint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ('userName eq "a', "Unterminated"),
        ('userName eq "a\\q"', "Bad escape"),
        ('userName eq "a\u0001"', "control"),
        ("userName eq", "value"),
        ("userName", "operator"),
        ('userName like "a"', "Unknown operator"),
        ('userName eq "a" "b"', "expected 'and'"),
        ('userName eq "a" and', "expression"),
        ('(userName eq "a"', "')'"),
        ('userName eq "a")', "expected 'and'"),
        ('not userName eq "a"', "'('"),
        ('emails[type eq "work"', "']'"),
        ('emails[type eq "work"]', None),
        ('emails[value[type eq "x"] pr]', "cannot hold"),
        ('emails[name.givenName eq "x"]', "sub-attribute"),
        (f'emails[{E}:department eq "x"]', "sub-attribute"),
        ('name.given.name eq "x"', "not an attribute path"),
        ('9lives eq "x"', "not an attribute path"),
        ('user$name eq "x"', "not an attribute path"),
        ('and eq "x"', "not an attribute path"),
        ("userName eq and", "quote it"),
        ('userName eq ("a")', "expected a value"),
        ('emails[type eq "work"].9 eq "x"', "sub-attribute"),
        ('emails[type eq "work"].value', "operator"),
        ('"userName" eq "a"', "expected an attribute"),
    ],
)
def test_malformed_filters_are_invalid(text: str, position_hint: str | None) -> None:
    """Text outside the grammar is invalidFilter with a message saying what was expected."""
    if position_hint is None:  # a complete value path is valid: the control case
        parse(text)
        return
    with pytest.raises(InvalidFilter, match=re.escape(position_hint)):
        parse(text)


def test_length_is_capped_before_parsing() -> None:
    """A filter longer than MAX_FILTER_LENGTH is refused without being tokenised."""
    with pytest.raises(InvalidFilter, match="longer than"):
        parse('userName eq "' + "a" * MAX_FILTER_LENGTH + '"')


def test_nesting_is_capped() -> None:
    """More than MAX_DEPTH nested parentheses is invalidFilter, not a RecursionError."""
    ok = "(" * MAX_DEPTH + "a pr" + ")" * MAX_DEPTH
    too_deep = "(" * (MAX_DEPTH + 1) + "a pr" + ")" * (MAX_DEPTH + 1)
    nots = "not (" * (MAX_DEPTH + 1) + "a pr" + ")" * (MAX_DEPTH + 1)

    assert Present(path("a")) == parse(ok)
    with pytest.raises(InvalidFilter, match="levels deep"):
        parse(too_deep)
    with pytest.raises(InvalidFilter, match="levels deep"):
        parse(nots)


def test_node_count_is_capped() -> None:
    """A filter of more than MAX_NODES parts is invalidFilter, however short its terms."""
    with pytest.raises(InvalidFilter, match="parts"):
        parse(" or ".join(["a pr"] * (MAX_NODES + 1)))
    assert isinstance(parse(" or ".join(["a pr"] * (MAX_NODES - 1))), Or)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("userName", path("userName")),
        (" name.familyName ", path("name", "familyName")),
        (f"{E}:employeeNumber", path("employeeNumber", uri=E)),
    ],
)
def test_parse_path_alone(text: str, expected: AttrPath) -> None:
    """A sortBy value parses as one attribute path."""
    assert expected == parse_path(text)


@pytest.mark.parametrize("text", ["", "user name", "emails[type eq work]", '"x"', "a.b.c"])
def test_parse_path_rejects_non_paths(text: str) -> None:
    """Anything but one attribute path is invalidFilter (the sort code turns it into invalidValue)."""
    with pytest.raises(InvalidFilter):
        parse_path(text)


def test_attr_path_key_is_case_folded_and_str_is_as_written() -> None:
    """Resolution uses the case-folded key; messages show the path as the client wrote it."""
    written = AttrPath(E, "Department", None)

    assert f"{E.lower()}:department" == written.key
    assert f"{E}:Department" == str(written)


@given(st.text(alphabet=st.sampled_from(list('ab ()[]".\\:eqandorntpr0-')), max_size=60))
def test_any_text_parses_or_is_invalid_filter(text: str) -> None:
    """No input makes the parser fail with anything but InvalidFilter."""
    with contextlib.suppress(InvalidFilter):
        parse(text)
