"""One org's users, groups and memberships in memory, with the rules that span records.

Uniqueness: `username` and `email` case-insensitively, `employeeIdentifier` exactly (when not null;
"" counts as a value under `Quirks.empty_identifier_collides`); group names case-insensitively.
Every mutating method either applies fully or raises a JcError.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from devtools.emulator.config import Quirks
from devtools.emulator.errors import AlreadyExists, BadRequest, Conflict, NotFound, UserExists
from devtools.emulator.records import OBJECT_ID, blank_user, resolve_state, validate_changes

USER_EXISTS = "User already exists"
MANAGES_OTHERS = "User is a manager of other users; set cascade_manager"
USERNAME_BOUND = "username cannot be changed while the user is bound to resources"
FIRST_UNIX_ID = 5001  # the HAR's default unix_uid
MEMBERSHIP_METHODS = ("NOTSET", "STATIC", "DYNAMIC_REVIEW_REQUIRED", "DYNAMIC_AUTOMATED")


class ObjectIds:
    """ObjectId-like ids: 4 bytes of seconds, 5 fixed bytes, a 3-byte counter; they sort by creation."""

    def __init__(self, clock: Callable[[], datetime], *, seed: int = 0) -> None:
        self._clock = clock
        self._machine = random.Random(seed).getrandbits(40)  # noqa: S311 -- not security relevant
        self._counter = itertools.count(1)
        self._last = ""

    def __call__(self) -> str:
        seconds = int(self._clock().timestamp())
        candidate = f"{seconds:08x}{self._machine:010x}{next(self._counter) % 0x1000000:06x}"
        self._last = max(candidate, _successor(self._last))  # a clock going back must not break order
        return self._last


def _successor(object_id: str) -> str:
    return f"{int(object_id, 16) + 1:024x}" if object_id else ""


class OrgStore:
    """Users, groups and memberships of one JumpCloud organization."""

    def __init__(
        self,
        *,
        org_id: str,
        default_state: str,
        new_id: ObjectIds,
        clock: Callable[[], datetime],
        quirks: Callable[[], Quirks] = Quirks,
        duplicate_user: tuple[int, str] = (400, USER_EXISTS),
    ):
        self.org_id = org_id
        self._quirks = quirks
        self.default_state = default_state
        self._duplicate_user = duplicate_user
        self._new_id = new_id
        self._clock = clock
        self.users: dict[str, dict[str, Any]] = {}  # insertion order is _id order
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}  # group id -> user ids, in the order added
        self._unix_ids = itertools.count(FIRST_UNIX_ID)

    # users

    def get_user(self, user_id: str) -> dict[str, Any]:
        """The stored user (not a copy); 400 for a malformed id, 404 for an unknown one."""
        if not OBJECT_ID.match(user_id):
            raise BadRequest("invalid object id")
        try:
            return self.users[user_id]
        except KeyError:
            raise NotFound() from None

    def create_user(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and insert a user; returns a copy of what was stored."""
        changes = validate_changes(body, creating=True, new_id=self._new_id, keep_empty_identifier=self._keep_empty())
        state = resolve_state(
            current=None,
            state=body.get("state"),
            suspended=body.get("suspended"),
            default_state=self.default_state,
        )
        self._check_unique(changes, user_id=None)
        self._check_manager(changes, user_id=None)
        user_id = self._new_id()
        user = blank_user(
            user_id=user_id, org_id=self.org_id, created=_iso(self._clock()), unix_id=next(self._unix_ids)
        )
        user.update(changes)
        user["state"], user["suspended"] = state or (self.default_state, False)
        self.users[user_id] = user
        return copy.deepcopy(user)

    def update_user(self, user_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a partial update (arrays replaced whole); returns a copy of the result."""
        user = self.get_user(user_id)
        changes = validate_changes(body, creating=False, new_id=self._new_id, keep_empty_identifier=self._keep_empty())
        state = resolve_state(
            current=user["state"],
            state=body.get("state"),
            suspended=body.get("suspended"),
            default_state=self.default_state,
        )
        self._check_rename(changes, user)
        self._check_unique(changes, user_id=user_id)
        self._check_manager(changes, user_id=user_id)
        user.update(changes)
        if state is not None:
            user["state"], user["suspended"] = state
        return copy.deepcopy(user)

    def delete_user(self, user_id: str, *, cascade_manager: str | None) -> dict[str, Any]:
        """Remove a user; `cascade_manager` is absent (None), "null", or the id of the new manager."""
        self.get_user(user_id)
        reports = [other for other in self.users.values() if other["manager"] == user_id]
        if cascade_manager is None and reports:
            raise Conflict(MANAGES_OTHERS)
        new_manager: str | None = None
        if cascade_manager not in (None, "null"):
            new_manager = self.get_user(str(cascade_manager))["_id"]
            if new_manager == user_id:
                raise BadRequest("cascade_manager cannot be the deleted user")
        for report in reports:
            # The new manager cannot manage themselves: a report who is the new manager loses theirs.
            report["manager"] = None if report["_id"] == new_manager else new_manager
        for member_ids in self.members.values():
            if user_id in member_ids:
                member_ids.remove(user_id)
        return copy.deepcopy(self.users.pop(user_id))

    def activate_user(self, user_id: str) -> None:
        """STAGED -> ACTIVATED; a no-op for ACTIVATED, refused for SUSPENDED."""
        user = self.get_user(user_id)
        if user["state"] == "SUSPENDED":
            raise BadRequest("a suspended user cannot be activated")
        user["state"], user["suspended"] = "ACTIVATED", False

    def _keep_empty(self) -> bool:
        return self._quirks().empty_identifier_collides

    def _check_rename(self, changes: dict[str, Any], user: Mapping[str, Any]) -> None:
        """A new username for a user in a user group: applied, refused or dropped (`Quirks.bound_username_change`)."""
        if "username" not in changes or changes["username"] == user["username"]:
            return
        if not any(user["_id"] in member_ids for member_ids in self.members.values()):
            return
        mode = self._quirks().bound_username_change
        if mode == "refused":
            raise BadRequest(USERNAME_BOUND)
        if mode == "ignored":
            del changes["username"]

    def _check_unique(self, changes: Mapping[str, Any], *, user_id: str | None) -> None:
        others = [user for key, user in self.users.items() if key != user_id]
        status, message = self._duplicate_user
        duplicate = BadRequest(message) if status == 400 else UserExists(message)
        for name in ("username", "email"):
            if name in changes and any(changes[name].casefold() == o[name].casefold() for o in others):
                raise duplicate
        identifier = changes.get("employeeIdentifier")
        if identifier is not None and any(identifier == o["employeeIdentifier"] for o in others):
            raise duplicate

    def _check_manager(self, changes: Mapping[str, Any], *, user_id: str | None) -> None:
        manager = changes.get("manager")
        if manager is not None and (manager == user_id or manager not in self.users):
            raise BadRequest("manager must be the id of another user in the organization")

    # groups

    def get_group(self, group_id: str) -> dict[str, Any]:
        """The stored group; 400 for a malformed id, 404 for an unknown one."""
        if not OBJECT_ID.match(group_id):
            raise BadRequest("invalid object id")
        try:
            return self.groups[group_id]
        except KeyError:
            raise NotFound() from None

    def create_group(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Insert a group (`name` required and unique); returns a copy."""
        fields = _group_fields(body)
        self._check_group_name(fields["name"], group_id=None)
        group_id = self._new_id()
        self.groups[group_id] = {"id": group_id, "type": "user_group", **fields}
        self.members[group_id] = []
        return copy.deepcopy(self.groups[group_id])

    def update_group(self, group_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Full update: fields left out of the body go back to their defaults."""
        group = self.get_group(group_id)
        fields = _group_fields(body)
        self._check_group_name(fields["name"], group_id=group_id)
        group.update(fields)
        return copy.deepcopy(group)

    def delete_group(self, group_id: str) -> dict[str, Any]:
        """Remove a group and its memberships; returns the deleted group."""
        self.get_group(group_id)
        del self.members[group_id]
        return self.groups.pop(group_id)

    def change_member(self, group_id: str, *, op: str, user_id: str) -> None:
        """Add or remove one user: 409 Already Exists for a repeat add, 404 for removing a non-member."""
        member_ids = self.members[self.get_group(group_id)["id"]]
        if not OBJECT_ID.match(user_id):
            raise BadRequest("id must be a user id")
        if user_id not in self.users:
            raise NotFound()
        if op == "add":
            if user_id in member_ids:
                raise AlreadyExists()
            member_ids.append(user_id)
        elif user_id not in member_ids:
            raise NotFound()
        elif op == "remove":
            member_ids.remove(user_id)

    def groups_of(self, user_id: str) -> list[str]:
        """Ids of the groups the user belongs to, in group creation order."""
        self.get_user(user_id)
        return [group_id for group_id, member_ids in self.members.items() if user_id in member_ids]

    def _check_group_name(self, name: str, *, group_id: str | None) -> None:
        folded = name.casefold()
        if any(g["name"].casefold() == folded for key, g in self.groups.items() if key != group_id):
            raise AlreadyExists()


def _group_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name is required")
    fields: dict[str, Any] = {"name": name}
    for key in ("description", "email"):
        value = body.get(key) or ""
        if not isinstance(value, str) or len(value) > 1024:
            raise BadRequest(f"{key} must be a string of at most 1024 characters")
        fields[key] = value
    attributes = body.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        raise BadRequest("attributes must be an object")
    method = body.get("membershipMethod", "STATIC")
    if method not in MEMBERSHIP_METHODS:
        raise BadRequest(f"membershipMethod must be one of {', '.join(MEMBERSHIP_METHODS)}")
    query = body.get("memberQuery")
    if query is not None and not isinstance(query, dict):
        raise BadRequest("memberQuery must be an object")
    exemptions = body.get("memberQueryExemptions") or []
    if not isinstance(exemptions, list) or not all(isinstance(item, dict) for item in exemptions):
        raise BadRequest("memberQueryExemptions must be an array of objects")
    notify = body.get("memberSuggestionsNotify", False)
    if not isinstance(notify, bool):
        raise BadRequest("memberSuggestionsNotify must be a boolean")
    # a full update: every writable field of UserGroupPut left out goes back to its default
    fields.update(attributes=attributes or None, membershipMethod=method, memberQuery=query)
    fields.update(memberQueryExemptions=exemptions, memberSuggestionsNotify=notify)
    return fields


def _iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a Z, like `2021-02-12T17:45:42.369Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
