"""scim_proxy.scim.patch: both Entra PATCH dialects, as Entra really sends them, turned into changes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scim_proxy.errors import InvalidPath, InvalidSyntax, InvalidValue, NoTarget
from scim_proxy.scim.models import Change
from scim_proxy.scim.patch import MAX_OPERATIONS, parse_patch, resolve_conditions
from scim_proxy.translate.users import update_body

from .payloads import payload

E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MANAGER_ID = "64b0c0ffee0000000000aaaa"


def ops(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body carrying `operations`."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.mark.parametrize(
    ("name", "values", "ignored"),
    [
        (
            "entra_patch_default_dialect.json",
            {
                "email": "updatedEmail@microsoft.com",
                "family_name": "updatedFamilyName",
                "external_id": "Eqpj",
                "employee_number": "Eqpj",
            },
            (),
        ),
        (
            "entra_patch_flag_dialect_nopath.json",
            {"display_name": "Bjfe", "given_name": "Kkom", "family_name": "Unua", "employee_number": "Aklq"},
            (),
        ),
        ("entra_patch_flag_dialect_active_nopath.json", {"active": False, "user_name": "someone"}, ()),
        (
            "entra_patch_flag_dialect_add_nopath.json",
            {"display_name": "Babs Jensen", "given_name": "Barbara"},
            ("name.formatted",),
        ),
        (
            "entra_patch_flag_dialect_mixed.json",
            {"email": "babs@contoso.com", "title": "Engineer", "department": "R&D", "manager": MANAGER_ID},
            ('emails[type eq "work"].primary',),
        ),
        ("entra_patch_disable_string_false.json", {"active": False}, ()),
        ("entra_patch_disable_bool_false.json", {"active": False}, ()),
        ("entra_patch_noop_active_true.json", {"active": True}, ()),
        ("entra_patch_manager_string.json", {"manager": MANAGER_ID}, ()),
        ("entra_patch_manager_array.json", {"manager": MANAGER_ID}, ()),
        ("entra_patch_add_nickname.json", {}, ("nickName",)),
    ],
)
def test_parse_patch_payloads(name: str, values: dict[str, Any], ignored: tuple[str, ...]) -> None:
    """Each Entra PATCH payload, in either dialect, yields exactly the expected changes and ignored paths."""
    parsed = parse_patch(payload(name))

    assert values == parsed.as_dict()
    assert ignored == parsed.ignored


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (
            "entra_patch_default_dialect.json",
            {
                "email": "updatedEmail@microsoft.com",
                "lastname": "updatedFamilyName",
                "external_dn": "Eqpj",
                "employeeIdentifier": "Eqpj",
            },
        ),
        (
            "entra_patch_flag_dialect_nopath.json",
            {"displayname": "Bjfe", "firstname": "Kkom", "lastname": "Unua", "employeeIdentifier": "Aklq"},
        ),
        ("entra_patch_disable_string_false.json", {"state": "SUSPENDED", "suspended": True}),
        ("entra_patch_disable_bool_false.json", {"state": "SUSPENDED", "suspended": True}),
        ("entra_patch_noop_active_true.json", {"suspended": False}),
        ("entra_patch_manager_string.json", {"manager": MANAGER_ID}),
        ("entra_patch_manager_array.json", {"manager": MANAGER_ID}),
        (
            "entra_patch_flag_dialect_mixed.json",
            {"email": "babs@contoso.com", "jobTitle": "Engineer", "department": "R&D", "manager": MANAGER_ID},
        ),
        ("entra_patch_add_nickname.json", {}),
    ],
)
def test_patch_payloads_reach_jumpcloud_as(name: str, body: dict[str, Any]) -> None:
    """Parsed and mapped, each Entra PATCH becomes exactly this JumpCloud PUT body."""
    assert body == update_body(parse_patch(payload(name)).as_dict())


@pytest.mark.parametrize("op", ["add", "Add", "ADD", "replace", "Replace", "REPLACE", "rEpLaCe"])
def test_op_in_any_case(op: str) -> None:
    """`op` matches case-insensitively, as Entra's two dialects capitalise it differently."""
    assert {"title": "T"} == parse_patch(ops({"op": op, "path": "title", "value": "T"})).as_dict()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("True", True), ("False", False), ("true", True), ("false", False), (True, True), (False, False)],
)
def test_active_spellings(value: Any, expected: bool) -> None:
    """`active` is a boolean whether Entra sends "True", "false" or a real JSON boolean."""
    assert {"active": expected} == parse_patch(ops({"op": "Replace", "path": "active", "value": value})).as_dict()


