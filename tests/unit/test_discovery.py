"""scim_proxy.scim.discovery: /Schemas advertises exactly the attribute table, nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from scim_proxy.scim import discovery
from scim_proxy.scim.schema import CORE_GROUP, CORE_USER, DEFAULT_USER_SCHEMA, ENTERPRISE_USER, USER_ATTRIBUTES

from ..helpers import schema_paths

BY_FIELD = DEFAULT_USER_SCHEMA.by_field


BASE = "https://proxy.example.com/scim/v2"


def by_name(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The attribute called `name` in a schema document."""
    (attribute,) = (a for a in document["attributes"] if a["name"] == name)
    return attribute


def test_schemas_advertise_exactly_the_table() -> None:
    """The User and EnterpriseUser documents together name every table attribute and nothing else."""
    documents = discovery.schemas(BASE, groups=False)

    assert [CORE_USER, ENTERPRISE_USER] == [d["id"] for d in documents]
    assert {a.path for a in USER_ATTRIBUTES} == schema_paths(documents[0]) | schema_paths(documents[1])


@pytest.mark.parametrize(
    "name",
    [
        "nickName",
        "roles",
        "entitlements",
        "password",
        "groups",
        "x509Certificates",
        "preferredLanguage",
        "timezone",
        "profileUrl",
        "division",
    ],
)
def test_unmapped_attributes_are_not_advertised(name: str) -> None:
    """Attributes JumpCloud cannot round-trip for us are absent from every schema document."""
    documents = discovery.schemas(BASE, groups=True)

    assert 3 == len(documents)
    for document in documents:
        assert name not in {a["name"] for a in document["attributes"]}


def test_manager_is_complex_with_a_value() -> None:
    """manager is complex: a case-exact `value` and a `$ref` to a User (testers then link real users)."""
    manager = by_name(discovery.extension_schema(ENTERPRISE_USER, BASE), "manager")

    assert "complex" == manager["type"]
    assert ["value", "$ref"] == [s["name"] for s in manager["subAttributes"]]
    assert manager["subAttributes"][0]["caseExact"] is True
    assert (["User"], "reference") == (
        manager["subAttributes"][1]["referenceTypes"],
        manager["subAttributes"][1]["type"],
    )


def test_emails_is_required_multi_valued_complex() -> None:
    """emails is a required multi-valued complex attribute with value, type and primary."""
    emails = by_name(discovery.user_schema(BASE), "emails")

    assert (True, True, "complex") == (emails["required"], emails["multiValued"], emails["type"])
    assert ["value", "type", "primary"] == [s["name"] for s in emails["subAttributes"]]


@pytest.mark.parametrize(
    ("field", "type_", "required", "case_exact", "uniqueness"),
    [
        ("user_name", "string", True, False, "server"),
        ("active", "boolean", False, False, "none"),
        ("external_id", "string", False, True, "none"),
        ("employee_number", "string", False, False, "server"),
        ("department", "string", False, False, "none"),
        ("given_name", "string", False, False, "none"),
    ],
)
def test_attribute_characteristics_follow_the_table(
    field: str, type_: str, required: bool, case_exact: bool, uniqueness: str
) -> None:
    """Each advertised attribute's type, required, caseExact and uniqueness come from the table."""
    attribute = BY_FIELD[field]
    document = (
        discovery.extension_schema(ENTERPRISE_USER, BASE)
        if attribute.schema == ENTERPRISE_USER
        else discovery.user_schema(BASE)
    )
    if attribute.path.startswith("name."):
        described = by_name({"attributes": by_name(document, "name")["subAttributes"]}, attribute.path[5:])
    else:
        described = by_name(document, attribute.name)

    assert (type_, required, case_exact, uniqueness) == (
        described["type"],
        described["required"],
        described["caseExact"],
        described["uniqueness"],
    )
    assert attribute.description == described["description"]


@pytest.mark.parametrize(("groups", "ids"), [(False, ["User"]), (True, ["User", "Group"])])
def test_resource_types(groups: bool, ids: list[str]) -> None:
    """ResourceTypes lists Users (with the optional enterprise extension) and Groups only when enabled."""
    documents = discovery.resource_types(BASE, groups=groups)

    assert ids == [d["id"] for d in documents]
    assert [{"schema": ENTERPRISE_USER, "required": False}] == documents[0]["schemaExtensions"]
    assert f"{BASE}/ResourceTypes/User" == documents[0]["meta"]["location"]


def test_group_schema_only_with_groups() -> None:
    """The Group schema is served only when group provisioning is on."""
    assert CORE_GROUP not in [d["id"] for d in discovery.schemas(BASE, groups=False)]
    assert CORE_GROUP == discovery.schemas(BASE, groups=True)[2]["id"]


def test_schema_locations() -> None:
    """Each schema document's meta.location is its own /Schemas URL."""
    documents = discovery.schemas(BASE, groups=True)

    assert 3 == len(documents)
    for document in documents:
        assert f"{BASE}/Schemas/{document['id']}" == document["meta"]["location"]
        assert "Schema" == document["meta"]["resourceType"]


def test_service_provider_config() -> None:
    """The ServiceProviderConfig promises PATCH, filtering and sorting, and no bulk, etag or password change."""
    config = discovery.service_provider_config(BASE)

    assert {
        "patch": True,
        "bulk": False,
        "filter": True,
        "changePassword": False,
        "sort": True,
        "etag": False,
    } == {k: config[k]["supported"] for k in ("patch", "bulk", "filter", "changePassword", "sort", "etag")}
    assert ["oauthbearertoken"] == [s["type"] for s in config["authenticationSchemes"]]


def test_phone_numbers_and_addresses_advertise_the_types_and_parts_kept() -> None:
    """phoneNumbers and addresses are complex and multi-valued, with the types JumpCloud keeps as canonical values."""
    user = discovery.user_schema(BASE)
    phones, addresses = by_name(user, "phoneNumbers"), by_name(user, "addresses")

    assert (True, True) == (phones["multiValued"], addresses["multiValued"])
    type_of = {a["name"]: next(s for s in a["subAttributes"] if s["name"] == "type") for a in (phones, addresses)}
    assert ["work", "mobile", "home", "fax"] == type_of["phoneNumbers"]["canonicalValues"]
    assert ["work", "home"] == type_of["addresses"]["canonicalValues"]
    assert ["streetAddress", "locality", "region", "postalCode", "country", "type"] == [
        sub["name"] for sub in addresses["subAttributes"]
    ]
