"""scim_proxy.scim.schema: the one attribute table, and the mapping every row promises, both directions."""

from __future__ import annotations

import pytest

from scim_proxy.jumpcloud.decode import make_jc_converter
from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.paths import resolve
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, ENTERPRISE_USER, USER_ATTRIBUTES, UserAttribute
from scim_proxy.translate.users import to_scim_user, update_body

BY_FIELD = DEFAULT_USER_SCHEMA.by_field

MANAGER_ID = "64b0c0ffee0000000000aaaa"
STRING_ROWS = [a for a in USER_ATTRIBUTES if a.kind == "string"]

# The product rule, written out independently of the table: SCIM path -> JumpCloud field.
PRODUCT_MAPPING = {
    "userName": "username",
    "name.givenName": "firstname",
    "name.familyName": "lastname",
    "name.middleName": "middlename",
    "emails": "email",
    "displayName": "displayname",
    "title": "jobTitle",
    "locale": "location",
    "userType": "employeeType",
    "externalId": "external_dn",
    "active": None,
    f"{ENTERPRISE_USER}:employeeNumber": "employeeIdentifier",
    f"{ENTERPRISE_USER}:department": "department",
    f"{ENTERPRISE_USER}:costCenter": "costCenter",
    f"{ENTERPRISE_USER}:organization": "company",
    f"{ENTERPRISE_USER}:manager": "manager",
}


def test_table_is_the_product_mapping() -> None:
    """The table maps exactly the product's attributes to exactly the product's JumpCloud fields."""
    assert PRODUCT_MAPPING == {a.path: a.jc_field for a in USER_ATTRIBUTES}


def test_lookups_cover_every_row_once() -> None:
    """The path and field lookups cover every row once."""
    assert len(USER_ATTRIBUTES) == len(DEFAULT_USER_SCHEMA.by_path) == len(BY_FIELD)


@pytest.mark.parametrize("attribute", USER_ATTRIBUTES, ids=lambda a: a.field)
def test_every_row_resolves_by_its_own_path(attribute: UserAttribute) -> None:
    """resolve() finds each row by its canonical path, upper-cased too."""
    assert attribute == resolve(attribute.path)
    assert attribute == resolve(attribute.path.upper())


@pytest.mark.parametrize("attribute", STRING_ROWS, ids=lambda a: a.field)
def test_string_rows_round_trip(attribute: UserAttribute) -> None:
    """A value written through a row lands in its JumpCloud field and reads back on the same SCIM field."""
    value = {"user_name": "first.last", "email": "first.last@example.com"}.get(attribute.field, "Value-1")
    body = update_body({attribute.field: value})
    assert {attribute.jc_field: value} == body

    record = {"_id": "64b0c0ffee0000000000abcd", "username": "x", "email": "x@example.com", **body}
    user = to_scim_user(make_jc_converter().structure(record, JcUser))

    assert value == user.get(attribute.field)


def test_manager_row_round_trips() -> None:
    """A manager id is written as a plain id and read back as the same id."""
    body = update_body({"manager": MANAGER_ID})
    record = {"_id": "64b0c0ffee0000000000abcd", **body}

    assert {"manager": MANAGER_ID} == body
    assert MANAGER_ID == to_scim_user(make_jc_converter().structure(record, JcUser)).get("manager")


@pytest.mark.parametrize(
    ("field", "max_length", "required", "case_exact"),
    [
        ("user_name", 1024, True, False),
        ("email", 1024, True, False),
        ("employee_number", 256, False, False),
        ("external_id", 1024, False, True),
        ("manager", None, False, True),
    ],
)
def test_rules_in_the_table(field: str, max_length: int | None, required: bool, case_exact: bool) -> None:
    """The table carries the seed's limits and requirements, and RFC 7643's caseExact for ids."""
    attribute = BY_FIELD[field]

    assert (max_length, required, case_exact) == (
        attribute.max_length,
        attribute.required,
        attribute.case_exact,
    )
