"""An Entra-like SCIM client: the requests Entra's provisioning service sends, in its two dialects.

Used by `make demo`, the end-to-end tests and the chaos soak, so all three exercise the
proxy with the shapes documented in the reference (string booleans and capitalised ops
in the default dialect; lower-case ops, real booleans and no-path dotted keys with
`aadOptscim062020`).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import attrs
import httpx

Dialect = Literal["default", "flag"]
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@attrs.frozen(kw_only=True)
class DirectoryUser:
    """A user as Entra holds it, already passed through the seed's attribute mappings."""

    object_id: str
    mail_nickname: str
    upn: str
    given_name: str
    surname: str
    job_title: str = ""
    department: str = ""
    active: bool = True

    def scim(self) -> dict[str, Any]:
        """The POST /Users body Entra sends (mailNickname -> userName, UPN -> work email)."""
        body: dict[str, Any] = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
            "externalId": self.object_id,
            "userName": self.mail_nickname,
            "active": self.active,
            "displayName": f"{self.given_name} {self.surname}",
            "emails": [{"primary": True, "type": "work", "value": self.upn}],
            "meta": {"resourceType": "User"},
            "name": {
                "formatted": f"{self.given_name} {self.surname}",
                "familyName": self.surname,
                "givenName": self.given_name,
            },
            "roles": [],
        }
        if self.job_title:
            body["title"] = self.job_title
        if self.department:
            body[ENT] = {"department": self.department}
        return body


class EntraClient:
    """Speaks to a SCIM base URL the way Entra's provisioning service does."""

    def __init__(self, http: httpx.AsyncClient, *, dialect: Dialect = "default") -> None:
        self.http = http
        self.dialect = dialect

    async def test_connection(self) -> httpx.Response:
        """GET /Users?filter=userName eq "<random guid>": must be 200 with no resources."""
        return await self.http.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})

    async def find(self, user_name: str) -> dict[str, Any] | None:
        response = await self.http.get("/Users", params={"filter": f'userName eq "{user_name}"'})
        response.raise_for_status()
        resources: list[dict[str, Any]] = response.json()["Resources"]
        return resources[0] if resources else None

    async def create(self, user: DirectoryUser) -> httpx.Response:
        return await self.http.post(
            "/Users", json=user.scim(), headers={"content-type": "application/scim+json; charset=utf-8"}
        )

    async def update(self, user_id: str, changes: dict[str, Any]) -> httpx.Response:
        """PATCH with `changes` keyed by SCIM path, in this client's dialect."""
        return await self.patch(user_id, self._operations(changes))

    async def set_active(self, user_id: str, active: bool) -> httpx.Response:
        if self.dialect == "default":
            value: Any = "True" if active else "False"
            ops = [{"op": "Replace", "path": "active", "value": value}]
        else:
            ops = [{"op": "replace", "path": "active", "value": active}]
        return await self.patch(user_id, ops)

    async def set_manager(self, user_id: str, manager_id: str) -> httpx.Response:
        op = "Add" if self.dialect == "default" else "add"
        return await self.patch(user_id, [{"op": op, "path": f"{ENT}:manager", "value": manager_id}])

    async def patch(self, user_id: str, operations: list[dict[str, Any]]) -> httpx.Response:
        return await self.http.patch(
            f"/Users/{user_id}",
            json={"schemas": [PATCH_OP], "Operations": operations},
            headers={"content-type": "application/scim+json; charset=utf-8"},
        )

    async def create_group(self, display_name: str, object_id: str) -> httpx.Response:
        """POST /Groups as Entra sends it: always empty, members follow by PATCH."""
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "externalId": object_id,
            "displayName": display_name,
            "members": [],
            "meta": {"resourceType": "Group"},
        }
        return await self.http.post("/Groups", json=body)

    async def add_members(self, group_id: str, user_ids: list[str]) -> httpx.Response:
        if self.dialect == "default":
            op: dict[str, Any] = {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": u} for u in user_ids],
            }
        else:
            op = {"op": "add", "path": "members", "value": [{"value": u} for u in user_ids]}
        return await self.patch_group(group_id, [op])

    async def remove_member(self, group_id: str, user_id: str) -> httpx.Response:
        if self.dialect == "default":
            op: dict[str, Any] = {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": user_id}]}
        else:
            op = {"op": "remove", "path": f'members[value eq "{user_id}"]'}
        return await self.patch_group(group_id, [op])

    async def patch_group(self, group_id: str, operations: list[dict[str, Any]]) -> httpx.Response:
        return await self.http.patch(f"/Groups/{group_id}", json={"schemas": [PATCH_OP], "Operations": operations})

    async def get(self, user_id: str) -> httpx.Response:
        return await self.http.get(f"/Users/{user_id}")

    async def delete(self, user_id: str) -> httpx.Response:
        return await self.http.delete(f"/Users/{user_id}")

    def _operations(self, changes: dict[str, Any]) -> list[dict[str, Any]]:
        if self.dialect == "default":
            return [{"op": "Replace", "path": path, "value": value} for path, value in changes.items()]
        filtered = {p: v for p, v in changes.items() if "[" in p}
        merged = {p: v for p, v in changes.items() if "[" not in p}
        ops: list[dict[str, Any]] = [{"op": "replace", "path": p, "value": v} for p, v in filtered.items()]
        if merged:
            ops.append({"op": "replace", "value": merged})
        return ops
