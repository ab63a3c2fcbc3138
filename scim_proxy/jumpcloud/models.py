"""Frozen attrs models for what we read from JumpCloud and what we send with every call.

Pure: no HTTP here; `decode.py` builds these from JumpCloud's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class Credentials:
    """The Entra Secret Token (a JumpCloud API key) and, for multi-tenant admins, the org id."""

    api_key: str = attrs.field(repr=False)
    org_id: str | None = None


@attrs.frozen(kw_only=True)
class JcUser:
    """A JumpCloud systemuser as returned by GET, POST, PUT and search.

    The fields the proxy reasons about are typed; `fields` keeps the whole record, from which
    the attribute table reads the mapped string fields (so a new mapping needs no new field here).
    """

    id: str
    username: str = ""
    email: str = ""
    state: str | None = None
    suspended: bool = False
    activated: bool | None = None
    password_expired: bool = False
    created: str | None = None
    fields: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    def text(self, name: str) -> str | None:
        """A string field as JumpCloud holds it; None when absent, null, empty or not a string."""
        value = self.fields.get(name)
        return value if isinstance(value, str) and value else None


@attrs.frozen(kw_only=True)
class JcPage:
    """One page of a list or search: `totalCount` matches, `results` on this page."""

    total_count: int
    results: tuple[JcUser, ...]


@attrs.frozen(kw_only=True)
class JcGroup:
    """A JumpCloud user group; `raw` keeps the fields we only carry through a PUT."""

    id: str
    name: str
    description: str = ""
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen
class GroupPage:
    """One page of groups and JumpCloud's `x-total-count` for the whole query (None if absent)."""

    total: int | None
    groups: tuple[JcGroup, ...]
