"""Register rows JC-21 to JC-27: `POST /api/search/systemusers` filter objects, limits and `$regex`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest

from .support import Target, error_body, live_stops_here, settle

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]
REGEX_PUNCTUATION = "\\.+*?^$()[]{}|/-#&~'\" "  # the characters JC-25 and JC-92 escape


def _search(jc: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return jc.post("/api/search/systemusers", json=body)


def _usernames(resp: httpx.Response) -> list[str]:
    assert 200 == resp.status_code, resp.text
    return sorted(user["username"] for user in resp.json()["results"])


def _among(usernames: Sequence[str]) -> dict[str, Any]:
    """A condition that keeps a search to this test's users."""
    return {"username": {"$in": list(usernames)}}


def test_jc_21_search_and_or_filters(target: Target, jc: httpx.Client, make_user: MakeUser) -> None:
    """Search filters take `and`, `or` and lists (AND) of plain (exact) values; the answer is {totalCount, results}."""
    sales = make_user("s", department="Sales")
    ops = make_user("o", department="Ops")
    among = _among([sales["username"], ops["username"]])

    anded = settle(target, lambda: _usernames(_search(jc, {"filter": {"and": [among, {"department": "Sales"}]}})))
    listed = _search(jc, {"filter": [among, {"department": "Ops"}]})
    ored = _search(jc, {"filter": {"or": [{"username": sales["username"]}, {"username": ops["username"]}]}})
    case = _search(jc, {"filter": [among, {"department": "sales"}]})
    paged = _search(jc, {"filter": [among], "limit": 1, "skip": 1, "fields": "username"})

    assert [sales["username"]] == anded
    assert [ops["username"]] == _usernames(listed)
    assert sorted([sales["username"], ops["username"]]) == _usernames(ored)
    assert {"totalCount": 0, "results": []} == case.json()
    assert (2, 1) == (paged.json()["totalCount"], len(paged.json()["results"]))
    if live_stops_here(target, "the refusal of other operators is the emulator's choice"):
        return
    bad = _search(jc, {"filter": [{"username": {"$exists": True}}]})
    assert (400, error_body(400, "unsupported filter operator: $exists")) == (bad.status_code, bad.json())


def test_jc_22_search_accepts_limit_1000(jc: httpx.Client, make_user: MakeUser) -> None:
    """Search accepts `limit` up to 1000, and refuses more with a 400."""
    user = make_user()

    ok = _search(jc, {"filter": [_among([user["username"]])], "limit": 1000})
    too_many = _search(jc, {"filter": [_among([user["username"]])], "limit": 1001})

    assert 200 == ok.status_code
    assert (400, error_body(400, "limit must be at most 1000")) == (too_many.status_code, too_many.json())


def test_jc_23_regex_inline_case_insensitive_flag(target: Target, jc: httpx.Client, make_user: MakeUser) -> None:
    """`$regex` honours an inline `(?i)`, searches unanchored, and an invalid pattern is a 400."""
    user = make_user(lastname="McDonald")
    among = _among([user["username"]])

    insensitive = settle(
        target, lambda: _usernames(_search(jc, {"filter": [among, {"lastname": {"$regex": "(?i)(^mcdonald$)"}}]}))
    )
    sensitive = _search(jc, {"filter": [among, {"lastname": {"$regex": "^mcdonald$"}}]})
    unanchored = _search(jc, {"filter": [among, {"lastname": {"$regex": "Don"}}]})
    invalid = _search(jc, {"filter": [among, {"lastname": {"$regex": "(unclosed"}}]})

    assert [user["username"]] == insensitive
    assert 0 == sensitive.json()["totalCount"]
    assert [user["username"]] == _usernames(unanchored)
    assert (400, error_body(400, "invalid regular expression in $regex")) == (invalid.status_code, invalid.json())


def test_jc_24_regex_options_is_rejected(jc: httpx.Client, make_user: MakeUser) -> None:
    """A separate `$options` key is not supported: 400 unsupported filter operator (use inline `(?i)`)."""
    user = make_user()

    resp = _search(jc, {"filter": [{"username": {"$regex": f"^{user['username'].upper()}$", "$options": "i"}}]})

    assert (400, error_body(400, "unsupported filter operator: $options")) == (resp.status_code, resp.json())


def test_jc_25_escaped_metacharacters_match_literally(target: Target, jc: httpx.Client, make_user: MakeUser) -> None:
    """Backslash-escaped punctuation in `$regex` matches literally, each character of JC-25's list."""
    literal = f"a{REGEX_PUNCTUATION}z"
    user = make_user("lit", description=literal)
    decoy = make_user("decoy", description="a" + "x" * len(REGEX_PUNCTUATION) + "z")
    escaped = "".join(f"\\{c}" if c in REGEX_PUNCTUATION else c for c in literal)
    among = _among([user["username"], decoy["username"]])

    found = settle(
        target,
        lambda: _usernames(_search(jc, {"filter": [among, {"description": {"$regex": f"(?i)(^{escaped}$)"}}]})),
    )

    assert [user["username"]] == found


def test_jc_26_search_filter_partial_match(target: Target, jc: httpx.Client, make_user: MakeUser) -> None:
    """`searchFilter` matches part of any listed field, for any of several terms."""
    alice = make_user("a", lastname="Wonderland")
    bob = make_user("b", lastname="Builder")
    among = _among([alice["username"], bob["username"]])

    def found(spec: dict[str, Any]) -> list[str]:
        return _usernames(_search(jc, {"filter": [among], "searchFilter": spec}))

    one = settle(target, lambda: found({"searchTerm": "onderla", "fields": ["lastname"]}))
    both = found({"searchTerm": ["onderla", "uild"], "fields": ["lastname"]})

    assert [alice["username"]] == one
    assert sorted([alice["username"], bob["username"]]) == both
    if live_stops_here(target, "case handling of searchFilter is the emulator's choice"):
        return
    assert [alice["username"]] == found({"searchTerm": "ONDERLA", "fields": ["lastname"]})


def test_jc_27_search_operators_the_filter_translation_sends(
    target: Target, jc: httpx.Client, make_user: MakeUser
) -> None:
    """`$nin`/`$in` with "" and null, two operators on one field, ISO strings against `created`, `_id` as text."""
    titled = make_user("t", jobTitle="Guide", external_dn="m1")
    plain = make_user("p")
    both = sorted([titled["username"], plain["username"]])
    among = _among(both)

    def found(condition: dict[str, Any]) -> list[str]:
        return _usernames(_search(jc, {"filter": {"and": [among, condition]}}))

    present = settle(target, lambda: found({"jobTitle": {"$nin": ["", None]}}))

    assert [titled["username"]] == present
    assert [plain["username"]] == found({"jobTitle": {"$in": ["", None]}})
    assert [titled["username"]] == found({"external_dn": {"$gt": "m", "$ne": ""}})
    assert both == found({"created": {"$gte": "2000-01-01T00:00:00.000Z", "$lte": "2999-01-01T00:00:00.000Z"}})
    assert [] == found({"created": {"$lt": "2000-01-01T00:00:00.000Z"}})
    assert [titled["username"]] == found({"_id": titled["_id"]})
    assert [plain["username"]] == found({"_id": {"$ne": titled["_id"]}})
    assert both == found({"and": [{"suspended": {"$ne": True}}, {"password_expired": {"$ne": True}}]})
