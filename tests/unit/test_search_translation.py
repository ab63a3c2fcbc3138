"""scim_proxy.translate.search: SCIM filters as JumpCloud search filters, exact where JumpCloud can say it."""

from __future__ import annotations

from typing import Any

import pytest

from scim_proxy.errors import InvalidFilter
from scim_proxy.scim.filter_schema import user_filter_attributes
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, ENTERPRISE_USER
from scim_proxy.translate.search import ABSENT, ACTIVE, INACTIVE, PRESENT, Search, user_search
from scim_proxy.translate.search_rules import user_search_rules
from scim_proxy.translate.users import DEFAULT_MAPPING, UserMapping

E = ENTERPRISE_USER
USERS = user_filter_attributes(DEFAULT_USER_SCHEMA)
RULES = user_search_rules(DEFAULT_MAPPING)
USER_ID = "64b0c0ffee0000000000abcd"


def search(text: str, rules: Any = RULES) -> Search:
    return user_search(parse(text), USERS, rules)


def wrapped(query: dict[str, Any] | None) -> dict[str, Any] | None:
    """The documented shape JumpCloud receives: one `and` (or `or`) property at the top."""
    if query is None or list(query) in (["and"], ["or"]):
        return query
    return {"and": [query]}


def ci(pattern: str) -> dict[str, str]:
    return {"$regex": f"(?i){pattern}"}


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ('userName eq "first.last"', {"username": ci(r"(^first\.last$)")}),
        ('userName co "a+b"', {"username": ci(r"a\+b")}),
        ('userName sw "O"', {"username": ci("^O")}),
        ('userName ew "(x)"', {"username": ci(r"\(x\)$")}),
        ('externalId eq "A.b"', {"external_dn": "A.b"}),
        ('externalId ne "A.b"', {"external_dn": {"$ne": "A.b"}}),
        ('externalId co "A.b"', {"external_dn": {"$regex": r"A\.b"}}),
        ('externalId gt "m"', {"external_dn": {"$gt": "m", "$ne": ""}}),
        ('externalId le "m"', {"external_dn": {"$lte": "m", "$ne": ""}}),
        ('not (externalId lt "m")', {"or": [{"external_dn": {"$gte": "m"}}, {"external_dn": ABSENT}]}),
        ("title pr", {"jobTitle": PRESENT}),
        ("not (title pr)", {"jobTitle": ABSENT}),
        ("title eq null", {"jobTitle": ABSENT}),
        ("title ne null", {"jobTitle": PRESENT}),
        ("name pr", {"or": [{"firstname": PRESENT}, {"lastname": PRESENT}, {"middlename": PRESENT}]}),
        ('name.familyName eq "O\'Hara"', {"lastname": ci(r"(^O\'Hara$)")}),
        (f'{E}:department eq "R&D"', {"department": ci(r"(^R\&D$)")}),
        ('department eq "R&D"', {"department": ci(r"(^R\&D$)")}),
        (f'{E}:manager eq "{USER_ID}"', {"manager": USER_ID}),
        (f'{E}:manager.value eq "{USER_ID}"', {"manager": USER_ID}),
        ('emails eq "a@b.co"', {"email": ci(r"(^a\@b\.co$)")}),
        ('emails[type eq "work"].value eq "a@b.co"', {"email": ci(r"(^a\@b\.co$)")}),
        ('emails[type eq "work" and value co "@b"]', {"email": ci(r"\@b")}),
        ('emails[type eq "work"]', {"email": PRESENT}),
        ('emails.type eq "WORK"', {"email": PRESENT}),
        ("emails.primary eq true", {"email": PRESENT}),
        ("not (emails[primary eq true])", {"email": ABSENT}),
        ("active eq true", ACTIVE),
        ("active eq false", INACTIVE),
        ("active ne true", INACTIVE),
        ("not (active eq false)", ACTIVE),
        (f'id eq "{USER_ID.upper()}"', {"_id": USER_ID}),
        (f'id ne "{USER_ID}"', {"_id": {"$ne": USER_ID}}),
        ('meta.created gt "2021-02-12T17:45:42Z"', {"created": {"$gt": "2021-02-12T17:45:42.000Z"}}),
        ('meta.lastModified gt "2021-02-12T17:45:42Z"', {"created": {"$gt": "2021-02-12T17:45:42.000Z"}}),
        ("meta.Created gt 2015-10-10T14:38:21.8617979-07:00", {"created": {"$gt": "2015-10-10T21:38:21.861Z"}}),
        ('meta.created ge "2021-02-12T17:45:42.3691Z"', {"created": {"$gt": "2021-02-12T17:45:42.369Z"}}),
        ('meta.created ge "2021-02-12T17:45:42.369Z"', {"created": {"$gte": "2021-02-12T17:45:42.369Z"}}),
        ('meta.created lt "2021-02-12T17:45:42.3691Z"', {"created": {"$lte": "2021-02-12T17:45:42.369Z"}}),
        ('meta.created le "0999-01-01T00:00:00Z"', {"created": {"$lte": "0999-01-01T00:00:00.000Z"}}),
        (
            'meta.created eq "2021-02-12T19:45:42.369+02:00"',
            {"created": {"$gte": "2021-02-12T17:45:42.369Z", "$lte": "2021-02-12T17:45:42.369Z"}},
        ),
        (
            "name.familyName eq Employee and (emails.Value co example.com or emails.Value co example.org)",
            {
                "and": [
                    {"lastname": ci("(^Employee$)")},
                    {"or": [{"email": ci(r"example\.com")}, {"email": ci(r"example\.org")}]},
                ]
            },
        ),
    ],
)
def test_exact_translations(text: str, query: dict[str, Any]) -> None:
    """Each filter JumpCloud can say becomes this exact search, answered in one call."""
    found = search(text)

    assert (wrapped(query), True, False) == (found.query, found.exact, found.empty)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ('userName ne "a"', None),
        ('not (userName co "a")', None),
        ('userName gt "m"', None),
        (f"{E}:manager.$ref pr", None),
        ('id sw "64"', None),
        ('not (userName eq "a") and title pr', {"jobTitle": PRESENT}),
        ('userName eq "a" or userName gt "m"', None),
        ('emails[type eq "work" and not (value co "x")]', {"email": PRESENT}),
        ('emails[not (value eq "x")]', {"email": PRESENT}),
    ],
)
def test_superset_translations(text: str, query: dict[str, Any] | None) -> None:
    """What JumpCloud cannot say (a negated regex, case-insensitive order, a derived value) widens to a superset."""
    found = search(text)

    assert (wrapped(query), False, False) == (found.query, found.exact, found.empty)


