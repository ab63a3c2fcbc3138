"""Frozen attrs models for what we read from JumpCloud and what we send with every call.

Pure: no HTTP here; `decode.py` builds these from JumpCloud's JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import attrs


def key_digest(api_key: str, org_id: str | None) -> bytes:
    """The identity of a credential in our tables: SHA-256 of the key and the org id it acts on."""
    return hashlib.sha256(f"{org_id or ''}\x00{api_key}".encode("utf-8", "surrogatepass")).digest()


@attrs.frozen
class Credentials:
    """The Entra Secret Token (a JumpCloud API key) and, for multi-tenant admins, the org id.

    Hashed here, once per request rather than twice per JumpCloud call: `digest` is the
    credential's identity for KeyVerdicts (key and org id), `key_id` the key's own for
    KeyLimiter (JumpCloud limits per key, whatever the org); the same digest without an org id.
    """

    api_key: str = attrs.field(repr=False)
    org_id: str | None = None
    digest: bytes = attrs.field(init=False, eq=False, repr=False)
    key_id: bytes = attrs.field(init=False, eq=False, repr=False)

    @digest.default
    def _digest(self) -> bytes:
        return key_digest(self.api_key, self.org_id)

    @key_id.default
    def _key_id(self) -> bytes:
        return key_digest(self.api_key, None) if self.org_id else self.digest


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
