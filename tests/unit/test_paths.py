"""scim_proxy.scim.paths: every spelling of an attribute path Entra sends resolves to one table row."""

from __future__ import annotations

import pytest

from scim_proxy.errors import InvalidPath
from scim_proxy.scim.paths import canonical, flatten, resolve, resolve_quietly, typed_entries
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, UserAttribute

E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("userName", "user_name"),
        ("USERNAME", "user_name"),
        ("  userName  ", "user_name"),
        (f"{CORE}:userName", "user_name"),
        ("name.givenName", "given_name"),
        ("Name.GivenName", "given_name"),
        ("name.familyName", "family_name"),
        ("displayName", "display_name"),
        ("title", "title"),
        ("locale", "locale"),
        ("userType", "user_type"),
        ("externalId", "external_id"),
        ("active", "active"),
        ("emails", "email"),
        ("emails.value", "email"),
        ('emails[type eq "work"].value', "email"),
        ('emails[Type Eq "Work"].Value', "email"),
        ("emails[type eq work].value", "email"),
        ('emails[type eq "work"]', "email"),
        ("emails[primary eq true].value", "email"),
        ('emails[value eq "a@b.co"].value', "email"),
        (f'{CORE}:emails[type eq "work"].value', "email"),
        (f"{E}:employeeNumber", "employee_number"),
        (f"{E}:department", "department"),
        (f"{E.upper()}:DEPARTMENT", "department"),
        (f"{E}:costCenter", "cost_center"),
        (f"{E}:organization", "organization"),
        (f"{E}:manager", "manager"),
        (f"{E}:manager.value", "manager"),
        ("manager", "manager"),
        ("manager.value", "manager"),
        ("department", "department"),
        ("employeeNumber", "employee_number"),
    ],
)
def test_resolve_known_paths(path: str, field: str) -> None:
    """Each spelling of a kept attribute (any case, URN-qualified, value-filtered) resolves to its field."""
    attribute = resolve(path)
    assert attribute is not None
    assert field == attribute.field


@pytest.mark.parametrize(
    "path",
    [
        "nickName",
        "name.formatted",
        "name",
        E,
        "phoneNumbers",
        'phoneNumbers[type eq "pager"].value',
        'addresses[type eq "work"].formatted',
        'emails[type eq "home"].value',
        'emails[type eq "work"].primary',
        'emails[type eq "work"].display',
        "emails[primary eq false].value",
        "roles",
        "password",
        "meta.created",
        f"{E}:division",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User:department",
        "urn:example:custom:2.0:User:shoeSize",
    ],
)
def test_resolve_paths_we_do_not_keep(path: str) -> None:
    """Paths naming data JumpCloud does not hold for us resolve to None rather than an error."""
    assert resolve(path) is None


@pytest.mark.parametrize(
    "path",
    ["", "   ", "user name", 'userName"', "user\tName", 'emails[type eq "work" and primary eq true].value'],
)
def test_resolve_rejects_text_that_is_not_a_path(path: str) -> None:
    """Text that is not a SCIM path at all raises InvalidPath, and resolve_quietly reads it as None."""
    with pytest.raises(InvalidPath):
        resolve(path)
    assert resolve_quietly(path) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("userName", "username"),
        (f"{CORE}:name.givenName", "name.givenname"),
        (f"{E}:Department", f"{E.lower()}:department"),
        (" Title ", "title"),
    ],
)
def test_canonical(path: str, expected: str) -> None:
    """canonical() lower-cases a path and strips the implicit core schema URN, keeping the enterprise one."""
    assert expected == canonical(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"userName": "a"}, [("userName", "a")]),
        (
            {"name": {"givenName": "g", "familyName": "f"}},
            [("name.givenName", "g"), ("name.familyName", "f")],
        ),
        ({"name.givenName": "g"}, [("name.givenName", "g")]),
        ({E: {"department": "d"}}, [(f"{E}:department", "d")]),
        ({E: {"manager": {"value": "m"}}}, [(f"{E}:manager", {"value": "m"})]),
        ({f"{E}:department": "d"}, [(f"{E}:department", "d")]),
        ({CORE: {"userName": "u"}}, [(f"{CORE}:userName", "u")]),
        ({"emails": [{"value": "a@b.co"}]}, [("emails", [{"value": "a@b.co"}])]),
        ({"meta": {"resourceType": "User"}}, [("meta.resourceType", "User")]),
        ({"addresses": None}, [("addresses", None)]),
        ({"name": {}}, []),
        ({1: "not a string key"}, []),
    ],
)
def test_flatten(value: dict[str, object], expected: list[tuple[str, object]]) -> None:
    """flatten() expands nested objects and keeps dotted and URN keys, stopping at attributes we keep,
    each leaf with the row its path resolves to."""
    leaves = list(flatten(value))

    assert expected == [(path, item) for path, item, _ in leaves]
    assert [resolve_quietly(path) for path, _, _ in leaves] == [attribute for _, _, attribute in leaves]


def test_typed_entries_split_kept_types_from_the_rest() -> None:
    """An entry of a type the table keeps (any case) becomes leaf paths; other types and untyped entries are ignored."""
    value = [{"Type": "Work", "Value": "1", "Primary": True}, {"type": "pager", "value": "2"}, {"value": "3"}, "4"]

    leaves, ignored = typed_entries("PhoneNumbers", value, DEFAULT_USER_SCHEMA) or ([], [])

    assert [('phonenumbers[type eq "work"].value', "1")] == leaves
    assert ['PhoneNumbers[type eq "pager"]', "PhoneNumbers[no type]", "PhoneNumbers"] == ignored
    assert typed_entries("emails", [{"type": "work", "value": "a@b.co"}], DEFAULT_USER_SCHEMA) is None


def test_entry_types_are_read_off_the_table_once() -> None:
    """The kept entry types of each typed array are the table's own, whatever other rows it holds."""
    extended = DEFAULT_USER_SCHEMA.extended(
        UserAttribute(path=f"x{i}", field=f"custom:x{i}", jc_field=f"attributes.x{i}") for i in range(200)
    )

    assert {"phonenumbers": {"work", "mobile", "home", "fax"}, "addresses": {"work", "home"}} == extended.entry_types
    assert ([('addresses[type eq "home"].locality', "Oslo")], []) == typed_entries(
        "addresses", {"type": "HOME", "locality": "Oslo"}, extended
    )
