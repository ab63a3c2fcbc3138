"""The User attributes that really round-trip to JumpCloud: one table, read by everyone, both ways.

Input (parsing, PATCH paths, filters), output (the rendered resource, `translate/users.py`)
and discovery (`/Schemas`, `/ResourceTypes`) all derive from a `UserSchema`, so an attribute
cannot be advertised without being mapped, mapped without being returned, or returned without
being filterable. Adding a SCIM attribute kept in a JumpCloud string field is one row.

The built-in rows are `USER_ATTRIBUTES`; the app builds its `UserSchema` once at start-up and
passes it down (functions default to `DEFAULT_USER_SCHEMA`, the built-in table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

Kind = Literal["string", "boolean", "reference", "email"]
CUSTOM_ATTRIBUTES = "attributes"  # JumpCloud's array of {name, value}
TYPED_ARRAYS = frozenset({"phoneNumbers", "addresses"})  # JumpCloud arrays of typed entries


@attrs.frozen
class JcTarget:
    """Where a value lives in a JumpCloud user, parsed from a row's `jc_field`:

    - `"firstname"`: a top-level string field;
    - `"attributes.badgeNumber"`: the value of the custom attribute named badgeNumber;
    - `"phoneNumbers[work].number"`, `"addresses[home].locality"`: one key of the entry of that
      type in an array of typed entries.

    The three array forms share one rule: JumpCloud's PUT replaces an array whole, so a write
    reads the user first and merges (translate/arrays.py).
    """

    field: str
    name: str | None = None  # the custom attribute's name
    entry_type: str | None = None  # the typed entry's JumpCloud type
    key: str | None = None  # the typed entry's key holding the value

    @property
    def in_array(self) -> bool:
        return self.field == CUSTOM_ATTRIBUTES or self.field in TYPED_ARRAYS

    @classmethod
    def parse(cls, spec: str) -> JcTarget:
        if spec.startswith(CUSTOM_ATTRIBUTES + "."):
            return cls(CUSTOM_ATTRIBUTES, name=spec.removeprefix(CUSTOM_ATTRIBUTES + "."))
        field, bracket, rest = spec.partition("[")
        if not bracket:
            return cls(spec)
        entry_type, _, key = rest.partition("].")
        if field not in TYPED_ARRAYS or not entry_type or not key:
            raise ValueError(f"{spec!r} is not <array>[<type>].<key>")
        return cls(field, entry_type=entry_type, key=key)


@attrs.frozen
class TypedPlace:
    """Where a row's value sits in a SCIM multi-valued attribute: `phoneNumbers[type eq "work"].value`."""

    top: str  # "phoneNumbers"
    entry_type: str  # "work" (SCIM's type, lower-case)
    sub: str  # "value"


def typed_place(path: str) -> TypedPlace | None:
    """The parts of a table path `top[type eq "t"].sub`; None for any other path."""
    top, bracket, rest = path.partition('[type eq "')
    entry_type, _, sub = rest.partition('"].')
    if not bracket or not entry_type or not sub:
        return None
    return TypedPlace(top, entry_type.lower(), sub)


@attrs.frozen(kw_only=True)
class UserAttribute:
    """One SCIM attribute we keep, where it lives in JumpCloud, and its rules.

    `kind` decides the shape on both sides: "string" (a JumpCloud string field), "email" (the
    one address JumpCloud keeps, a SCIM `emails` array), "reference" (a JumpCloud user id,
    returned as `{"value", "$ref"}`), "boolean" (derived: `active`).
    """

    path: str  # canonical SCIM path: "userName", "name.givenName", "emails", or "<schema urn>:department"
    field: str  # our name for it: keys of parsed changes and of ScimUser.values
    jc_field: str | None  # the JumpCloud systemuser field (None: derived, like `active`)
    kind: Kind = "string"
    case_exact: bool = False  # RFC 7643 caseExact: decides exact or case-folded filtering
    max_length: int | None = 1024
    required: bool = False
    unique: bool = False  # JumpCloud refuses a second user with the same value (RFC 7643 uniqueness "server")
    description: str = ""

    target: JcTarget | None = attrs.field(init=False, eq=False, repr=False)
    place: TypedPlace | None = attrs.field(init=False, eq=False, repr=False)

    @target.default
    def _target(self) -> JcTarget | None:
        return None if self.jc_field is None else JcTarget.parse(self.jc_field)

    @place.default
    def _place(self) -> TypedPlace | None:
        return typed_place(self.path)

    @property
    def schema(self) -> str:
        """The schema URN the attribute belongs to (an extension's, or the core User's)."""
        return self.path.rpartition(":")[0] if self.path.startswith("urn:") else CORE_USER

    @property
    def name(self) -> str:
        """The path inside its schema: "department" for the enterprise one, "name.givenName" for core."""
        return self.path.rpartition(":")[2] if self.path.startswith("urn:") else self.path