@pytest.mark.parametrize(
    ("operation", "values"),
    [
        (
            {"op": "replace", "path": "name", "value": {"givenName": "G", "familyName": "F"}},
            {"given_name": "G", "family_name": "F"},
        ),
        (
            {"op": "add", "path": E, "value": {"Department": "D", "manager": MANAGER_ID}},
            {"department": "D", "manager": MANAGER_ID},
        ),
        ({"op": "replace", "path": f"{E}:Department", "value": "D"}, {"department": "D"}),
        ({"op": "replace", "path": "department", "value": "D"}, {"department": "D"}),
        (
            {"op": "replace", "path": "emails", "value": [{"value": "a@b.co", "type": "work"}]},
            {"email": "a@b.co"},
        ),
        ({"op": "replace", "path": "emails[primary eq true].value", "value": "p@b.co"}, {"email": "p@b.co"}),
        ({"op": "replace", "path": "manager", "value": {"Value": MANAGER_ID}}, {"manager": MANAGER_ID}),
        ({"op": "replace", "path": "title", "value": None}, {}),
        ({"op": "replace", "value": {"title": None, "displayName": "D"}}, {"display_name": "D"}),
        (
            {"op": "replace", "value": {E: {"costCenter": "C"}, "userName": "u"}},
            {"cost_center": "C", "user_name": "u"},
        ),
        (
            {"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:userName": "u"}},
            {"user_name": "u"},
        ),
        (
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:title", "value": "T"},
            {"title": "T"},
        ),
        ({"op": "remove", "path": "title"}, {"title": None}),
        ({"op": "Remove", "path": "name.givenName"}, {"given_name": None}),
        ({"op": "remove", "path": f"{E}:manager"}, {"manager": None}),
        ({"op": "remove", "path": "manager", "value": []}, {"manager": None}),
        ({"op": "remove", "path": "externalId"}, {"external_id": None}),
        ({"op": "remove", "path": "name"}, {"given_name": None, "family_name": None, "middle_name": None}),
        (
            {"op": "remove", "path": E},
            {
                "employee_number": None,
                "department": None,
                "cost_center": None,
                "organization": None,
                "manager": None,
            },
        ),
    ],
)
def test_operation_shapes(operation: dict[str, Any], values: dict[str, Any]) -> None:
    """Complex values expand, URN and legacy bare paths resolve, nulls change nothing, remove clears."""
    assert values == parse_patch(ops(operation)).as_dict()


@pytest.mark.parametrize(
    ("operation", "ignored"),
    [
        ({"op": "Add", "path": "nickName", "value": "Babs"}, ("nickName",)),
        (
            {"op": "replace", "path": 'phoneNumbers[type eq "pager"].value', "value": "1"},
            ('phoneNumbers[type eq "pager"].value',),
        ),
        (
            {"op": "replace", "path": 'addresses[type eq "work"].formatted', "value": "1"},
            ('addresses[type eq "work"].formatted',),
        ),
        (
            {"op": "add", "path": "phoneNumbers", "value": [{"type": "other", "value": "1"}]},
            ('phoneNumbers[type eq "other"]',),
        ),
        (
            {"op": "replace", "path": 'emails[type eq "home"].value', "value": "h@b.co"},
            ('emails[type eq "home"].value',),
        ),
        ({"op": "add", "path": "roles", "value": [{"value": '{"id":"1","value":"Admin"}'}]}, ("roles",)),
        (
            {"op": "replace", "value": {"nickName": "B", "preferredLanguage": "xh"}},
            ("nickName", "preferredLanguage"),
        ),
        ({"op": "remove", "path": 'members[value eq "7f4bc1a3"]'}, ('members[value eq "7f4bc1a3"]',)),
        ({"op": "remove", "path": "nickName"}, ("nickName",)),
        ({"op": "remove", "path": "active"}, ("active",)),
        ({"op": "replace", "path": "password", "value": "Secret123!"}, ("password",)),
    ],
)
def test_unknown_paths_are_ignored_and_reported(operation: dict[str, Any], ignored: tuple[str, ...]) -> None:
    """Attributes JumpCloud does not hold for us change nothing and are listed in Parsed.ignored."""
    parsed = parse_patch(ops(operation))

    assert () == parsed.changes
    assert ignored == parsed.ignored


