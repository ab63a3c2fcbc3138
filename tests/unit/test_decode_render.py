"""jumpcloud/decode.py reads JumpCloud JSON in; translate/render.py writes SCIM User JSON out."""

from __future__ import annotations

from typing import Any

import pytest

from scim_proxy.jumpcloud.decode import make_jc_converter
from scim_proxy.jumpcloud.models import JcPage, JcUser
from scim_proxy.scim.models import ScimUser
from scim_proxy.translate.render import render_user
from scim_proxy.translate.users import to_scim_user

from .payloads import payload

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_ID = "64b0c0ffee0000000000abcd"
MANAGER_ID = "64b0c0ffee0000000000aaaa"
BASE = "https://proxy.example/scim/v2"


def _typed(user: JcUser) -> tuple[Any, ...]:
    return (user.id, user.username, user.email, user.state, user.suspended, user.activated, user.password_expired)


def test_jc_user_full() -> None:
    """The fields the proxy reasons about are typed; the whole record is kept for the attribute table."""
    record = payload("jc_user_full.json")
    user = make_jc_converter().structure(record, JcUser)

    assert (USER_ID, "bjensen", "bjensen@example.com", "ACTIVATED", False, True, False) == _typed(user)
    assert "2021-02-12T17:45:42.369Z" == user.created
    assert record == user.fields
    assert ("Tour Guide", "701984", None) == (user.text("jobTitle"), user.text("employeeIdentifier"), user.text("x"))


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"_id": "a"}, ("a", "", "", None, False, None, False)),
        ({"id": "b", "_id": "a"}, ("b", "", "", None, False, None, False)),
        ({"_id": "a", "username": None, "email": 5}, ("a", "", "", None, False, None, False)),
        ({"_id": "a", "suspended": "true", "password_expired": 1}, ("a", "", "", None, False, None, False)),
        ({"_id": "a", "suspended": True, "password_expired": True}, ("a", "", "", None, True, None, True)),
    ],
)
def test_jc_user_is_lenient(record: dict[str, Any], expected: tuple[Any, ...]) -> None:
    """`_id` backs `id`, nulls and wrong types read as unset, and only real `true` is true."""
    assert expected == _typed(make_jc_converter().structure(record, JcUser))


@pytest.mark.parametrize("field", ["firstname", "jobTitle", "manager", "department"])
@pytest.mark.parametrize("value", [None, 3, "", ["x"], {"a": 1}])
def test_jc_text_fields_read_unset_unless_a_non_empty_string(field: str, value: Any) -> None:
    """A mapped JumpCloud field that is null, empty or not a string reads as unset, never a crash."""
    user = make_jc_converter().structure({"_id": "a", field: value}, JcUser)
    assert user.text(field) is None


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
    """Core attributes go at the top, enterprise ones in the extension, manager as {"value", "$ref"}."""
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
            "manager": {"value": MANAGER_ID, "$ref": f"{BASE}/Users/{MANAGER_ID}"},
        },
        "meta": {
            "resourceType": "User",
            "created": "2021-02-12T17:45:42.369Z",
            "lastModified": "2021-02-12T17:45:42.369Z",
            "location": f"{BASE}/Users/{USER_ID}",
        },
    } == render_user(to_scim_user(jc), base=BASE)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, {"schemas": [CORE], "id": "a"}),
        ({"active": False, "title": ""}, {"schemas": [CORE], "id": "a", "active": False}),
        ({"family_name": "F"}, {"schemas": [CORE], "id": "a", "name": {"familyName": "F"}}),
        (
            {"manager": MANAGER_ID},
            {
                "schemas": [CORE, E],
                "id": "a",
                E: {"manager": {"value": MANAGER_ID, "$ref": f"{BASE}/Users/{MANAGER_ID}"}},
            },
        ),
        ({"department": "D"}, {"schemas": [CORE, E], "id": "a", E: {"department": "D"}}),
    ],
)
def test_scim_user_omits_unset(values: dict[str, Any], expected: dict[str, Any]) -> None:
    """Unset attributes are omitted, never null; the extension URN is listed only when it carries data."""
    rendered = render_user(ScimUser(id="a", values=values), base=BASE)
    assert "User" == rendered.pop("meta")["resourceType"]
    assert expected == rendered


def test_converters_are_independent() -> None:
    """Each factory call builds a fresh converter, so hooks never leak between them."""
    assert make_jc_converter() is not make_jc_converter()
