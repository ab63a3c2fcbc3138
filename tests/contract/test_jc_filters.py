"""Register rows JC-10 to JC-20: `GET /api/systemusers` paging, sorting, projection and v1 filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest

from .ledger import Contract, at_most, containing, one_of
from .support import Names, Target, body_of, email_of, emulator_only, error_body, iter_pages, message_of, settle

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]


def _among(usernames: Sequence[str]) -> str:
    """A `$in` filter term that keeps a query to this test's users (other users may share the org)."""
    return "username:$in:" + "|".join(usernames)


def _usernames(resp: httpx.Response) -> list[str]:
    assert 200 == resp.status_code, resp.text
    return [user["username"] for user in resp.json()["results"]]


def test_jc_10_list_limit_above_100_is_rejected(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`limit` defaults to 10 and is limited to 100 (the emulator refuses more with a 400)."""
    created = [make_user(f"l{n}")["username"] for n in range(11)]
    default_page = settle(target, lambda: _full_default_page(jc, created))
    too_many = jc.get("/api/systemusers", params={"limit": "101"})
    zero = jc.get("/api/systemusers", params={"limit": "0", "filter": _among(created)})
    negative = jc.get("/api/systemusers", params={"limit": "-1"})
    negative_skip = jc.get("/api/systemusers", params={"skip": "-1"})

    contract.relies("the default page holds 10 users", 10, len(default_page))
    contract.relies("limit=101 is refused or clamped, never a 5xx", one_of(200, 400), too_many.status_code)
    if too_many.status_code == 200:
        contract.relies("a clamped page holds at most 100", at_most(100), len(too_many.json()["results"]))
    contract.observes(
        "limit=101", (400, error_body(400, "limit must be at most 100")), (too_many.status_code, body_of(too_many))
    )
    contract.observes("limit=0", (200, {"totalCount": 11, "results": []}), (zero.status_code, body_of(zero)))
    contract.observes(
        "limit=-1",
        (400, error_body(400, "limit must be a non-negative integer")),
        (negative.status_code, body_of(negative)),
    )
    contract.observes("skip=-1", 400, negative_skip.status_code)


def _full_default_page(jc: httpx.Client, created: list[str]) -> list[str]:
    resp = jc.get("/api/systemusers", params={"filter": _among(created)})
    assert 11 == resp.json()["totalCount"]
    return _usernames(resp)


def test_jc_11_paging_with_sort_id_is_stable(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """Paging with sort=_id visits every match once in id order; totalCount counts all; past the end is empty."""
    users = [make_user(f"p{n}") for n in range(3)]
    names = [u["username"] for u in users]

    def pages() -> list[dict[str, Any]]:
        return [
            jc.get(
                "/api/systemusers", params={"filter": _among(names), "sort": "_id", "limit": "2", "skip": str(skip)}
            ).json()
            for skip in iter_pages(3, 2)
        ]

    first, second = settle(target, lambda: _two_pages(pages()))
    past_end = jc.get("/api/systemusers", params={"filter": _among(names), "sort": "_id", "skip": "3"})

    contract.relies(
        "two pages visit every match once, in id order",
        sorted(u["_id"] for u in users),
        [u["_id"] for u in first["results"] + second["results"]],
    )
    contract.relies("totalCount counts every match", [3, 3], [first["totalCount"], second["totalCount"]])
    contract.relies("a page past the end is empty", {"totalCount": 3, "results": []}, past_end.json())


def _two_pages(pages: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    assert [3, 3] == [page["totalCount"] for page in pages]
    assert [2, 1] == [len(page["results"]) for page in pages]
    return pages[0], pages[1]


def test_jc_12_fields_projection_keeps_id(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`fields` is a space-separated projection that keeps `_id` and `id`; `sort` takes `-` for descending."""
    a = make_user("a", firstname="Alpha")
    b = make_user("b", firstname="Beta")
    among = _among([a["username"], b["username"]])

    def projected() -> httpx.Response:
        resp = jc.get(
            "/api/systemusers", params={"filter": among, "fields": "username firstname", "sort": "-firstname"}
        )
        assert 2 == resp.json()["totalCount"]
        return resp

    results = settle(target, projected).json()["results"]

    contract.relies("a projection keeps `_id`", [True, True], ["_id" in user for user in results])
    contract.relies("`-firstname` sorts descending", ["Beta", "Alpha"], [user.get("firstname") for user in results])
    contract.observes("the projected keys", [{"_id", "id", "username", "firstname"}] * 2, [set(u) for u in results])
    contract.observes("`id` is kept too", [b["_id"], a["_id"]], [user.get("id") for user in results])


def test_jc_13_filter_eq_finds_exact_username(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`filter=username:$eq:<name>` finds exactly that user (the `$` is mandatory)."""
    user = make_user()
    other = make_user()

    def found() -> list[str]:
        return _usernames(jc.get("/api/systemusers", params={"filter": f"username:$eq:{user['username']}"}))

    eq = settle(target, found)
    both = _among([user["username"], other["username"]])
    ne = jc.get("/api/systemusers", params={"filter": [both, f"username:$ne:{user['username']}"]})
    without_dollar = jc.get("/api/systemusers", params={"filter": f"username:eq:{user['username']}"})

    contract.relies("`$eq` finds exactly that user", [user["username"]], eq)
    contract.relies("`$ne` excludes them", [other["username"]], _usernames(ne))
    contract.observes("a filter without `$` (undefined; the emulator refuses it)", 400, without_dollar.status_code)
    contract.observes("its message", containing("invalid filter"), message_of(without_dollar))


def test_jc_14_contains_operator_requires_eventually_consistent_header(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`$co` needs `x-eventually-consistent: true` (a 400 without it); `$sw` works without the header."""
    user = make_user()
    middle = user["username"][-5:-1]
    params = {"filter": [f"username:$co:{middle}", _among([user["username"]])]}

    without = jc.get("/api/systemusers", params=params)
    with_header = settle(
        target,
        lambda: _one(jc.get("/api/systemusers", params=params, headers={"x-eventually-consistent": "true"})),
    )
    starts = settle(
        target,
        lambda: _one(jc.get("/api/systemusers", params={"filter": f"username:$sw:{user['username'][:-1]}"})),
    )

    contract.relies("`$co` without the header is refused", 400, without.status_code)
    contract.relies(
        "`$co` with the header and `$sw` without it find the user", [user["username"]] * 2, [with_header, starts]
    )
    contract.observes("the refusal names the header", containing("x-eventually-consistent"), message_of(without))


def _one(resp: httpx.Response) -> str:
    (found,) = _usernames(resp)
    return found


def test_jc_15_in_operator_splits_on_unescaped_bar(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """`$in` splits its value on `|`, and `\\|` is a literal bar."""
    barred = make_user("bar", department="R|D")
    plain = make_user("plain", department="R")
    among = _among([barred["username"], plain["username"]])

    def departments(value: str) -> list[str]:
        resp = jc.get("/api/systemusers", params={"filter[0]": among, "filter[1]": f"department:$in:{value}"})
        return sorted(_usernames(resp))

    both = settle(target, lambda: departments("R|nothing|R\\|D"))

    contract.relies("`|` separates terms", sorted([barred["username"], plain["username"]]), both)
    contract.relies("`\\|` is a literal bar", [barred["username"]], departments("R\\|D"))
    contract.relies("an unescaped bar splits", [plain["username"]], departments("R|D"))


def test_jc_16_filter_value_may_contain_colons(
    target: Target, jc: httpx.Client, make_user: MakeUser, names: Names, contract: Contract
) -> None:
    """A filter value may contain `:`: the value is everything after the second colon."""
    dn = f"urn:scim-proxy:{names.user('dn')}:x"
    user = make_user(external_dn=dn)

    found = settle(target, lambda: _one(jc.get("/api/systemusers", params={"filter": f"external_dn:$eq:{dn}"})))

    contract.relies("the value is everything after the second colon", user["username"], found)


def test_jc_17_repeated_filter_params_are_anded(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """Repeated plain `filter=` parameters are ANDed, and `filter[or][n]=` parameters are ORed."""
    sales = make_user("s", department="Sales")
    ops = make_user("o", department="Ops")
    among = _among([sales["username"], ops["username"]])

    anded = settle(
        target,
        lambda: _usernames(jc.get("/api/systemusers", params=[("filter", among), ("filter", "department:$eq:Sales")])),
    )
    ored = jc.get(
        "/api/systemusers",
        params={
            "filter[or][0]": f"username:$eq:{sales['username']}",
            "filter[or][1]": f"username:$eq:{ops['username']}",
            "sort": "_id",
        },
    )

    contract.relies("repeated `filter=` are ANDed", [sales["username"]], anded)
    contract.relies("`filter[or][n]=` are ORed", [sales["username"], ops["username"]], _usernames(ored))


def test_jc_18_filter_eq_is_case_sensitive(
    target: Target, jc: httpx.Client, make_user: MakeUser, contract: Contract
) -> None:
    """v1 filter values compare case-sensitively: `$eq` with other case finds nothing."""
    user = make_user(lastname="Doe")
    among = _among([user["username"]])

    exact = settle(target, lambda: _one(jc.get("/api/systemusers", params={"filter": [among, "lastname:$eq:Doe"]})))
    other_case = jc.get("/api/systemusers", params={"filter": [among, "lastname:$eq:DOE"]})

    contract.relies("`$eq` finds the exact value", user["username"], exact)
    contract.relies("`$eq` with other case finds nothing", {"totalCount": 0, "results": []}, other_case.json())


def test_jc_19_plus_in_email_filter_is_percent_encoded(
    target: Target, jc: httpx.Client, make_user: MakeUser, names: Names, contract: Contract
) -> None:
    """`@` and `+` in a filter value must be percent-encoded; a raw `+` reads as a space."""
    username = names.user("plus")
    email = email_of(username).replace("@", "+tag@")
    make_user(username=username, email=email)

    encoded = settle(target, lambda: _one(jc.get("/api/systemusers", params={"filter": f"email:$eq:{email}"})))
    raw = jc.get(f"/api/systemusers?filter=email:$eq:{email}")

    contract.relies("a percent-encoded `+` matches", username, encoded)
    contract.observes("a raw `+` reads as a space", {"totalCount": 0, "results": []}, body_of(raw))


def test_jc_20_get_search_param_is_refused_by_emulator(target: Target, jc: httpx.Client, contract: Contract) -> None:
    """The emulator refuses GET's `search` parameter, whose encoding is unknown; the proxy never sends it."""
    emulator_only(target, "JumpCloud accepts `search` in some unknown encoding; only the emulator refuses it")
    resp = jc.get("/api/systemusers", params={"search": "x"})

    contract.relies("the emulator refuses `search`", 400, resp.status_code)
    contract.observes(
        "the refusal",
        error_body(400, "the search query parameter is not supported; use POST /api/search/systemusers"),
        body_of(resp),
    )
