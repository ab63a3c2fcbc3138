"""The pure pieces: filter parsing, ObjectIds and timestamps, with no HTTP in sight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devtools.emulator.errors import BadRequest
from devtools.emulator.filters import Term, parse_term, parse_v2_filter, parse_v2_term, term_matches
from devtools.emulator.store import ObjectIds, OrgStore


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("username:$eq:jdoe", Term("username", "$eq", ("jdoe",))),
        ("description:$eq:a:b:c", Term("description", "$eq", ("a:b:c",))),
        ("jobTitle:$eq:a|b", Term("jobTitle", "$eq", ("a|b",))),
        ("username:$in:a|b\\|c|", Term("username", "$in", ("a", "b|c", ""))),
        ("username:$sw:x", Term("username", "$sw", ("x",))),
        ("username:$eq:", Term("username", "$eq", ("",))),
    ],
)
def test_parse_term(text: str, term: Term) -> None:
    """The field ends at the first colon, the operator at the second; multi-term values split on bare bars."""
    assert term == parse_term(text)


@pytest.mark.parametrize(
    ("text", "term"),
    [("name:eq:A B", Term("name", "$eq", ("A B",))), ("name:le:x", Term("name", "$lte", ("x",)))],
)
def test_parse_v2_term(text: str, term: Term) -> None:
    """v2 operators have no `$` and map onto the v1 comparisons."""
    assert term == parse_v2_term(text)


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("Sales*", "Sales EMEA", True),
        ("Sales*", "sales EMEA", False),
        ("*EMEA", "Sales EMEA", True),
        ("S*s*A", "Sales EMEA", True),
        ("S*x*A", "Sales EMEA", False),
        ("a*a", "a", False),
        ("*", "", True),
        ("**", "x", True),
    ],
)
def test_v2_eq_wildcards(pattern: str, name: str, expected: bool) -> None:
    """A `*` in a v2 `eq` value stands for any run of characters; the rest matches exactly, case included."""
    assert expected is term_matches({"name": name}, parse_v2_term(f"name:eq:{pattern}", wildcards=True))


def test_v2_filter_value_is_comma_separated() -> None:
    """One `filter=` value holding commas is several terms, as a Swagger 2 array without collectionFormat."""
    assert [Term("name", "$eq", ("a",)), Term("type", "$eq", ("b",))] == parse_v2_filter("name:eq:a,type:eq:b", True)
    with pytest.raises(BadRequest):
        parse_v2_filter("name:eq:a, b", True)


def test_eventually_consistent_operators_need_the_flag() -> None:
    """`$co` parses only when the caller sent `x-eventually-consistent: true`."""
    with pytest.raises(BadRequest):
        parse_term("username:$co:a")
    assert parse_term("username:$co:a|b", eventually_consistent=True).values == ("a", "b")


def test_object_ids_keep_increasing_when_the_clock_goes_back() -> None:
    """Ids increase strictly even if the clock steps backwards."""
    times = iter([datetime(2024, 1, 1, tzinfo=UTC) - timedelta(seconds=s) for s in (0, 5, 10)])
    new_id = ObjectIds(lambda: next(times))

    ids = [new_id() for _ in range(3)]

    assert sorted(set(ids)) == ids


def test_created_is_utc_with_milliseconds() -> None:
    """`created` is ISO-8601 UTC with exactly three fractional digits and a Z, whatever the clock's zone."""
    moment = datetime(2021, 2, 12, 18, 45, 42, 369999, tzinfo=UTC).astimezone(datetime.now().astimezone().tzinfo)
    store = OrgStore(org_id="o" * 24, default_state="ACTIVATED", new_id=ObjectIds(lambda: moment), clock=lambda: moment)

    assert store.create_user({"username": "a", "email": "a@example.com"})["created"] == "2021-02-12T18:45:42.369Z"
