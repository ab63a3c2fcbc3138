"""translate.search.regex_equal and escape_regex: a value in a `$regex` matches itself, literally, and nothing else."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from scim_proxy.translate.search import escape_regex, regex_equal

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
    pattern = re.compile(regex_equal(value)["$regex"])
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
