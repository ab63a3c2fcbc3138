"""The group PUT field list the proxy carries is JumpCloud's published `UserGroupPut`, field for field.

The product never reads the spec at run time; this test reads the copy vendored under
tests/spec/jumpcloud-openapi/ to keep the hand-made list honest.
"""

from __future__ import annotations

import json

from scim_proxy.jumpcloud.models import JcGroup
from scim_proxy.translate.groups import CARRIED_FIELDS, USER_GROUP_PUT_FIELDS, put_body

from .spec.swagger import SPEC_DIR


def test_user_group_put_fields_match_the_spec() -> None:
    """USER_GROUP_PUT_FIELDS lists exactly the properties of the spec's UserGroupPut, name the only required one."""
    definition = json.loads((SPEC_DIR / "JumpCloud.SDK.V2.json").read_text())["definitions"]["UserGroupPut"]

    assert sorted(definition["properties"]) == sorted(USER_GROUP_PUT_FIELDS)
    assert ["name"] == definition["required"]


def test_every_writable_field_but_ours_is_carried() -> None:
    """A rename carries every UserGroupPut field except name and description, which the proxy writes itself."""
    returned = {field: f"kept-{field}" for field in USER_GROUP_PUT_FIELDS} | {"id": "x", "type": "user_group"}
    current = JcGroup(id="x", name="Old", description="kept-description", raw=returned)

    body = put_body(current, name="New", external_id=None)

    assert set(USER_GROUP_PUT_FIELDS) == set(body)
    assert {field: f"kept-{field}" for field in CARRIED_FIELDS} == {field: body[field] for field in CARRIED_FIELDS}
    assert ("New", "kept-description") == (body["name"], body["description"])
