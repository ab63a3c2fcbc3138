"""Generated filters over generated users: JumpCloud's answer to our translation equals (or contains) the exact answer.

The exact answer is scim/filter_eval.py over the resources the proxy renders; JumpCloud's is the
emulator's search (devtools/emulator/search.py, our model of JumpCloud's documented search) over
the stored records. An exact translation must give the same users, a superset must miss none.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.emulator.search import body_predicate
from scim_proxy.errors import InvalidFilter
from scim_proxy.jumpcloud.decode import make_jc_converter
from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.filter_eval import compile_filter
from scim_proxy.scim.filter_schema import user_filter_attributes
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, ENTERPRISE_USER
from scim_proxy.translate.render import render_user
from scim_proxy.translate.search import user_search
from scim_proxy.translate.search_rules import user_search_rules
from scim_proxy.translate.users import DEFAULT_MAPPING, to_scim_user

USERS = user_filter_attributes(DEFAULT_USER_SCHEMA)
RULES = user_search_rules(DEFAULT_MAPPING)
JC = make_jc_converter()
IDS = [f"64b0c0ffee00000000000{n:03x}" for n in range(8)]
WORDS = ["", "ann", "Ann", "ANN.X", "b+o", "bob", "zed", "Zed", "é", "É", "a b"]
DATES = ["2021-02-12T17:45:42.369Z", "2021-02-12T17:45:42.370Z", "2023-01-01T00:00:00.000Z"]
TEXT_PATHS = [
    "userName",
    "name.givenName",
    "name.familyName",
    "displayName",
    "emails.value",
    "emails",
    "emails.type",
    "title",
    "externalId",
    f"{ENTERPRISE_USER}:department",
    "department",
    f"{ENTERPRISE_USER}:employeeNumber",
    f"{ENTERPRISE_USER}:manager.value",
    f"{ENTERPRISE_USER}:manager",
    "id",
]
FILTER_DATES = ["2021-02-12T17:45:42.369Z", "2021-02-12T17:45:42.3695Z", "2021-02-12T19:45:42.37+02:00", "2022-06-01"]


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to 8 JumpCloud users, with values from small pools so filters hit and miss."""
    users = []
    for index in range(draw(st.integers(0, 8))):
        word = st.sampled_from(WORDS)
        users.append(
            {
                "_id": IDS[index],
                "username": draw(st.sampled_from(["ann", "Ann.x", "bob", "zed"])) + str(index),
                "email": draw(st.sampled_from(["ann@x.com", "Bob@Y.org", "z+d@x.com"])),
                "firstname": draw(word),
                "lastname": draw(word),
                "displayname": draw(word),
                "jobTitle": draw(word),
                "department": draw(word),
                "external_dn": draw(word),
                "employeeIdentifier": draw(st.sampled_from([None, "701", "ann"])),
                "manager": draw(st.sampled_from([None, IDS[0], IDS[1]])),
                "created": draw(st.sampled_from(DATES)),
                "state": draw(st.sampled_from(["ACTIVATED", "STAGED", "SUSPENDED"])),
                "suspended": draw(st.booleans()),
                "password_expired": draw(st.booleans()),
            }
        )
    return users


def leaves() -> st.SearchStrategy[str]:
    text = st.builds(
        lambda path, op, value: f"{path} {op} {json.dumps(value)}",
        st.sampled_from(TEXT_PATHS),
        st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]),
        st.sampled_from([*WORDS, IDS[0], IDS[0].upper(), "work", "WORK", "x.com"]),
    )
    dates = st.builds(
        lambda path, op, value: f"{path} {op} {value}",
        st.sampled_from(["meta.created", "meta.lastModified"]),
        st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]),
        st.sampled_from(FILTER_DATES),
    )
    flags = st.builds(
        lambda path, op, value: f"{path} {op} {value}",
        st.sampled_from(["active", "emails.primary"]),
        st.sampled_from(["eq", "ne"]),
        st.sampled_from(["true", "false", "null"]),
    )
    present = st.builds(lambda path: f"{path} pr", st.sampled_from([*TEXT_PATHS, "name", "active", "meta.created"]))
    nulls = st.builds(lambda path, op: f"{path} {op} null", st.sampled_from(TEXT_PATHS), st.sampled_from(["eq", "ne"]))
    value_paths = st.builds(
        lambda a, b: f"emails[{a} and {b}]",
        st.sampled_from(['type eq "work"', 'type eq "home"', "primary eq true", "value pr", 'not (type eq "x")']),
        st.builds(
            lambda op, v: f"value {op} {json.dumps(v)}", st.sampled_from(["eq", "co", "ew"]), st.sampled_from(WORDS)
        ),
    )
    return st.one_of(text, dates, flags, present, nulls, value_paths)


filters = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=6,
)


def render(record: dict[str, Any]) -> dict[str, Any]:
    """The resource the proxy shows for a JumpCloud record."""
    return render_user(to_scim_user(JC.structure(dict(record), JcUser)), base="https://proxy.test/scim/v2")


@settings(max_examples=400, deadline=None)
@given(filters, records())
def test_translation_agrees_with_the_evaluator(text: str, users: list[dict[str, Any]]) -> None:
    """Exact translations select exactly the matching users in the emulator; supersets never miss one."""
    try:
        tree = parse(text)
        wanted = compile_filter(tree, USERS)
        found = user_search(tree, USERS, RULES)
    except InvalidFilter:
        return  # e.g. `emails.type gt "a"` on a value that is not a date: refused in both places alike
    truth = {user["_id"] for user in users if wanted(render(user))}
    if found.empty:
        assert set() == truth, text
        return
    upstream = body_predicate({"filter": found.query} if found.query is not None else {})
    answered = {user["_id"] for user in users if upstream(user)}
    if found.exact:
        assert truth == answered, (text, found.query)
    else:
        assert truth <= answered, (text, found.query)
