"""JumpCloudUsers: the v1 systemusers endpoints, over JumpCloudClient.request() (no HTTP of its own).

Retries, error translation and accounting are JumpCloudClient's; answers are read by decode.py.
Every paged call sends `sort=_id` (JumpCloud's API best-practice article: without it, pages may
miss or repeat records); a search sends `skip`/`limit` in its body and, for older deployments
that read them there, in the query too (as JumpCloud's PowerShell SDK does).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from scim_proxy.errors import Conflict, InvalidValue, Mutability, ProxyError
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.models import Credentials, JcPage, JcUser

RENAME_FIX = (
    "JumpCloud does not change a username once the user is bound to devices or other resources "
    "(its PowerShell module: the username 'is not modifiable after user creation'). Fix: keep the "
    "source of userName unchanged in Entra, or unbind the user from its devices in JumpCloud, let "
    "Entra retry the change, then bind the user again."
)


class JumpCloudUsers:
    """One method per systemusers endpoint we use; errors come out as ProxyErrors."""

    def __init__(self, client: JumpCloudClient) -> None:
        self._client = client
        self._decode = client.decoder

    async def get_user(self, user_id: str, *, auth: Credentials) -> JcUser:
        """GET one user; NotFound for a 404 and for a 2xx that holds no user (see decode.found_record)."""
        response = await self._client.request("GET", f"/api/systemusers/{user_id}", auth=auth, operation="get_user")
        return self._decode.found_user(response, operation="get_user")

    async def list_users(self, *, skip: int, limit: int, auth: Credentials, sort: str = "_id") -> JcPage:
        """A page of every user, in `sort` order (space-separated fields, `-` for descending)."""
        params = {"skip": str(skip), "limit": str(limit), "sort": sort}
        response = await self._client.request(
            "GET", "/api/systemusers", auth=auth, params=params, operation="list_users"
        )
        return self._decode.page(response)

    async def search_users(
        self, query: Mapping[str, Any] | None, *, skip: int, limit: int, auth: Credentials
    ) -> JcPage:
        """POST /search/systemusers with `query` as its `filter` (None: every user).

        Paging goes in the body and the query alike, as JumpCloud's PowerShell module sends it;
        `sort=_id` only in the query: `sort` is no field of the search body (JC-21).
        """
        body: dict[str, Any] = {"skip": skip, "limit": limit}
        if query is not None:
            body = {"filter": dict(query), **body}
        params = {"skip": str(skip), "limit": str(limit), "sort": "_id"}
        response = await self._client.request(
            "POST", "/api/search/systemusers", auth=auth, params=params, body=body, operation="search_users"
        )
        return self._decode.page(response)

    async def create_user(
        self, body: Mapping[str, Any], *, auth: Credentials, committed: Callable[[], Awaitable[JcUser | None]]
    ) -> JcUser:
        """POST /systemusers; `committed()` finds the user if an unanswered send was applied (client.create)."""
        return await self._client.create(
            "/api/systemusers",
            auth=auth,
            body=dict(body),
            operation="create_user",
            decode=self._decode.user,
            committed=committed,
        )

    async def update_user(self, user_id: str, body: Mapping[str, Any], *, auth: Credentials) -> JcUser:
        """PUT the fields in `body`; a rename JumpCloud refuses or ignores is Mutability (400), never a 5xx."""
        wanted = body.get("username")
        try:
            response = await self._client.request(
                "PUT", f"/api/systemusers/{user_id}", auth=auth, body=dict(body), operation="update_user"
            )
        except (InvalidValue, Conflict) as exc:
            if isinstance(wanted, str) and refuses_rename(exc):
                raise Mutability(f"userName cannot be changed to {wanted!r}: {exc}. {RENAME_FIX}") from exc
            raise
        user = self._decode.found_user(response, operation="update_user")
        # case-folded: a JumpCloud that normalised the case would otherwise fail every rename
        if isinstance(wanted, str) and user.username.casefold() != wanted.casefold():
            raise Mutability(
                f"userName cannot be changed to {wanted!r}: JumpCloud kept {user.username!r} "
                f"(the other attributes were saved). {RENAME_FIX}"
            )
        return user

    async def delete_user(self, user_id: str, *, auth: Credentials) -> None:
        """DELETE one user (a retry meeting 404 is done: JumpCloudClient.delete)."""
        # cascade_manager=null clears `manager` on direct reports, so deleting a manager cannot fail.
        await self._client.delete(
            f"/api/systemusers/{user_id}", auth=auth, params={"cascade_manager": "null"}, operation="delete_user"
        )


def refuses_rename(exc: ProxyError) -> bool:
    """Whether a refused PUT that carried a username was refused for the username.

    JumpCloud's wording is unknown (register row JC-53): a 400, 409 or 422 whose message names
    the username and is not a uniqueness conflict ("already exists") is taken as a refusal.
    """
    message = str(exc).lower()
    return "username" in message and "already exist" not in message
