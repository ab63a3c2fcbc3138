"""scim_proxy.scim.projection: `attributes` and `excludedAttributes` on a SCIM User resource."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scim_proxy.errors import InvalidValue
from scim_proxy.scim.listing import MAX_NAMES, list_params
from scim_proxy.scim.paths import MAX_PATH_LENGTH
from scim_proxy.scim.projection import project

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
EMAIL = {"value": "j@example.com", "type": "work", "primary": True}
USER: dict[str, Any] = {
    "schemas": [CORE, E],
    "id": "i",
    "externalId": "x",
    "userName": "jdoe",
    "name": {"givenName": "J", "familyName": "D"},
    "displayName": "JD",
    "active": False,
    "emails": [EMAIL],
    E: {"costCenter": "cc", "department": "d", "manager": {"value": "m"}},
    "meta": {"resourceType": "User", "created": "c", "lastModified": "c"},
}
KEPT = {"schemas": [CORE, E], "id": "i"}


def run(attributes: str = "", excluded: str = "") -> dict[str, Any]:
    """Project a fresh copy of USER with comma-separated query values, as the endpoints do."""
    params = list_params({"attributes": attributes, "excludedAttributes": excluded})
    return project(copy.deepcopy(USER), attributes=params.attributes, excluded=params.excluded)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ("id", KEPT),
        ("userName", {**KEPT, "userName": "jdoe"}),
        ("USERNAME", {**KEPT, "userName": "jdoe"}),
        (f"{CORE}:userName", {**KEPT, "userName": "jdoe"}),
        ("userName,emails", {**KEPT, "userName": "jdoe", "emails": [EMAIL]}),
        ('emails[type eq "work"]', {**KEPT, "emails": [EMAIL]}),
        ("emails.value", {**KEPT, "emails": [{"value": "j@example.com"}]}),
        ("name.givenName", {**KEPT, "name": {"givenName": "J"}}),
        ("name.givenName,name.familyName", {**KEPT, "name": {"givenName": "J", "familyName": "D"}}),
        ("name", {**KEPT, "name": {"givenName": "J", "familyName": "D"}}),
        ("name.formatted", KEPT),
        (f"{E}:department", {**KEPT, E: {"department": "d"}}),
        (f"{E}:Manager.value", {**KEPT, E: {"manager": {"value": "m"}}}),
        (E, {**KEPT, E: USER[E]}),
        (E.upper(), {**KEPT, E: USER[E]}),
        ("meta.created", {**KEPT, "meta": {"created": "c"}}),
        ("active", {**KEPT, "active": False}),
        ("nickName", KEPT),
    ],
)
def test_attributes(attributes: str, expected: dict[str, Any]) -> None:
    """attributes= keeps just the named attributes and sub-attributes; id and schemas always stay."""
    assert expected == run(attributes=attributes)


def without(*keys: str, **replaced: Any) -> dict[str, Any]:
    """USER minus `keys`, with `replaced` values."""
    result = {k: v for k, v in copy.deepcopy(USER).items() if k not in keys}
    result.update(replaced)
    return result


@pytest.mark.parametrize(
    ("excluded", "expected"),
    [
        ("", USER),
        ("userName", without("userName")),
        ("UserName,DisplayName", without("userName", "displayName")),
        ("name.familyName", without(name={"givenName": "J"})),
        ("emails.value", without(emails=[{"type": "work", "primary": True}])),
        ("emails", without("emails")),
        (f"{E}:manager", without(**{E: {"costCenter": "cc", "department": "d"}})),
        (E, without(E)),
        ("id,schemas", USER),
        ("meta", without("meta")),
        ("members", USER),
    ],
)
def test_excluded_attributes(excluded: str, expected: dict[str, Any]) -> None:
    """excludedAttributes= drops the named attributes and sub-attributes, but never id or schemas."""
    assert expected == run(excluded=excluded)


def test_both_lists() -> None:
    """attributes= narrows first, then excludedAttributes= removes from what is left."""
    assert {**KEPT, "name": {"givenName": "J"}} == run(attributes="name,userName", excluded="name.familyName,userName")


def test_project_does_not_mutate_its_input() -> None:
    """project() returns a new resource and leaves the caller's dict as it was."""
    resource = copy.deepcopy(USER)

    project(resource, excluded=["username", "name.givenname"])
    project(resource, attributes=["emails.value"])

    assert USER == resource


def test_name_lists_are_bounded() -> None:
    """attributes= and excludedAttributes= each take MAX_NAMES names of MAX_PATH_LENGTH characters, no more."""
    most = [f"a{i}" for i in range(MAX_NAMES)]
    longest = "a" * MAX_PATH_LENGTH

    assert tuple(most) == list_params({"attributes": ",".join(most)}).attributes
    assert (longest,) == list_params({"excludedAttributes": longest}).excluded
    for source in ({"attributes": ",".join([*most, "userName"])}, {"excludedAttributes": [*most, "userName"]}):
        with pytest.raises(InvalidValue, match=f"at most {MAX_NAMES} attributes"):
            list_params(source)
    with pytest.raises(InvalidValue, match=f"longer than {MAX_PATH_LENGTH} characters"):
        list_params({"attributes": ["userName", longest + "a"]})
