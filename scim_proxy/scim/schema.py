"""The User attributes that really round-trip to JumpCloud: one table, read by everyone.

Discovery (`/Schemas`), the mapping, PATCH path resolution and the filter translator
all derive from `USER_ATTRIBUTES`, so an attribute cannot be advertised without being
mapped, or mapped without being filterable.
"""

from __future__ import annotations

import attrs

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@attrs.frozen(kw_only=True)
class UserAttribute:
    """One SCIM attribute we keep, where it lives in JumpCloud, and its rules."""

    path: str  # canonical SCIM path: "userName", "name.givenName", "emails", or "<urn>:department"
    field: str  # the ScimUser field name
    jc_field: str | None  # the JumpCloud systemuser field (None: derived, like `active`)
    kind: str = "string"  # "string", "boolean" or "reference"
    case_exact: bool = False  # RFC 7643 caseExact: decides exact or case-folded filtering
    max_length: int | None = 1024
    required: bool = False
    description: str = ""

    @property
    def schema(self) -> str:
        return ENTERPRISE_USER if self.path.startswith(ENTERPRISE_USER) else CORE_USER

    @property
    def name(self) -> str:
        """The path inside its schema: "department" for the enterprise one."""
        return self.path.removeprefix(ENTERPRISE_USER + ":")


def _enterprise(name: str) -> str:
    return f"{ENTERPRISE_USER}:{name}"


USER_ATTRIBUTES: tuple[UserAttribute, ...] = (
    UserAttribute(
        path="userName",
        field="user_name",
        jc_field="username",
        required=True,
        description="JumpCloud username: letters, digits, '.', '_' and '-'; not an email address.",
    ),
    UserAttribute(path="name.givenName", field="given_name", jc_field="firstname", description="First name."),
    UserAttribute(path="name.familyName", field="family_name", jc_field="lastname", description="Last name."),
    UserAttribute(path="displayName", field="display_name", jc_field="displayname", description="Display name."),
    UserAttribute(
        path="emails",
        field="email",
        jc_field="email",
        required=True,
        description="JumpCloud keeps one address: the primary one, else the work one, else the first.",
    ),
    UserAttribute(
        path="active",
        field="active",
        jc_field=None,
        kind="boolean",
        max_length=None,
        description="Read as not suspended and password not expired; false suspends the user.",
    ),
    UserAttribute(path="title", field="title", jc_field="jobTitle", description="Job title."),
    UserAttribute(
        path="locale",
        field="locale",
        jc_field="location",
        description="Stored in JumpCloud's Location field, as JumpCloud's own SCIM table does.",
    ),
    UserAttribute(path="userType", field="user_type", jc_field="employeeType", description="Employee type."),
    UserAttribute(
        path="externalId",
        field="external_id",
        jc_field="external_dn",
        case_exact=True,
        description="The client's id for the user (Entra objectId); kept in JumpCloud's external_dn.",
    ),
    UserAttribute(
        path=_enterprise("employeeNumber"),
        field="employee_number",
        jc_field="employeeIdentifier",
        max_length=256,
        description="Employee ID; unique in JumpCloud.",
    ),
    UserAttribute(path=_enterprise("department"), field="department", jc_field="department", description="Department."),
    UserAttribute(
        path=_enterprise("costCenter"), field="cost_center", jc_field="costCenter", description="Cost center."
    ),
    UserAttribute(
        path=_enterprise("organization"),
        field="organization",
        jc_field="company",
        description="Stored in JumpCloud's Company field.",
    ),
    UserAttribute(
        path=_enterprise("manager"),
        field="manager",
        jc_field="manager",
        kind="reference",
        case_exact=True,
        max_length=None,
        description="The manager's id in this service (a JumpCloud user id).",
    ),
)

BY_PATH: dict[str, UserAttribute] = {a.path.lower(): a for a in USER_ATTRIBUTES}
BY_FIELD: dict[str, UserAttribute] = {a.field: a for a in USER_ATTRIBUTES}