def test_later_operations_win() -> None:
    """Operations apply in order, so the last value for an attribute is the one sent."""
    parsed = parse_patch(
        ops(
            {"op": "Add", "path": "title", "value": "First"},
            {"op": "Replace", "path": "title", "value": "Second"},
            {"op": "Remove", "path": "displayName"},
            {"op": "add", "path": "displayName", "value": "Back"},
        )
    )

    assert {"title": "Second", "display_name": "Back"} == parsed.as_dict()


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (ops({"op": "Remove", "path": "userName"}), InvalidValue, "userName is required"),
        (ops({"op": "remove", "path": "emails"}), InvalidValue, "emails is required"),
        (ops({"op": "remove", "path": 'emails[type eq "work"].value'}), InvalidValue, "emails is required"),
        (ops({"op": "remove", "path": 'emails[type eq "work"]'}), InvalidValue, "emails is required"),
        (ops({"op": "remove"}), NoTarget, "remove needs a path"),
        (ops({"op": "replace", "value": "x"}), InvalidValue, "needs an object value"),
        (ops({"op": "replace", "value": None}), InvalidValue, "needs an object value"),
        (ops({"op": "add", "path": "title"}), InvalidValue, "needs a value"),
        (ops({"op": "replace", "path": "active", "value": "yes"}), InvalidValue, "active must be a boolean"),
        (ops({"op": "replace", "path": "title", "value": ["a"]}), InvalidValue, "title must be a string"),
        (
            ops({"op": "move", "path": "title", "value": "x"}),
            InvalidSyntax,
            "op must be add, replace or remove",
        ),
        (ops({"path": "title", "value": "x"}), InvalidSyntax, "op must be add, replace or remove"),
        (ops({"op": "add", "path": 5, "value": "x"}), InvalidSyntax, "path must be a string"),
        (ops("add"), InvalidSyntax, "Operations[0] must be an object"),
        ({"schemas": [PATCH_OP]}, InvalidSyntax, "non-empty 'Operations'"),
        ({"Operations": []}, InvalidSyntax, "non-empty 'Operations'"),
        ({"Operations": {"op": "add"}}, InvalidSyntax, "non-empty 'Operations'"),
        ([], InvalidSyntax, "must be a JSON object"),
        (ops({"op": "replace", "path": "user name", "value": "x"}), InvalidPath, "not a SCIM attribute path"),
        (
            ops(
                {
                    "op": "replace",
                    "path": 'emails[type eq "work" or primary eq true].value',
                    "value": "a@b.co",
                }
            ),
            InvalidPath,
            "filters are supported",
        ),
    ],
)
def test_bad_patches_are_rejected(body: Any, error: type[Exception], message: str) -> None:
    """Removing a required attribute, a missing value or a malformed PatchOp is a 400 naming the problem."""
    with pytest.raises(error, match=re.escape(message)):
        parse_patch(body)


def test_operations_key_in_any_case() -> None:
    """`operations`, `Operations` and `OPERATIONS` are the same member, as are `Op`, `Path` and `Value`."""
    body = {"OPERATIONS": [{"Op": "Replace", "Path": "title", "Value": "T"}]}

    assert {"title": "T"} == parse_patch(body).as_dict()


def test_operation_count_is_bounded() -> None:
    """A PatchOp with more than MAX_OPERATIONS operations is refused before any is read."""
    body = ops(*([{"op": "add", "path": "title", "value": "T"}] * (MAX_OPERATIONS + 1)))

    with pytest.raises(InvalidValue, match="at most"):
        parse_patch(body)


OTHER_ID = "64b0c0ffee0000000000bbbb"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "remove", "path": f'manager[value eq "{MANAGER_ID}"]'},
        {"op": "Remove", "path": f'{E}:manager[value eq "{MANAGER_ID.upper()}"]'},
        {"op": "remove", "path": f'manager[value eq "{MANAGER_ID}"].value'},
        {"op": "remove", "path": f"Manager[Value EQ {MANAGER_ID}]"},
        {"op": "remove", "path": f'manager[ value  eq  "{MANAGER_ID}" ].Value'},
        {"op": "Remove", "path": "manager", "value": [{"value": MANAGER_ID}]},
        {"op": "Remove", "path": f"{E}:manager", "value": {"value": MANAGER_ID}},
    ],
)
def test_value_filtered_manager_remove_is_conditional(operation: dict[str, Any]) -> None:
    """Removing manager[value eq id] (or with that value) clears the manager only while it is that id."""
    parsed = parse_patch(ops(operation))

    assert parsed.conditional
    assert {"manager": None} == resolve_conditions(parsed, {"manager": MANAGER_ID}).as_dict()
    assert {} == resolve_conditions(parsed, {"manager": OTHER_ID}).as_dict()
    assert {} == resolve_conditions(parsed, {}).as_dict()


