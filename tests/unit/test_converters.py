"""scim_proxy.translate.converters: JumpCloud JSON in, SCIM User JSON out."""

from __future__ import annotations

from typing import Any

import pytest

from scim_proxy.jumpcloud.decode import make_jc_converter
from scim_proxy.jumpcloud.models import JcPage, JcUser
from scim_proxy.scim.models import ScimUser
from scim_proxy.translate.converters import make_scim_converter
from scim_proxy.translate.users import to_scim_user

from .payloads import payload

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_ID = "64b0c0ffee0000000000abcd"
MANAGER_ID = "64b0c0ffee0000000000aaaa"


def test_jc_user_full() -> None:
    """camelCase JumpCloud fields land on their snake_case model fields; unknown ones are dropped."""
    assert JcUser(
        id=USER_ID,
        username="bjensen",
        email="bjensen@example.com",
        firstname="Barbara",
        lastname="Jensen",
        displayname="Babs Jensen",
        job_title="Tour Guide",
        department="Tour Operations",
        company="Universal Studios",
        cost_center="4130",
        employee_type="Employee",
        employee_identifier="701984",
        location="en-US",
        manager=MANAGER_ID,
        external_dn="26118915-6090-4610-87e4-49d8ca9f808d",
        state="ACTIVATED",
        suspended=False,
        activated=True,
        password_expired=False,
        created="2021-02-12T17:45:42.369Z",
    ) == make_jc_converter().structure(payload("jc_user_full.json"), JcUser)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"_id": "a"}, JcUser(id="a")),
        ({"id": "b", "_id": "a"}, JcUser(id="b")),
        ({"_id": "a", "username": None, "email": 5}, JcUser(id="a")),
        ({"_id": "a", "firstname": None, "jobTitle": 3, "manager": None}, JcUser(id="a")),
        ({"_id": "a", "suspended": "true", "password_expired": 1}, JcUser(id="a")),
        (
            {"_id": "a", "suspended": True, "password_expired": True},
            JcUser(id="a", suspended=True, password_expired=True),
        ),
        ({"_id": "a", "phoneNumbers": [{"type": "work"}], "mfa": {}}, JcUser(id="a")),
    ],
)
def test_jc_user_is_lenient(record: dict[str, Any], expected: JcUser) -> None:
    """`_id` backs `id`, nulls and wrong types read as unset, and only real `true` is true."""
    assert expected == make_jc_converter().structure(record, JcUser)


def test_jc_user_must_be_an_object() -> None:
    """A JumpCloud user that is not a JSON object is a structuring error, not a half-built user."""
    with pytest.raises(Exception, match="must be an object"):
        make_jc_converter().structure(["not", "a", "user"], JcUser)


def test_jc_page() -> None:
    """A search page reads `totalCount` and every result."""
    page = make_jc_converter().structure(
        {"totalCount": 2, "results": [payload("jc_user_full.json"), payload("jc_user_minimal.json")]}, JcPage
    )

    assert 2 == page.total_count
    assert ["bjensen", "first.last"] == [u.username for u in page.results]


def test_scim_user_full() -> None:
    """Core attributes go at the top, enterprise ones in the extension, manager as {"value": id}."""
    jc = make_jc_converter().structure(payload("jc_user_full.json"), JcUser)

    assert {
        "schemas": [CORE, E],
        "id": USER_ID,
        "externalId": "26118915-6090-4610-87e4-49d8ca9f808d",
        "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "userType": "Employee",
        "locale": "en-US",
        "active": True,
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
        E: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "department": "Tour Operations",
            "manager": {"value": MANAGER_ID},
        },
    } == make_scim_converter().unstructure(to_scim_user(jc))


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (ScimUser(id="a"), {"schemas": [CORE], "id": "a"}),
        (ScimUser(id="a", active=False, title=""), {"schemas": [CORE], "id": "a", "active": False}),
        (ScimUser(id="a", family_name="F"), {"schemas": [CORE], "id": "a", "name": {"familyName": "F"}}),
        (
            ScimUser(id="a", manager=MANAGER_ID),
            {"schemas": [CORE, E], "id": "a", E: {"manager": {"value": MANAGER_ID}}},
        ),
        (ScimUser(id="a", department="D"), {"schemas": [CORE, E], "id": "a", E: {"department": "D"}}),
    ],
)
def test_scim_user_omits_unset(user: ScimUser, expected: dict[str, Any]) -> None:
    """Unset attributes are omitted, never null; the extension URN is listed only when it carries data."""
    assert expected == make_scim_converter().unstructure(user)


def test_converters_are_independent() -> None:
    """Each factory call builds a fresh converter, so hooks never leak between them."""
    assert make_jc_converter() is not make_jc_converter()
    assert make_scim_converter() is not make_scim_converter()
