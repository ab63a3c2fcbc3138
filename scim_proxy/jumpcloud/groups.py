"""JumpCloudGroups: the v2 user group endpoints, over JumpCloudClient.request() (no HTTP of its own).

Retries, error translation and accounting are JumpCloudClient's. Member changes are sent as
idempotent calls (retried like GETs), because a repeat is harmless here: adding a member
twice answers "Already Exists" and removing a non-member answers 404, and both count as done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from scim_proxy.errors import Conflict, InvalidValue, NotFound, ProxyError, Throttled, UpstreamUnavailable
from scim_proxy.jumpcloud import budget, decode
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.models import Credentials, GroupPage, JcGroup

PAGE = 100  # the most a v2 list returns per call
_BASE = "/api/v2/usergroups"


class JumpCloudGroups:
    """One method per v2 user group endpoint; errors come out as ProxyErrors."""

    def __init__(self, client: JumpCloudClient, *, concurrency: int = 5) -> None:
        self._client = client
        self._concurrency = concurrency

    async def list_groups(
        self, *, auth: Credentials, skip: int = 0, limit: int = PAGE, name: str | None = None
    ) -> GroupPage:
        """GET /usergroups: a bare JSON array plus `x-total-count`; `name` filters with `name:eq:`."""
        params = {"limit": str(limit), "skip": str(skip)}
        if name is not None:
            params["filter"] = f"name:eq:{name}"  # the value is everything after the second ':'
        response = await self._client.request("GET", _BASE, auth=auth, params=params, operation="list_groups")
        return decode.group_page(response)

    async def list_all(self, *, auth: Credentials) -> list[JcGroup]:
        """Every group, page by page (for lookups JumpCloud cannot filter, such as externalId)."""
        found: list[JcGroup] = []
        while True:
            page = await self.list_groups(auth=auth, skip=len(found), limit=PAGE)
            found.extend(page.groups)
            if len(page.groups) < PAGE or (page.total is not None and len(found) >= page.total):
                return found

    async def get(self, group_id: str, *, auth: Credentials) -> JcGroup:
        response = await self._client.request("GET", f"{_BASE}/{group_id}", auth=auth, operation="get_group")
        return decode.group(decode.json_of(response))

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
        return decode.group(decode.json_of(response))

    async def delete(self, group_id: str, *, auth: Credentials) -> None:
        """DELETE /usergroups/{id} (200 or 204); a retry meeting 404 means our first attempt deleted it."""
        stats = budget.current()
        calls_before = stats.calls
        try:
            await self._client.request("DELETE", f"{_BASE}/{group_id}", auth=auth, operation="delete_group")
        except NotFound:
            if stats.calls - calls_before > 1:
                return
            raise

    async def list_members(self, group_id: str, *, auth: Credentials) -> list[str]:
        """Direct user members, every page: a group can hold more than the 100 one call returns."""
        member_ids: list[str] = []
        skip = 0
        while True:
            response = await self._client.request(
                "GET",
                f"{_BASE}/{group_id}/members",
                auth=auth,
                params={"limit": str(PAGE), "skip": str(skip)},
                operation="list_group_members",
            )
            items = decode.array_of(response)
            member_ids.extend(decode.user_member_ids(items))
            skip += len(items)
            total = decode.total_count(response)
            if len(items) < PAGE or (total is not None and skip >= total):
                return member_ids

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
        """Apply every change, a few at a time; return the user ids that failed, with why."""
        gate = asyncio.Semaphore(self._concurrency)

        async def one(user_id: str, adding: bool) -> tuple[str, ProxyError | None]:
            async with gate:
                try:
                    if adding:
                        await self.add_member(group_id, user_id, auth=auth)
                    else:
                        await self.remove_member(group_id, user_id, auth=auth)
                except ProxyError as exc:
                    return user_id, exc
                return user_id, None

        jobs = [one(uid, False) for uid in remove] + [one(uid, True) for uid in add]
        results = await asyncio.gather(*jobs)
        return {uid: exc for uid, exc in results if exc is not None}

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