def test_conditions_see_earlier_operations_of_the_same_request() -> None:
    """A condition is checked against the value the earlier operations left, as RFC 7644 applies them in order."""
    parsed = parse_patch(
        ops(
            {"op": "replace", "path": "manager", "value": OTHER_ID},
            {"op": "remove", "path": f'manager[value eq "{OTHER_ID}"]'},
            {"op": "replace", "path": "title", "value": "T"},
        )
    )

    resolved = resolve_conditions(parsed, {"manager": MANAGER_ID})

    assert (Change("manager", OTHER_ID), Change("manager", None), Change("title", "T")) == resolved.changes
    assert {"manager": None, "title": "T"} == resolved.as_dict()


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"op": "remove", "path": 'manager[displayName eq "Boss"]'}, 'only the filter [value eq "<id>"]'),
        ({"op": "remove", "path": f'manager[value ne "{MANAGER_ID}"]'}, 'only the filter [value eq "<id>"]'),
        ({"op": "remove", "path": f'manager[value eq "{MANAGER_ID}"].$ref'}, 'only the filter [value eq "<id>"]'),
        ({"op": "remove", "path": f'manager[value eq "{MANAGER_ID}"'}, 'only the filter [value eq "<id>"]'),
        ({"op": "remove", "path": "manager[value eq]"}, "the filter needs one value"),
        ({"op": "remove", "path": 'manager[value eq "a\\q"]'}, 'only the filter [value eq "<id>"]'),
        ({"op": "remove", "path": 'manager[value eq "a" or value eq "b"]'}, 'only the filter [value eq "<id>"]'),
        ({"op": "remove", "path": "manager[value eq " + "a" * 600 + "]"}, "longer than 512 characters"),
        (
            {"op": "replace", "path": f'manager[value eq "{MANAGER_ID}"]', "value": OTHER_ID},
            "fits only a remove",
        ),
    ],
)
def test_other_manager_filters_are_refused_not_ignored(operation: dict[str, Any], message: str) -> None:
    """A manager filter the proxy cannot evaluate exactly is a 400 invalidPath, never a silent no-op."""
    with pytest.raises(InvalidPath, match=re.escape(message)):
        parse_patch(ops(operation))


def test_unconditional_changes_need_no_current_value() -> None:
    """A PATCH without value filters is not conditional, and resolving it changes nothing."""
    parsed = parse_patch(ops({"op": "remove", "path": "manager"}, {"op": "add", "path": "title", "value": "T"}))

    assert not parsed.conditional
    assert parsed == resolve_conditions(parsed, {"manager": MANAGER_ID})


@pytest.mark.parametrize(
    ("operation", "values"),
    [
        ({"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "1"}, {"phone_mobile": "1"}),
        ({"op": "replace", "path": 'phoneNumbers[Type eq "FAX"].value', "value": "2"}, {"phone_fax": "2"}),
        (
            {"op": "replace", "value": {'addresses[type eq "work"].postalCode': "0150"}},
            {"address_work_postalCode": "0150"},
        ),
        (
            {"op": "add", "path": 'addresses[type eq "home"]', "value": {"type": "home", "locality": "Oslo"}},
            {"address_home_locality": "Oslo"},
        ),
        ({"op": "add", "path": "phoneNumbers", "value": [{"type": "work", "value": "3"}]}, {"phone_work": "3"}),
        (
            {"op": "replace", "path": "phoneNumbers", "value": [{"type": "work", "value": "3"}]},
            {"phone_work": "3", "phone_mobile": None, "phone_home": None, "phone_fax": None},
        ),
        ({"op": "remove", "path": 'phoneNumbers[type eq "home"]'}, {"phone_home": None}),
        ({"op": "remove", "path": 'addresses[type eq "work"].locality'}, {"address_work_locality": None}),
    ],
    ids=[
        "path",
        "type-any-case",
        "no-path-key",
        "entry-object",
        "add-list",
        "replace-list",
        "remove-entry",
        "remove-part",
    ],
)
def test_phone_and_address_operations(operation: dict[str, Any], values: dict[str, Any]) -> None:
    """Phone numbers and addresses change by typed path, entry, list or no-path key; a replace of the whole
    attribute clears the types it does not name (RFC 7644 section 3.5.2.3)."""
    assert values == parse_patch(ops(operation)).as_dict()
