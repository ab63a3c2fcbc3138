"""Frozen attrs models for what we hold of a SCIM User, and the parsed request shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import attrs

Value: TypeAlias = str | bool | None  # None in a change means "clear this attribute"


@attrs.frozen(kw_only=True)
class ScimUser:
    """A User as JumpCloud holds it: the attribute table's fields that are set, plus id and timestamps."""

    id: str
    values: Mapping[str, Value] = attrs.field(factory=dict)  # field name -> value; unset attributes absent
    created: str | None = None
    last_modified: str | None = None

    def get(self, field: str) -> Value:
        """The value of one attribute (by field name), or None when it is not set."""
        return self.values.get(field)


@attrs.frozen
class Change:
    """Set `field` (an attribute's field name) to `value`; None clears it."""

    field: str
    value: Value


@attrs.frozen(kw_only=True)
class Parsed:
    """What a request body says, plus the paths we ignored (for the log, not an error)."""

    changes: tuple[Change, ...]
    ignored: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Value]:
        """Later changes win, as RFC 7644 applies operations in order."""
        return {c.field: c.value for c in self.changes}
