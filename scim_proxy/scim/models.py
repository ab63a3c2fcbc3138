"""Frozen attrs models for what we hold of a SCIM User, and the parsed request shapes."""

from __future__ import annotations

from typing import Any, TypeAlias

import attrs

Value: TypeAlias = str | bool | None  # None in a change means "clear this attribute"


@attrs.frozen(kw_only=True)
class ScimUser:
    """A User as JumpCloud can hold it: one email, the enterprise attributes flattened."""

    id: str | None = None
    user_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    active: bool | None = None
    title: str | None = None
    locale: str | None = None
    user_type: str | None = None
    external_id: str | None = None
    employee_number: str | None = None
    department: str | None = None
    cost_center: str | None = None
    organization: str | None = None
    manager: str | None = None
    created: str | None = None
    last_modified: str | None = None

    def values(self) -> dict[str, Any]:
        """The attribute fields that are set, keyed by field name."""
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


@attrs.frozen
class Change:
    """Set `field` (a ScimUser field name) to `value`; None clears it."""

    field: str
    value: Value


MAX_SHOWN_PATH = 128


def shown_paths(paths: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Ignored paths as the log shows them: a hostile 1 MiB key becomes its first 128 characters."""
    return tuple(p if len(p) <= MAX_SHOWN_PATH else p[:MAX_SHOWN_PATH] + "..." for p in paths)


@attrs.frozen(kw_only=True)
class Parsed:
    """What a request body says, plus the paths we ignored (for the log, not an error)."""

    changes: tuple[Change, ...]
    ignored: tuple[str, ...] = attrs.field(default=(), converter=shown_paths)

    def as_dict(self) -> dict[str, Value]:
        """Later changes win, as RFC 7644 applies operations in order."""
        return {c.field: c.value for c in self.changes}