@pytest.mark.parametrize(
    "text",
    [
        'userName eq ""',
        'id eq "not-an-id"',
        'meta.created eq "2021-02-12T17:45:42.3691Z"',
        'emails[type eq "home"]',
        "emails.primary eq false",
        'userName eq "a" and id eq "nope"',
        "active eq null",
        "not (id pr)",
    ],
)
def test_filters_that_match_nothing_need_no_call(text: str) -> None:
    """A filter no user can satisfy is known empty, so the proxy answers without calling JumpCloud."""
    assert search(text).empty


@pytest.mark.parametrize(
    ("text", "exact"),
    [
        ('not (userName eq "")', True),
        ('id ne "not-an-id"', True),
        ("active pr", True),
        ('not (emails[type eq "home"])', True),
        ('userName eq "a" or not (userName eq "a")', False),
    ],
)
def test_filters_that_match_everyone(text: str, exact: bool) -> None:
    """A filter every user satisfies needs no condition; it is exact when that is certain."""
    found = search(text)

    assert (None, exact, False) == (found.query, found.exact, found.empty)


def test_username_from_email_mode_reads_the_local_part_as_a_superset() -> None:
    """With SCIM_PROXY_USERNAME_FROM_EMAIL the userName may be the email, so `eq` searches its local part, inexactly."""
    rules = user_search_rules(UserMapping(username_from_email=True))

    eq = search('userName eq "First.Last@contoso.com"', rules)
    starts = search('userName sw "F"', rules)

    present = search("userName pr", rules)

    assert (wrapped({"username": ci(r"(^First\.Last$)")}), False) == (eq.query, eq.exact)
    assert (None, False) == (starts.query, starts.exact)
    assert (wrapped({"username": PRESENT}), True) == (present.query, present.exact)


def test_translation_refuses_what_the_evaluator_refuses() -> None:
    """Unknown attributes and ill-typed values are invalidFilter here too, before any call."""
    for text in ('nickName eq "x"', "active gt true", 'meta.created gt "soon"', 'emails[display eq "x"]'):
        with pytest.raises(InvalidFilter):
            search(text)


def test_duplicate_conditions_are_sent_once() -> None:
    """`emails[type eq "work"] and emails[primary eq true]` asks JumpCloud for a set email once."""
    assert wrapped({"email": PRESENT}) == search('emails[type eq "work"] and emails[primary eq true]').query
