"""Register rows JC-21 to JC-27: `POST /api/search/systemusers` filter objects, limits and `$regex`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest

from .ledger import Contract
from .support import Target, body_of, error_body, settle

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


def test_jc_21_search_and_or_filters(target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """Search filters take `and`, `or` and lists (AND) of plain (exact) values; the answer is {totalCount, results}."""
    sales = make_user("s", department="Sales")
    ops = make_user("o", department="Ops")
    among = _among([sales["username"], ops["username"]])

    anded = settle(target, lambda: _usernames(_search(jc, {"filter": {"and": [among, {"department": "Sales"}]}})))
    listed = _search(jc, {"filter": [among, {"department": "Ops"}]})
    ored = _search(jc, {"filter": {"or": [{"username": sales["username"]}, {"username": ops["username"]}]}})
    case = _search(jc, {"filter": [among, {"department": "sales"}]})
    paged = _search(jc, {"filter": [among], "limit": 1, "skip": 1, "fields": "username"})
    bad = _search(jc, {"filter": [{"username": {"$exists": True}}]})

    contract.relies("`{and: [...]}` ANDs", [sales["username"]], anded)
    contract.relies("a list ANDs", [ops["username"]], _usernames(listed))
    contract.relies("`{or: [...]}` ORs", sorted([sales["username"], ops["username"]]), _usernames(ored))
    contract.relies("a plain value is case-sensitive", {"totalCount": 0, "results": []}, case.json())
    contract.relies(
        "skip/limit in the body page; totalCount counts all",
        (2, 1),
        (paged.json()["totalCount"], len(paged.json()["results"])),
    )
    contract.observes(
        "another operator (`$exists`)",
        (400, error_body(400, "unsupported filter operator: $exists")),
        (bad.status_code, body_of(bad)),
    )


def test_jc_22_search_accepts_limit_1000(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """Search accepts `limit` up to 1000, and refuses more with a 400."""
    user = make_user()

    ok = _search(jc, {"filter": [_among([user["username"]])], "limit": 1000})
    too_many = _search(jc, {"filter": [_among([user["username"]])], "limit": 1001})

    contract.relies("limit 1000 is accepted", 200, ok.status_code)
    contract.observes(
        "limit 1001", (400, error_body(400, "limit must be at most 1000")), (too_many.status_code, body_of(too_many))
    )


def test_jc_23_regex_inline_case_insensitive_flag(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`$regex` honours an inline `(?i)`, searches unanchored, and an invalid pattern is a 400."""
    user = make_user(lastname="McDonald")
    among = _among([user["username"]])

    insensitive = settle(
        target, lambda: _usernames(_search(jc, {"filter": [among, {"lastname": {"$regex": "(?i)(^mcdonald$)"}}]}))
    )
    sensitive = _search(jc, {"filter": [among, {"lastname": {"$regex": "^mcdonald$"}}]})
    unanchored = _search(jc, {"filter": [among, {"lastname": {"$regex": "Don"}}]})
    invalid = _search(jc, {"filter": [among, {"lastname": {"$regex": "(unclosed"}}]})

    contract.relies("an inline `(?i)` matches ignoring case", [user["username"]], insensitive)
    contract.relies("without it the match is case-sensitive", 0, sensitive.json()["totalCount"])
    contract.relies("a pattern is unanchored", [user["username"]], _usernames(unanchored))
    contract.relies("an invalid pattern is a 400, not a 5xx", 400, invalid.status_code)
    contract.observes("its body", error_body(400, "invalid regular expression in $regex"), body_of(invalid))


def test_jc_24_regex_options_is_rejected(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """A separate `$options` key is not supported: 400 unsupported filter operator (use inline `(?i)`)."""
    user = make_user()

    resp = _search(jc, {"filter": [{"username": {"$regex": f"^{user['username'].upper()}$", "$options": "i"}}]})

    contract.relies("`$options` is refused (the proxy uses inline `(?i)`)", 400, resp.status_code)
    contract.observes("the refusal", error_body(400, "unsupported filter operator: $options"), body_of(resp))


def test_jc_25_escaped_metacharacters_match_literally(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
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

    contract.relies("every escaped character matches only itself", [user["username"]], found)


def test_jc_26_search_filter_partial_match(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`searchFilter` matches part of any listed field, for any of several terms."""
    alice = make_user("a", lastname="Wonderland")
    bob = make_user("b", lastname="Builder")
    among = _among([alice["username"], bob["username"]])

    def found(spec: dict[str, Any]) -> list[str]:
        return _usernames(_search(jc, {"filter": [among], "searchFilter": spec}))

    one = settle(target, lambda: found({"searchTerm": "onderla", "fields": ["lastname"]}))
    both = found({"searchTerm": ["onderla", "uild"], "fields": ["lastname"]})
    upper = found({"searchTerm": "ONDERLA", "fields": ["lastname"]})

    contract.relies("a term matches part of a field", [alice["username"]], one)
    contract.relies("several terms match any", sorted([alice["username"], bob["username"]]), both)
    contract.observes("a term in other case (the emulator ignores case)", [alice["username"]], upper)


def test_jc_27_search_operators_the_filter_translation_sends(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`$nin`/`$in` with "" and null, two operators on one field, ISO strings against `created`, `_id` as text."""
    titled = make_user("t", jobTitle="Guide", external_dn="m1")
    plain = make_user("p")
    both = sorted([titled["username"], plain["username"]])
    among = _among(both)

    def found(condition: dict[str, Any]) -> list[str]:
        return _usernames(_search(jc, {"filter": {"and": [among, condition]}}))

    present = settle(target, lambda: found({"jobTitle": {"$nin": ["", None]}}))

    contract.relies('`$nin: ["", null]` finds set values', [titled["username"]], present)
    contract.relies(
        '`$in: ["", null]` finds unset values', [plain["username"]], found({"jobTitle": {"$in": ["", None]}})
    )
    contract.relies(
        "two operators in one condition", [titled["username"]], found({"external_dn": {"$gt": "m", "$ne": ""}})
    )
    contract.relies(
        "`created` compared with ISO strings",
        both,
        found({"created": {"$gte": "2000-01-01T00:00:00.000Z", "$lte": "2999-01-01T00:00:00.000Z"}}),
    )
    contract.relies("`created` before 2000 matches none", [], found({"created": {"$lt": "2000-01-01T00:00:00.000Z"}}))
    contract.relies("`_id` equals its 24-hex text", [titled["username"]], found({"_id": titled["_id"]}))
    contract.relies("`$ne` on `_id`", [plain["username"]], found({"_id": {"$ne": titled["_id"]}}))
    contract.relies(
        "`$ne: true` matches false and unset",
        both,
        found({"and": [{"suspended": {"$ne": True}}, {"password_expired": {"$ne": True}}]}),
    )
