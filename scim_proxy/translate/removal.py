"""Pure: `SCIM_PROXY_DELETE_MODE=suspend`, users removed by suspending and marking them, not deleting.

Many organisations never hard-delete an account that owns devices and history. In this mode a
SCIM DELETE suspends the JumpCloud user and sets the custom attribute `REMOVED_MARKER` (its
value: when). From then on the proxy answers as RFC 7644 §3.6 says for a deleted resource: 404
for its id, absent from lists and filters. A later create of the same userName revives it:
marker removed, suspension lifted (unless the create says inactive), attributes replaced.
"""

from __future__ import annotations

from typing import Any

import attrs

from scim_proxy.jumpcloud.models import JcUser
from scim_proxy.scim.models import Value
from scim_proxy.scim.schema import CUSTOM_ATTRIBUTES, JcTarget
from scim_proxy.translate import arrays
from scim_proxy.translate.users import JcBody, UserMapping, replace_body

REMOVED_MARKER = "scimProxyRemoved"  # a JumpCloud custom attribute: letters only, under 32 characters
REMOVED = JcTarget(CUSTOM_ATTRIBUTES, name=REMOVED_MARKER)
# Users without the marker, for JumpCloud's search: no entry of `attributes` is named so
# (MongoDB's `$ne` on an array; the proxy also checks every hit itself, register JC-109).
NOT_REMOVED: dict[str, Any] = {f"{CUSTOM_ATTRIBUTES}.name": {"$ne": REMOVED_MARKER}}


def soft_deletes(mapping: UserMapping) -> bool:
    return mapping.delete_mode == "suspend"


def is_removed(user: JcUser) -> bool:
    """Whether the proxy removed this user (suspend mode): it then answers as if it were gone."""
    return arrays.read(user.fields, REMOVED) is not None


def removal_body(user: JcUser, *, when: str) -> JcBody:
    """The PUT that removes `user` in suspend mode: suspended, and marked with the time (other custom
    attributes kept, JumpCloud replacing the array whole)."""
    return {"state": "SUSPENDED", "suspended": True, **arrays.merged(user.fields, [(REMOVED, when)])}


def revival_body(values: dict[str, Value], mapping: UserMapping, *, removed: JcUser) -> JcBody:
    """The PUT that revives a removed user for a new create: every attribute replaced (as a SCIM PUT),
    the marker gone, and the suspension lifted unless the create asks for an inactive user."""
    unmarked = attrs.evolve(removed, fields={**removed.fields, **arrays.merged(removed.fields, [(REMOVED, None)])})
    body = replace_body(values, mapping, current=unmarked)
    body.setdefault(CUSTOM_ATTRIBUTES, unmarked.fields[CUSTOM_ATTRIBUTES])  # the marker's removal is a change
    if values.get("active") is not False:
        body["suspended"] = False  # alone, as a re-enable: JumpCloud then reactivates (register JC-91)
    return body
