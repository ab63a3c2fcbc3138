"""JumpCloudUsers: the v1 systemusers endpoints, over JumpCloudClient.request() (no HTTP of its own).

Retries, error translation and accounting are JumpCloudClient's; answers are read by decode.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from scim_proxy.errors import NotFound
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.models import Credentials, JcPage, JcUser


class JumpCloudUsers:
    """One method per systemusers endpoint we use; errors come out as ProxyErrors."""

    def __init__(self, client: JumpCloudClient) -> None:
        self._client = client
        self._decode = client.decoder

    async def get_user(self, user_id: str, *, auth: Credentials) -> JcUser:
        response = await self._client.request("GET", f"/api/systemusers/{user_id}", auth=auth, operation="get_user")
        return self._decode.user(response)

    async def list_users(self, *, skip: int, limit: int, auth: Credentials) -> JcPage:
        params = {"skip": str(skip), "limit": str(limit), "sort": "_id"}
        response = await self._client.request(
            "GET", "/api/systemusers", auth=auth, params=params, operation="list_users"
        )
        return self._decode.page(response)

    async def search_users(self, query: list[dict[str, Any]], *, skip: int, limit: int, auth: Credentials) -> JcPage:
        body = {"filter": {"and": query}, "skip": skip, "limit": limit}
        response = await self._client.request(
            "POST", "/api/search/systemusers", auth=auth, body=body, operation="search_users"
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
        response = await self._client.request(
            "PUT", f"/api/systemusers/{user_id}", auth=auth, body=dict(body), operation="update_user"
        )
        return self._decode.user(response)

    async def delete_user(self, user_id: str, *, auth: Credentials) -> None:
        # cascade_manager=null clears `manager` on direct reports, so deleting a manager cannot fail.
        stats = budget.current()
        calls_before = stats.calls
        try:
            await self._client.request(
                "DELETE",
                f"/api/systemusers/{user_id}",
                auth=auth,
                params={"cascade_manager": "null"},
                operation="delete_user",
            )
        except NotFound:
            # A retried DELETE meeting 404: our earlier, unanswered attempt did the deleting.
            if stats.calls - calls_before > 1:
                return
            raise
