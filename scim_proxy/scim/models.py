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
    """Set `field` (an attribute's field name) to `value`; None clears it.

    With `only_if`, the change applies only while the attribute holds that value: a value-filtered
    remove such as `manager[value eq "<id>"]` clears the manager only when it is that id.
    """

    field: str
    value: Value
    only_if: str | None = None


MAX_SHOWN_PATH = 128


def shown_paths(paths: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Ignored paths as the log shows them: a hostile 1 MiB key becomes its first 128 characters."""
    return tuple(p if len(p) <= MAX_SHOWN_PATH else p[:MAX_SHOWN_PATH] + "..." for p in paths)


@attrs.frozen(kw_only=True)
class Parsed:
    """What a request body says, plus the paths we ignored (for the log, not an error)."""

    changes: tuple[Change, ...]
    ignored: tuple[str, ...] = attrs.field(default=(), converter=shown_paths)

    @property
    def conditional(self) -> bool:
        """Whether a change depends on the current value (decide it with patch.resolve_conditions)."""
        return any(c.only_if is not None for c in self.changes)

    def as_dict(self) -> dict[str, Value]:
        """Later changes win, as RFC 7644 applies operations in order; conditions must be resolved first."""
        if self.conditional:
            raise ValueError("conditional changes must be resolved against the current values first")
        return {c.field: c.value for c in self.changes}
