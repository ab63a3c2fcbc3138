"""Pure group rules: PATCH in both Entra dialects, the externalId home, filters, failure reports."""

from __future__ import annotations

from typing import Any

import pytest

from scim_proxy.errors import (
    InvalidFilter,
    InvalidPath,
    InvalidValue,
    NoTarget,
    NotFound,
    ProxyError,
    Throttled,
    UpstreamBusy,
)
from scim_proxy.jumpcloud.decode import group as jc_group
from scim_proxy.jumpcloud.groups import member_failure_error
from scim_proxy.scim.filter_eval import compile_filter
from scim_proxy.scim.filter_schema import group_filter_attributes
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.group_patch import MemberPlan, parse_group_patch
from scim_proxy.scim.groups import parse_group
from scim_proxy.translate.groups import description_with, objectid_time, put_body, to_scim_group
from scim_proxy.translate.groups import external_id as external_id_of_group

from .helpers import patch_op

A = "64b0c0ffee0000000000000a"
B = "64b0c0ffee0000000000000b"
C = "64b0c0ffee0000000000000c"
URN = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.mark.parametrize(
    ("operations", "plan"),
    [
        # default dialect: PascalCase op, $ref null, several members per op
        (
            [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": A}, {"$ref": None, "value": B}]}],
            MemberPlan(add=(A, B)),
        ),
        ([{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": A}]}], MemberPlan(remove=(A,))),
        # aadOptscim062020: lower-case op, no $ref, remove by filtered path without a value
        ([{"op": "add", "path": "members", "value": [{"value": A}]}], MemberPlan(add=(A,))),
        ([{"op": "remove", "path": f'members[value eq "{A}"]'}], MemberPlan(remove=(A,))),
        ([{"op": "REMOVE", "path": f'Members[Value eq "{A}"]'}], MemberPlan(remove=(A,))),
        # whole-list replacement, also by a no-path value object and by removing without a value
        ([{"op": "replace", "path": "members", "value": [{"value": A}]}], MemberPlan(replace=(A,))),
        ([{"op": "Replace", "value": {"members": [{"value": B}]}}], MemberPlan(replace=(B,))),
        ([{"op": "remove", "path": "members"}], MemberPlan(replace=())),
        # operations apply in order
        (
            [
                {"op": "add", "path": "members", "value": [{"value": A}, {"value": B}]},
                {"op": "remove", "path": f'members[value eq "{A}"]'},
            ],
            MemberPlan(add=(B,), remove=(A,)),
        ),
        (
            [
                {"op": "replace", "path": "members", "value": [{"value": A}]},
                {"op": "add", "path": "members", "value": [{"value": C}]},
                {"op": "remove", "path": "members", "value": [{"value": A}]},
            ],
            MemberPlan(replace=(C,)),
        ),
        ([{"op": "add", "path": "members", "value": [{"value": A.upper()}, {"value": A}]}], MemberPlan(add=(A,))),
    ],
)
def test_member_operations_in_both_dialects(operations: list[dict[str, Any]], plan: MemberPlan) -> None:
    """Each Entra member operation becomes the member adds, removes or replacement it means."""
    assert plan == parse_group_patch(patch_op(*operations)).members


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Replace", "path": "displayName", "value": "Sales EMEA"},
        {"op": "replace", "value": {"displayName": "Sales EMEA"}},
        {"op": "replace", "path": f"{URN}:displayName", "value": "Sales EMEA"},
        {"op": "add", "value": {f"{URN}:displayName": "Sales EMEA"}},
    ],
)
def test_rename_by_path_or_value_object(operation: dict[str, Any]) -> None:
    """A rename by path, URN path or no-path value object sets the new displayName and nothing else."""
    parsed = parse_group_patch(patch_op(operation))

    assert ("Sales EMEA", MemberPlan(), False) == (parsed.display_name, parsed.members, parsed.sets_external_id)


def test_external_id_is_set_and_removed_and_unknown_paths_ignored() -> None:
    """externalId can be replaced or removed; an attribute JumpCloud has no home for is listed as ignored."""
    replaced = parse_group_patch(patch_op({"op": "replace", "value": {"externalId": "e1", "urn:x:owner": "o"}}))
    removed = parse_group_patch(patch_op({"op": "remove", "path": "externalId"}))

    assert (True, "e1", ("urn:x:owner",)) == (replaced.sets_external_id, replaced.external_id, replaced.ignored)
    assert (True, None) == (removed.sets_external_id, removed.external_id)


@pytest.mark.parametrize(
    ("operation", "error", "words"),
    [
        ({"op": "add", "path": "members", "value": [{"value": "alice@contoso.com"}]}, InvalidValue, "alice@"),
        ({"op": "remove", "path": 'members[value eq "u1091"]'}, InvalidValue, "u1091"),
        ({"op": "remove", "path": "displayName"}, InvalidValue, "cannot be removed"),
        ({"op": "replace", "path": "displayName", "value": " "}, InvalidValue, "displayName"),
        ({"op": "remove", "path": 'members[display eq "x"]'}, InvalidPath, "members[value eq"),
        ({"op": "add", "path": f'members[value eq "{A}"]', "value": {}}, InvalidPath, "can only be removed"),
        ({"op": "remove", "value": {"members": []}}, NoTarget, "needs a path"),
    ],
)
def test_bad_operations_are_refused(operation: dict[str, Any], error: type[ProxyError], words: str) -> None:
    """A member value that is not a JumpCloud user id, or an operation we cannot honour, is a 400 naming it."""
    with pytest.raises(error, match=None) as caught:
        parse_group_patch(patch_op(operation))

    assert words in str(caught.value)


def test_group_body_parses_case_insensitively() -> None:
    """A POST body's keys match in any case; absent members stay None, an empty list is kept."""
    parsed = parse_group({"DisplayName": "Sales", "ExternalId": "e1", "schemas": [URN]})
    empty = parse_group({"displayName": "Sales", "members": []})

    assert ("Sales", "e1", None) == (parsed.display_name, parsed.external_id, parsed.members)
    assert () == empty.members
    with pytest.raises(InvalidValue, match="displayName is required"):
        parse_group({"externalId": "e1"})


@pytest.mark.parametrize(
    ("description", "external_id", "expected"),
    [
        ("", "e1", "scimExternalId=e1"),
        ("Sales staff", "e1", "Sales staff scimExternalId=e1"),
        ("Sales staff scimExternalId=old", "e2", "Sales staff scimExternalId=e2"),
        ("Sales staff scimExternalId=old", None, "Sales staff"),
        ("Sales staff", None, "Sales staff"),
    ],
)
def test_external_id_lives_at_the_end_of_the_description(
    description: str, external_id: str | None, expected: str
) -> None:
    """The externalId marker is added, replaced or removed; the admin's own description text is kept."""
    described = description_with(description, external_id)

    assert expected == described
    assert external_id == external_id_of_group(jc_group({"id": A, "name": "g", "description": described}))


def test_put_body_carries_fields_we_do_not_manage() -> None:
    """A rename's full-update PUT sends back every writable UserGroupPut field JumpCloud returned, no read-only one."""
    current = jc_group(
        {
            "id": A,
            "name": "Sales",
            "description": "Staff scimExternalId=e1",
            "email": "sales@contoso.com",
            "attributes": {"ldapGroups": [{"name": "sales"}]},
            "membershipMethod": "STATIC",
            "memberQuery": None,
            "memberQueryExemptions": [],
            "memberSuggestionsNotify": True,
            "memberQueryErrorFlags": {"illegalFilter": False},
            "suggestionCounts": {"add": 0, "remove": 0, "total": 0},
            "organizationObjectId": "5f0c0ffee0c0ffee0c0ffee0",
            "type": "user_group",
        }
    )

    assert {
        "name": "Sales EMEA",
        "description": "Staff scimExternalId=e1",
        "email": "sales@contoso.com",
        "attributes": {"ldapGroups": [{"name": "sales"}]},
        "membershipMethod": "STATIC",
        "memberQueryExemptions": [],
        "memberSuggestionsNotify": True,
    } == put_body(current, name="Sales EMEA", external_id="e1")


def test_scim_group_shape() -> None:
    """A group maps to a SCIM Group with members as value and $ref, and no members when they were not read."""
    group = jc_group({"id": A, "name": "Sales", "description": "scimExternalId=e1", "attributes": None})

    assert {
        "schemas": [URN],
        "id": A,
        "externalId": "e1",
        "displayName": "Sales",
        "members": [{"value": B, "$ref": f"https://p/scim/v2/Users/{B}", "type": "User"}],
        "meta": {
            "resourceType": "Group",
            "location": f"https://p/scim/v2/Groups/{A}",
            "created": "2023-07-14T03:29:03.000Z",  # from the ObjectId
            "lastModified": "2023-07-14T03:29:03.000Z",
        },
    } == to_scim_group(group, [B], base="https://p/scim/v2")
    assert "members" not in to_scim_group(group, None, base="https://p/scim/v2")


def test_group_filters_evaluate_over_the_rendered_group() -> None:
    """displayName matches ignoring case, externalId exactly, id in any case, members by user id."""
    group = to_scim_group(
        jc_group({"id": A, "name": "Sales", "description": "scimExternalId=e1"}), [B], base="https://p/scim/v2"
    )
    attributes = group_filter_attributes()

    def matches(text: str) -> bool:
        return compile_filter(parse(text), attributes)(group)

    assert matches('displayName eq "sales" and externalId eq "e1"')
    assert not matches('externalId eq "E1"')
    assert matches(f'id eq "{A.upper()}"')
    assert matches(f'members eq "{B}" and not (members eq "{C}")')
    assert matches('displayName co "ale" or displayName eq "x"')


@pytest.mark.parametrize("text", ['description eq "x"', 'members.display eq "x"', 'displayName eq "a" and'])
def test_impossible_group_filters_are_invalid_filter(text: str) -> None:
    """Attributes JumpCloud groups do not hold, and broken syntax, are invalidFilter rather than a guess."""
    with pytest.raises(InvalidFilter):
        compile_filter(parse(text), group_filter_attributes())


def test_member_failure_names_members_and_prefers_retryable_status() -> None:
    """A partial failure names every failed member; a throttled one makes the whole answer a 429 to retry."""
    error = member_failure_error(
        {B: NotFound("gone"), A: Throttled("slow down", retry_after=7), C: UpstreamBusy("busy", retry_after=3)},
        attempted=5,
    )

    assert isinstance(error, Throttled)
    assert 7 == error.retry_after
    assert f"3 of 5 member changes failed ({A}, {B}, {C}); the others were applied" in str(error)


def test_unknown_user_failure_is_invalid_value() -> None:
    """Members JumpCloud does not know as users answer 400 invalidValue naming them."""
    error = member_failure_error({B: NotFound("Not found in JumpCloud")}, attempted=2)

    assert (InvalidValue, "invalidValue") == (type(error), error.scim_type)
    assert B in str(error) and "no JumpCloud user has that id" in str(error)


@pytest.mark.parametrize(
    ("object_id", "expected"),
    [
        ("6026da081f24755306c2ee0d", "2021-02-12T19:42:00.000Z"),  # the HAR's group, recorded that day
        ("not-an-object-id-at-all!", None),
        ("6026da08", None),
    ],
)
def test_objectid_time(object_id: str, expected: str | None) -> None:
    """A group's creation time is read from its ObjectId; anything else has none."""
    assert expected == objectid_time(object_id)
