"""Frozen attrs models for the JumpCloud systemuser fields we read (the rest is ignored)."""

from __future__ import annotations

import attrs


@attrs.frozen(kw_only=True)
class JcUser:
    """A JumpCloud systemuser as returned by GET, POST, PUT and search (fields we map)."""

    id: str
    username: str = ""
    email: str = ""
    firstname: str | None = None
    lastname: str | None = None
    displayname: str | None = None
    job_title: str | None = None
    department: str | None = None
    company: str | None = None
    cost_center: str | None = None
    employee_type: str | None = None
    employee_identifier: str | None = None
    location: str | None = None
    manager: str | None = None
    external_dn: str | None = None
    state: str | None = None
    suspended: bool = False
    activated: bool | None = None
    password_expired: bool = False
    created: str | None = None


@attrs.frozen(kw_only=True)
class JcPage:
    """One page of a list or search: `totalCount` matches, `results` on this page."""

    total_count: int
    results: tuple[JcUser, ...]