def _enterprise(name: str) -> str:
    return f"{ENTERPRISE_USER}:{name}"


# SCIM phone types -> JumpCloud's (mobile, home, work, work_mobile, work_fax): SCIM has no
# work-mobile, and its `fax` is the office fax. JumpCloud entries of other types are kept.
PHONE_TYPES = {"work": "work", "mobile": "mobile", "home": "home", "fax": "work_fax"}
ADDRESS_TYPES = ("work", "home")
ADDRESS_PARTS = ("streetAddress", "locality", "region", "postalCode", "country")


def _phones() -> tuple[UserAttribute, ...]:
    return tuple(
        UserAttribute(
            path=f'phoneNumbers[type eq "{scim}"].value',
            field=f"phone_{scim}",
            jc_field=f"phoneNumbers[{jc}].number",
            description=f"The {scim} phone number; JumpCloud's phone of type {jc}.",
        )
        for scim, jc in PHONE_TYPES.items()
    )


def _addresses() -> tuple[UserAttribute, ...]:
    return tuple(
        UserAttribute(
            path=f'addresses[type eq "{kind}"].{part}',
            field=f"address_{kind}_{part}",
            jc_field=f"addresses[{kind}].{part}",
            description=f"The {kind} address's {part}.",
        )
        for kind in ADDRESS_TYPES
        for part in ADDRESS_PARTS
    )


USER_ATTRIBUTES: tuple[UserAttribute, ...] = (
    UserAttribute(
        path="userName",
        field="user_name",
        jc_field="username",
        required=True,
        unique=True,
        description="JumpCloud username: letters, digits, '.', '_' and '-'; not an email address.",
    ),
    UserAttribute(path="name.givenName", field="given_name", jc_field="firstname", description="First name."),
    UserAttribute(path="name.familyName", field="family_name", jc_field="lastname", description="Last name."),
    UserAttribute(path="name.middleName", field="middle_name", jc_field="middlename", description="Middle name."),
    UserAttribute(path="displayName", field="display_name", jc_field="displayname", description="Display name."),
    UserAttribute(
        path="emails",
        field="email",
        jc_field="email",
        kind="email",
        required=True,
        unique=True,
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
        unique=True,
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
    *_phones(),
    *_addresses(),
)


def _rows(rows: Iterable[UserAttribute]) -> tuple[UserAttribute, ...]:
    return tuple(rows)


@attrs.frozen(cache_hash=True)  # hashed as a cache key on every request (search tables, translation plans)
class UserSchema:
    """The attribute table in force: the built-in rows plus any an admin mapped at start-up."""

    attributes: tuple[UserAttribute, ...] = attrs.field(converter=_rows)
    by_path: Mapping[str, UserAttribute] = attrs.field(init=False, eq=False, repr=False)
    by_field: Mapping[str, UserAttribute] = attrs.field(init=False, eq=False, repr=False)
    extensions: tuple[str, ...] = attrs.field(init=False, eq=False)  # extension schema URNs, table order
    # the entry types kept of each typed array: "phonenumbers" -> {"work", "mobile", "home", "fax"}
    entry_types: Mapping[str, frozenset[str]] = attrs.field(init=False, eq=False, repr=False)

    @by_path.default
    def _by_path(self) -> Mapping[str, UserAttribute]:
        return {a.path.lower(): a for a in self.attributes}

    @by_field.default
    def _by_field(self) -> Mapping[str, UserAttribute]:
        return {a.field: a for a in self.attributes}

    @extensions.default
    def _extensions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.schema for a in self.attributes if a.schema != CORE_USER))

    @entry_types.default
    def _entry_types(self) -> Mapping[str, frozenset[str]]:
        kept: dict[str, set[str]] = {}
        for a in self.attributes:
            if a.place is not None:
                kept.setdefault(a.place.top.lower(), set()).add(a.place.entry_type)
        return {top: frozenset(types) for top, types in kept.items()}

    def __attrs_post_init__(self) -> None:
        if len(self.by_path) != len(self.attributes) or len(self.by_field) != len(self.attributes):
            raise ValueError("two attributes share a SCIM path or a field name")
        jc_fields = [a.jc_field for a in self.attributes if a.jc_field is not None]
        if len(set(jc_fields)) != len(jc_fields):
            raise ValueError("two attributes share a JumpCloud field")

    def in_schema(self, urn: str) -> tuple[UserAttribute, ...]:
        """The rows of one schema (the core User's or an extension's), in table order."""
        return tuple(a for a in self.attributes if a.schema == urn)

    def extended(self, rows: Iterable[UserAttribute]) -> UserSchema:
        """This table plus `rows` (ValueError if a path, field or JumpCloud field is taken twice)."""
        return UserSchema((*self.attributes, *rows))


DEFAULT_USER_SCHEMA = UserSchema(USER_ATTRIBUTES)
