"""Pure: the discovery documents (RFC 7643 sections 5-7), built from the attribute table.

They advertise exactly what round-trips to JumpCloud: testers such as scim2-tester write
every advertised attribute and read it back, and Entra's mapping editor offers them.
"""

from __future__ import annotations

from typing import Any

from scim_proxy.scim.listing import MAX_COUNT
from scim_proxy.scim.schema import (
    CORE_GROUP,
    CORE_USER,
    DEFAULT_USER_SCHEMA,
    ENTERPRISE_USER,
    UserAttribute,
    UserSchema,
)

SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://github.com/scim-proxy/scim-proxy#readme",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "JumpCloud API key as bearer token",
                "description": ("Entra's Secret Token: a JumpCloud admin API key, passed to JumpCloud as x-api-key."),
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    }


def _attribute(
    name: str,
    *,
    type_: str = "string",
    required: bool = False,
    case_exact: bool = False,
    multi: bool = False,
    uniqueness: str = "none",
    description: str = "",
    sub: list[dict[str, Any]] | None = None,
    mutability: str = "readWrite",
    reference_types: list[str] | None = None,
    canonical_values: list[str] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    }
    if sub is not None:
        attribute["subAttributes"] = sub
    if reference_types is not None:
        attribute["referenceTypes"] = reference_types
    if canonical_values is not None:
        attribute["canonicalValues"] = canonical_values
    return attribute


def _leaf(a: UserAttribute, name: str) -> dict[str, Any]:
    type_ = "boolean" if a.kind == "boolean" else "string"
    uniqueness = "server" if a.unique else "none"
    return _attribute(
        name,
        type_=type_,
        required=a.required,
        case_exact=a.case_exact,
        uniqueness=uniqueness,
        description=a.description,
    )


def user_schema(base: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> dict[str, Any]:
    attributes: list[dict[str, Any]] = []
    name_subs: list[dict[str, Any]] = []
    for a in schema.in_schema(CORE_USER):
        if a.path.startswith("name."):
            name_subs.append(_leaf(a, a.path.split(".", 1)[1]))
        elif a.kind == "email":
            attributes.append(
                _attribute(
                    "emails",
                    type_="complex",
                    multi=True,
                    required=True,
                    description=a.description,
                    sub=[
                        _attribute("value", required=True, description="The address."),
                        _attribute("type", canonical_values=["work"], description="Returned as 'work'."),
                        _attribute("primary", type_="boolean", description="Returned as true."),
                    ],
                )
            )
        else:
            attributes.append(_leaf(a, a.path))
    if name_subs:
        attributes.insert(1, _attribute("name", type_="complex", sub=name_subs, description="The user's name."))
    return _schema(CORE_USER, "User", "User Account", attributes, base)


def extension_schema(urn: str, base: str, schema: UserSchema = DEFAULT_USER_SCHEMA) -> dict[str, Any]:
    """The schema document of one User extension (the enterprise one, or one an admin mapped)."""
    attributes: list[dict[str, Any]] = []
    for a in schema.in_schema(urn):
        if a.kind == "reference":
            attributes.append(
                _attribute(
                    a.name,
                    type_="complex",
                    description=a.description,
                    sub=[
                        _attribute("value", case_exact=True, description="The manager's id."),
                        _attribute(
                            "$ref",
                            type_="reference",
                            case_exact=True,
                            reference_types=["User"],
                            description="The manager's User resource URI.",
                        ),
                    ],
                )
            )
        else:
            attributes.append(_leaf(a, a.name))
    if urn == ENTERPRISE_USER:
        return _schema(urn, "EnterpriseUser", "Enterprise User", attributes, base)
    name = extension_name(urn)
    return _schema(urn, name, f"{name} User extension", attributes, base)


def extension_name(urn: str) -> str:
    """`CustomExtensionName` for urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User."""
    parts = urn.split(":")
    return parts[-3] if len(parts) >= 3 else urn


def group_schema(base: str) -> dict[str, Any]:
    attributes = [
        _attribute("displayName", required=True, uniqueness="server", description="JumpCloud group name."),
        _attribute(
            "members",
            type_="complex",
            multi=True,
            description="Users in the group.",
            sub=[
                _attribute("value", case_exact=True, mutability="immutable", description="A user id."),
                _attribute(
                    "$ref",
                    type_="reference",
                    case_exact=True,
                    mutability="immutable",
                    reference_types=["User"],
                    description="The member's URI (users only: JumpCloud groups hold no groups).",
                ),
                _attribute("type", mutability="immutable", canonical_values=["User"], description="Always 'User'."),
            ],
        ),
    ]
    return _schema(CORE_GROUP, "Group", "Group", attributes, base)


def _schema(urn: str, name: str, description: str, attributes: list[dict[str, Any]], base: str) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
    }


def schemas(base: str, *, groups: bool, schema: UserSchema = DEFAULT_USER_SCHEMA) -> list[dict[str, Any]]:
    documents = [user_schema(base, schema), *(extension_schema(urn, base, schema) for urn in schema.extensions)]
    if groups:
        documents.append(group_schema(base))
    return documents


def resource_types(base: str, *, groups: bool, schema: UserSchema = DEFAULT_USER_SCHEMA) -> list[dict[str, Any]]:
    documents = [
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "JumpCloud system users",
            "schema": CORE_USER,
            "schemaExtensions": [{"schema": urn, "required": False} for urn in schema.extensions],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
        }
    ]
    if groups:
        documents.append(
            {
                "schemas": [RESOURCE_TYPE_SCHEMA],
                "id": "Group",
                "name": "Group",
                "endpoint": "/Groups",
                "description": "JumpCloud user groups",
                "schema": CORE_GROUP,
                "schemaExtensions": [],
                "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"},
            }
        )
    return documents
