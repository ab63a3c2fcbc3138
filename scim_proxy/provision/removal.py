"""Suspend-mode deletes (`SCIM_PROXY_DELETE_MODE=suspend`) as use cases: remove, hide, revive.

The rules are translate/removal.py's; here they meet JumpCloud. JumpCloud calls: a DELETE 2
(read, then the suspending PUT), a read of a removed user 1 (answered 404), a revival 1 extra
PUT in place of the refused create's look-ups.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from scim_proxy.errors import NotFound
from scim_proxy.jumpcloud.models import Credentials, JcUser
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.scim.models import Value
from scim_proxy.translate.removal import is_removed, removal_body, revival_body, soft_deletes
from scim_proxy.translate.users import UserMapping

log = structlog.get_logger("scim_proxy")


def visible(user: JcUser, mapping: UserMapping) -> bool:
    """Whether SCIM may see `user`: always, unless suspend mode removed it."""
    return not (soft_deletes(mapping) and is_removed(user))


async def read_visible(jc: JumpCloudUsers, user_id: str, *, auth: Credentials, mapping: UserMapping) -> JcUser:
    """The user, as for any read; 404 for one suspend mode removed (RFC 7644 §3.6: deleted is gone)."""
    user = await jc.get_user(user_id, auth=auth)
    if not visible(user, mapping):
        raise NotFound(f"User {user_id!r} not found")
    return user


async def remove_user(jc: JumpCloudUsers, user_id: str, *, auth: Credentials, mapping: UserMapping) -> None:
    """Suspend and mark the user instead of deleting it; a user already removed is 404."""
    user = await read_visible(jc, user_id, auth=auth, mapping=mapping)
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    await jc.update_user(user_id, removal_body(user, when=when), auth=auth)
    log.info("user_removed_by_suspension", jc_user_id=user_id)


async def revive_user(
    jc: JumpCloudUsers, removed: JcUser, values: dict[str, Value], *, auth: Credentials, mapping: UserMapping
) -> JcUser:
    """A create whose userName a removed user holds brings that user back, attributes replaced."""
    revived = await jc.update_user(removed.id, revival_body(values, mapping, removed=removed), auth=auth)
    log.info("user_revived", jc_user_id=removed.id)
    return revived
