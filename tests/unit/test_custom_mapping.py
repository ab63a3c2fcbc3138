"""translate/custom.py and translate/removal.py: admin mappings from TOML, the externalId field, suspend-mode bodies."""

from __future__ import annotations

from typing import Any

import pytest

from scim_proxy.jumpcloud.decode import make_jc_converter
from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.paths import resolve
from scim_proxy.scim.resources import parse_user
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA
from scim_proxy.translate.custom import MappingError, parse_mapping, with_external_id_field
from scim_proxy.translate.removal import is_removed, removal_body, revival_body
from scim_proxy.translate.render import render_user
from scim_proxy.translate.users import UserMapping, create_body, to_scim_user, update_body

EXT = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
GOOD = f"""
[[attribute]]
scim = "{EXT}:badgeNumber"
jumpcloud = "attributes.badgeNumber"

[[attribute]]
scim = "nickName"
jumpcloud = "description"
"""


def jc(**fields: Any) -> JcUser:
    return make_jc_converter().structure({"_id": "64b0c0ffee0000000000abcd", "username": "a", **fields}, JcUser)


def test_mapping_rows_join_the_table_and_work_both_ways() -> None:
    """A mapped extension attribute parses from the nested object, becomes a custom attribute, and renders back
    under its schema URN; a core one goes to the plain field."""
    schema = DEFAULT_USER_SCHEMA.extended(parse_mapping(GOOD, DEFAULT_USER_SCHEMA))
    mapping = UserMapping(schema=schema)

    parsed = parse_user(
        {"userName": "a", "emails": [{"value": "a@b.co"}], "nickName": "A", EXT: {"badgeNumber": "7"}}, schema
    )
    body = create_body(parsed.as_dict(), mapping)
    rendered = render_user(to_scim_user(jc(**body), mapping), base="https://p/scim/v2", schema=schema)

    assert ([{"name": "badgeNumber", "value": "7"}], "A") == (body["attributes"], body["description"])
    assert ({"badgeNumber": "7"}, "A") == (rendered[EXT], rendered["nickName"])
    assert EXT in rendered["schemas"]
    assert resolve(f"{EXT}:BADGENUMBER", schema) is not None  # names match in any case


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[attribute]\n", "not valid TOML"),
        ("rows = 1\n", "line 1: unknown table or key 'rows'"),
        ('[[attribute]]\nscim = "userName"\njumpcloud = "attributes.u"\n', "line 1 .*'userName' is already mapped"),
        ('\n[[attribute]]\nscim = "a"\n', "line 2 .*'scim' and 'jumpcloud' are both required"),
        ('[[attribute]]\nscim = "a"\njumpcloud = "password"\n', "'password' is not a JumpCloud target"),
        ('[[attribute]]\nscim = "a"\njumpcloud = "jobTitle"\n', "'jobTitle' is not a JumpCloud target"),
        ('[[attribute]]\nscim = "a"\njumpcloud = "attributes.bad-name"\n', "letters and digits only"),
        ('[[attribute]]\nscim = "a"\njumpcloud = "attributes.' + "x" * 32 + '"\n', "under 32 characters"),
        ('[[attribute]]\nscim = "a"\njumpcloud = "attributes.scimProxyRemoved"\n', "the proxy's own"),
        ('[[attribute]]\nscim = "urn:x:y:a"\njumpcloud = "attributes.a"\n', "extension schema URN"),
        ('[[attribute]]\nscim = "a b"\njumpcloud = "attributes.a"\n', "not a SCIM attribute name"),
        ('[[attribute]]\nscim = "a"\njumpcloud = "attributes.a"\nx = 1\n', "unknown key 'x'"),
        (
            '[[attribute]]\nscim = "a"\njumpcloud = "attributes.k"\n\n'
            '[[attribute]]\nscim = "b"\njumpcloud = "attributes.k"\n',
            r"line 5 \(\[\[attribute\]\] #2\): JumpCloud's attributes.k already holds another attribute",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line(text: str, message: str) -> None:
    """Every rule a mapping breaks is refused with the line of its [[attribute]] table, before serving."""
    with pytest.raises(MappingError, match=message):
        parse_mapping(text, DEFAULT_USER_SCHEMA)


def test_external_id_moves_to_a_custom_attribute_and_filters_narrowly() -> None:
    """SCIM_PROXY_EXTERNAL_ID_FIELD=attributes.x keeps externalId there (external_dn untouched) and its eq filter
    is a name-and-value search, checked exactly by the proxy."""
    schema = with_external_id_field(DEFAULT_USER_SCHEMA, "attributes.entraId")
    mapping = UserMapping(schema=schema)

    body = update_body({"external_id": "e-1"}, mapping, current=jc(attributes=[{"name": "x", "value": "1"}]))

    assert {"attributes": [{"name": "x", "value": "1"}, {"name": "entraId", "value": "e-1"}]} == body
    assert "e-1" == to_scim_user(jc(**body), mapping).get("external_id")
    with pytest.raises(MappingError, match="external_dn or attributes"):
        with_external_id_field(DEFAULT_USER_SCHEMA, "employeeIdentifier")


def test_removal_marks_and_suspends_and_revival_undoes_it() -> None:
    """Suspend mode: a removal suspends and marks (other custom attributes kept); a revival replaces the
    attributes, lifts the suspension and drops the mark."""
    held = jc(attributes=[{"name": "hr", "value": "x"}], jobTitle="Old", state="ACTIVATED")

    removed = jc(**{**held.fields, **removal_body(held, when="2026-12-02T00:00:00Z")})
    revived = revival_body({"user_name": "a", "email": "a@b.co", "title": "New"}, UserMapping(), removed=removed)

    assert (True, "SUSPENDED", True) == (removed.suspended, removed.state, is_removed(removed))
    assert [{"name": "hr", "value": "x"}] == revived["attributes"]
    assert (False, "New") == (revived["suspended"], revived["jobTitle"])
    assert not is_removed(jc(**{**removed.fields, **revived}))
