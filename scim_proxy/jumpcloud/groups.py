"""JumpCloudGroups: the v2 user group endpoints, over JumpCloudClient.request() (no HTTP of its own).

Retries, error translation and accounting are JumpCloudClient's. Member changes are sent as
idempotent calls (retried like GETs), because a repeat is harmless here: adding a member
twice answers "Already Exists" and removing a non-member answers 404, and both count as done.

Group lists are paged with `sort=_id` (JumpCloud's API best-practice article). Name lookups
(`find_by_name`) never put a name JumpCloud would read differently into `filter=name:eq:`: the
v2 `filter` is an array parameter in the csv format (so ',' starts another filter) and its
values "support wild cards" ('*'); such names, and a lookup JumpCloud answers with 400, are
found by reading the group list instead, bounded by MAX_SCANNED_GROUPS.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from scim_proxy.errors import (
    CallBudgetExhausted,
    Conflict,
    Forbidden,
    InvalidValue,
    NotFound,
    ProxyError,
    Throttled,
    Unauthorized,
    UpstreamUnavailable,
)
from scim_proxy.jumpcloud import decode
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.models import Credentials, GroupPage, JcGroup
from scim_proxy.jumpcloud.v2_filter import v2_literal

PAGE = 100  # the most a v2 list returns per call
MAX_SCANNED_GROUPS = 5000  # a name or externalId scan reads at most this many groups (50 calls)
MAX_MEMBERS = 100_000  # a member list is read up to this many members (1,000 calls)
_BASE = "/api/v2/usergroups"
_ENDS_FAN_OUT = (Unauthorized, Forbidden, CallBudgetExhausted)


@attrs.frozen
class GroupScan:
    """Groups read from the full list; `complete` is False when MAX_SCANNED_GROUPS stopped the scan."""

    groups: tuple[JcGroup, ...]
    complete: bool


class JumpCloudGroups:
    """One method per v2 user group endpoint; errors come out as ProxyErrors."""

    def __init__(self, client: JumpCloudClient, *, concurrency: int = 5) -> None:
        self._client = client
        self._concurrency = concurrency

    async def list_groups(
        self, *, auth: Credentials, skip: int = 0, limit: int = PAGE, name: str | None = None, sort: str | None = None
    ) -> GroupPage:
        """GET /usergroups: a bare JSON array plus `x-total-count`; `name` filters with `name:eq:`.

        `name` must reach JumpCloud as itself (v2_literal: no ',' or '*', register JC-82);
        `find_by_name` sees to that. `sort` defaults to `_id`, so pages neither skip nor repeat.
        """
        params = {"limit": str(limit), "skip": str(skip), "sort": sort or "_id"}
        if name is not None:
            if not v2_literal(name):
                raise ValueError("a group name holding ',' or '*' cannot be a v2 filter value")
            params["filter"] = f"name:eq:{name}"  # the value is everything after the second ':'
        response = await self._client.request("GET", _BASE, auth=auth, params=params, operation="list_groups")
        return decode.group_page(response)

    async def list_all(self, *, auth: Credentials) -> GroupScan:
        """Every group, page by page, up to MAX_SCANNED_GROUPS (for lookups JumpCloud cannot filter)."""
        found: list[JcGroup] = []
        while len(found) < MAX_SCANNED_GROUPS:
            page = await self.list_groups(auth=auth, skip=len(found), limit=PAGE)
            found.extend(page.groups)
            if len(page.groups) < PAGE or (page.total is not None and len(found) >= page.total):
                return GroupScan(tuple(found), complete=True)
        return GroupScan(tuple(found), complete=False)

    async def find_by_name(self, name: str, *, auth: Credentials, ignore_case: bool) -> GroupScan:
        """The groups named `name` (ignoring case if asked): one `name:eq:` call when that is safe.

        `name:eq:` is exact and case-sensitive (the spec: the value "Is case sensitive"). It is
        skipped for a name v2 would split or glob (v2_literal), and a 400 to it falls back too: then,
        and for a case-insensitive lookup that found no exact match, the group list is scanned.
        """
        if v2_literal(name):
            try:
                page = await self.list_groups(auth=auth, name=name)
            except InvalidValue:
                page = None  # JumpCloud could not read the filter: compare the names ourselves
            if page is not None:
                exact = tuple(g for g in page.groups if g.name == name)
                if exact or not ignore_case:
                    return GroupScan(exact, complete=True)
        scan = await self.list_all(auth=auth)
        wanted = name.casefold() if ignore_case else name
        same = tuple(g for g in scan.groups if (g.name.casefold() if ignore_case else g.name) == wanted)
        return GroupScan(same, complete=scan.complete)

    async def get(self, group_id: str, *, auth: Credentials) -> JcGroup:
        response = await self._client.request("GET", f"{_BASE}/{group_id}", auth=auth, operation="get_group")
        return decode.group(decode.found_record(response, operation="get_group"))

    async def create(
        self, body: dict[str, Any], *, auth: Credentials, committed: Callable[[], Awaitable[JcGroup | None]]
    ) -> JcGroup:
        """POST /usergroups (201); `committed()` finds the group if an unanswered send was applied."""
        return await self._client.create(
            _BASE,
            auth=auth,
            body=body,
            operation="create_group",
            decode=lambda response: decode.group(decode.json_of(response)),
            committed=committed,
        )

    async def put(self, group_id: str, body: dict[str, Any], *, auth: Credentials) -> JcGroup:
        """PUT /usergroups/{id}: a full update (`name` required); members are not part of it."""
        response = await self._client.request(
            "PUT", f"{_BASE}/{group_id}", auth=auth, body=body, operation="update_group"
        )
        return decode.group(decode.found_record(response, operation="update_group"))

    async def delete(self, group_id: str, *, auth: Credentials) -> None:
        """DELETE /usergroups/{id} (200 or 204); a retry meeting 404 is done (JumpCloudClient.delete)."""
        await self._client.delete(f"{_BASE}/{group_id}", auth=auth, operation="delete_group")

    async def list_members(self, group_id: str, *, auth: Credentials) -> list[str]:
        """Direct user members, every page (up to MAX_MEMBERS): a group can hold more than 100.

        `/members` documents no `sort` (only `limit` and `skip`), so none is sent; a member seen
        twice (the list moved between pages) is kept once.
        """
        member_ids: dict[str, None] = {}
        skip = 0
        while skip < MAX_MEMBERS:
            response = await self._client.request(
                "GET",
                f"{_BASE}/{group_id}/members",
                auth=auth,
                params={"limit": str(PAGE), "skip": str(skip)},
                operation="list_group_members",
            )
            items = decode.array_of(response)
            member_ids.update(dict.fromkeys(decode.user_member_ids(items)))
            skip += len(items)
            total = decode.total_count(response)
            if len(items) < PAGE or (total is not None and skip >= total):
                break
        return list(member_ids)

    async def members_of(self, groups: Sequence[JcGroup], *, auth: Credentials) -> list[list[str]]:
        """The members of several groups, a few groups at a time."""
        gate = asyncio.Semaphore(self._concurrency)

        async def one(group: JcGroup) -> list[str]:
            async with gate:
                return await self.list_members(group.id, auth=auth)

        return list(await asyncio.gather(*(one(g) for g in groups)))

    async def add_member(self, group_id: str, user_id: str, *, auth: Credentials) -> None:
        """Add one user; "Already Exists" (409, or 400 with that message) means it is done."""
        with contextlib.suppress(Conflict):
            await self._change(group_id, "add", user_id, auth)

    async def remove_member(self, group_id: str, user_id: str, *, auth: Credentials) -> None:
        """Remove one user; 404 (not a member) means it is done."""
        with contextlib.suppress(NotFound):
            await self._change(group_id, "remove", user_id, auth)

    async def change_members(
        self, group_id: str, *, add: Iterable[str], remove: Iterable[str], auth: Credentials
    ) -> dict[str, ProxyError]:
        """Apply every change with a few workers; return the user ids that failed, with why.

        A few worker tasks pull from one iterator, so a long list costs a few tasks, not one
        per member. A rejection of the key or the role (401, 403), or the request's call
        budget running out, stops the workers (calls already in flight finish) and is raised:
        the other members would only meet the same answer.
        """
        jobs = itertools.chain(((uid, False) for uid in remove), ((uid, True) for uid in add))
        failures: dict[str, ProxyError] = {}
        stopped: list[ProxyError] = []

        async def worker() -> None:
            for user_id, adding in jobs:  # shared: each change is taken by exactly one worker
                if stopped:
                    return
                try:
                    if adding:
                        await self.add_member(group_id, user_id, auth=auth)
                    else:
                        await self.remove_member(group_id, user_id, auth=auth)
                except _ENDS_FAN_OUT as exc:
                    stopped.append(exc)
                    return
                except ProxyError as exc:
                    failures[user_id] = exc

        try:
            async with asyncio.TaskGroup() as workers:
                for _ in range(max(1, self._concurrency)):
                    workers.create_task(worker())
        except BaseExceptionGroup as group:  # an unexpected error: raise it as gather() would
            raise group.exceptions[0] from None
        if stopped:
            raise stopped[0]
        return failures

    async def _change(self, group_id: str, op: str, user_id: str, auth: Credentials) -> None:
        await self._client.request(
            "POST",
            f"{_BASE}/{group_id}/members",
            auth=auth,
            body={"op": op, "type": "user", "id": user_id},
            operation=f"{op}_group_member",
        )


def member_failure_error(failures: Mapping[str, ProxyError], *, attempted: int) -> ProxyError:
    """One SCIM error for the member changes that failed, naming them; the others were applied.

    The status is the most retryable one among the failures, so Entra retries and the retry
    rolls forward (adding a member twice or removing a non-member is a success).
    """
    errors = list(failures.values())
    ranked = (Throttled, UpstreamUnavailable)
    worst = next((e for kind in ranked for e in errors if isinstance(e, kind)), errors[0])
    ids = sorted(failures)
    shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
    reason = "no JumpCloud user has that id" if isinstance(worst, NotFound) else str(worst)
    detail = f"{len(ids)} of {attempted} member changes failed ({shown}); the others were applied. {reason}"
    kind = InvalidValue if isinstance(worst, NotFound) else type(worst)
    retry_after = max((e.retry_after for e in errors if e.retry_after is not None), default=None)
    return kind(detail, retry_after=retry_after)
