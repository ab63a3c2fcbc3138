"""Pure: a group PatchOp in both Entra dialects, turned into a rename and a member plan.

- `op` in any case; `displayName`, `externalId` and `members` by path or in a no-path value
  object;
- members added and removed by `value` arrays (several per op), or removed by a
  `members[value eq "id"]` path without a value (aadOptscim062020);
- `replace members` sets the whole list; `remove members` without a filter empties it;
- at most `max_members` member entries in all operations together (TooManyMembers above).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from scim_proxy.errors import InvalidPath, InvalidValue, NoTarget
from scim_proxy.scim.groups import (
    MAX_MEMBERS,
    canonical_path,
    check_member_count,
    display_name_of,
    external_id_of,
    member_ids,
    user_id_of,
)
from scim_proxy.scim.models import shown_paths
from scim_proxy.scim.patch import (  # the PatchOp envelope is the same for Users and Groups
    patch_operation,
    patch_operations,
)
from scim_proxy.scim.paths import MAX_PATH_LENGTH, split_value_path


@attrs.frozen(kw_only=True)
class MemberPlan:
    """Member changes: `replace` (the whole list) when set, then `add` and `remove` are empty."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    replace: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class GroupPatch:
    """What a group PatchOp asks for, operations applied in order."""

    display_name: str | None = None
    sets_external_id: bool = False
    external_id: str | None = None
    members: MemberPlan = MemberPlan()
    ignored: tuple[str, ...] = attrs.field(default=(), converter=shown_paths)


class _Builder:
    def __init__(self, max_members: int) -> None:
        self.max_members = max_members  # member entries all operations together may name
        self.member_entries = 0
        self.fields: dict[str, Any] = {}
        self.add: dict[str, None] = {}
        self.remove: dict[str, None] = {}
        self.replace: dict[str, None] | None = None
        self.ignored: list[str] = []

    def count_members(self, count: int) -> None:
        """Charge `count` member entries to this request; TooManyMembers once they exceed the limit."""
        check_member_count(self.member_entries + count, limit=self.max_members)
        self.member_entries += count

    def members(self, op: str, ids: tuple[str, ...]) -> None:
        if op == "replace":
            self.replace, self.add, self.remove = dict.fromkeys(ids), {}, {}
            return
        for uid in ids:
            if self.replace is not None:  # after a replace, later ops edit the replacement list
                if op == "add":
                    self.replace[uid] = None
                else:
                    self.replace.pop(uid, None)
            elif op == "add":
                self.add[uid] = None
                self.remove.pop(uid, None)
            else:
                self.remove[uid] = None
                self.add.pop(uid, None)

    def attribute(self, op: str, key: str, value: Any, path: str) -> None:
        if key == "displayname":
            if op == "remove":
                raise InvalidValue("displayName is required and cannot be removed")
            self.fields["display_name"] = display_name_of(value)
        elif key == "externalid":
            self.fields["external_id"] = None if op == "remove" else external_id_of(value)
            self.fields["sets_external_id"] = True
        elif key == "members":
            if op == "remove" and value is None:
                self.members("replace", ())  # RFC 7644 3.5.2.2: no filter, no value: all members go
            else:
                listed = value if value is not None else []
                ids = member_ids(listed, where=path, limit=self.max_members, already=self.member_entries)
                self.count_members(len(listed) if isinstance(listed, list) else 1)
                self.members(op, ids)
        else:
            self.ignored.append(path)

    def build(self) -> GroupPatch:
        replace = None if self.replace is None else tuple(self.replace)
        plan = MemberPlan(add=tuple(self.add), remove=tuple(self.remove), replace=replace)
        return GroupPatch(members=plan, ignored=tuple(self.ignored), **self.fields)


def parse_group_patch(body: Any, *, max_members: int = MAX_MEMBERS) -> GroupPatch:
    """Every change a group PatchOp asks for; paths we do not keep are listed as ignored."""
    builder = _Builder(max_members)
    for index, operation in enumerate(patch_operations(body)):
        op, path, value, has_value = patch_operation(operation, index)
        if path is None:
            if op == "remove":
                raise NoTarget(f"Operations[{index}]: remove needs a path")
            if not isinstance(value, Mapping):
                raise InvalidValue(f"Operations[{index}]: an {op} without a path needs an object value")
            for key, item in value.items():
                builder.attribute(op, canonical_path(str(key)), item, str(key))
            continue
        if len(path) > MAX_PATH_LENGTH:
            raise InvalidPath(f"Operations[{index}]: the path is longer than {MAX_PATH_LENGTH} characters")
        key = canonical_path(path)
        if "[" in key:
            member_id = _member_filter_id(key)
            if member_id is None:
                raise InvalidPath(f'Operations[{index}]: only members[value eq "<id>"] filters are supported')
            if op != "remove":
                raise InvalidPath(f"Operations[{index}]: '{path}' can only be removed; add members by value")
            builder.count_members(1)
            builder.members("remove", (user_id_of(member_id, where=path),))
        elif op != "remove" and not has_value:
            raise InvalidValue(f"Operations[{index}]: {op} of '{path}' needs a value")
        else:
            builder.attribute(op, key, value, path)
    return builder.build()


def _member_filter_id(key: str) -> str | None:
    """The id in `members[value eq "<id>"]` (optionally followed by `.value`); None for any other filter."""
    try:
        filtered = split_value_path(key)
    except InvalidPath:
        return None
    if filtered is None or not filtered.quoted or filtered.sub not in (None, "value"):
        return None
    if (filtered.attribute, filtered.field, filtered.op) != ("members", "value", "eq"):
        return None
    return filtered.value
