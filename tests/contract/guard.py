"""The safety net of a live run: a guarded HTTP client that owns what it creates, and the cleanup.

The same code runs against the emulator (`make test`) and against a real org (`make contract-live`),
so the guard is exercised on every run: a create must carry the run's name prefix, and a write to
an existing user or group is refused unless this run created it (an id that does not exist, such as
the 404 probes, is checked with a GET first).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

from scim_proxy.jumpcloud.client import JumpCloudClient, RetryPolicy

from .support import Target

_USER_PATH = re.compile(r"^/api/systemusers/(?P<id>[^/]+)(?P<rest>/.*)?$")
_GROUP_PATH = re.compile(r"^/api/v2/usergroups/(?P<id>[^/]+)(?P<rest>/.*)?$")
_READ_ONLY_POSTS = ("/api/search/systemusers",)


class UnsafeRequest(RuntimeError):
    """The guard refused a request that could touch something this run did not create."""


class Owned:
    """Ids of users and groups created through a guarded client, and the prefix they must carry."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.users: list[str] = []
        self.groups: list[str] = []

    def owns_user(self, user_id: str) -> bool:
        return user_id in self.users

    def owns_group(self, group_id: str) -> bool:
        return group_id in self.groups


class Guard:
    """httpx event hooks: refuse unsafe writes before they are sent, record what a create made."""

    def __init__(self, owned: Owned, probe: httpx.Client) -> None:
        self.owned = owned
        self.probe = probe  # unguarded, for GET checks of ids we did not create

    def check(self, request: httpx.Request) -> None:
        """Raise UnsafeRequest unless the request can only touch this run's objects."""
        method, path = request.method, request.url.path
        if method in ("GET", "HEAD") or (method == "POST" and path in _READ_ONLY_POSTS):
            return
        body = _json_or_none(request.content)
        if method == "POST" and path == "/api/systemusers":
            self._check_name(body, "username")
        elif method == "POST" and path == "/api/v2/usergroups":
            self._check_name(body, "name")
        elif match := _USER_PATH.match(path):
            self._check_user(match["id"])
            if method == "PUT":
                self._check_name(body, "username")
            cascade = request.url.params.get("cascade_manager")
            if cascade not in (None, "", "null"):
                self._check_user(cascade)
        elif match := _GROUP_PATH.match(path):
            self._check_group(match["id"])
            if method == "PUT":
                self._check_name(body, "name")
            if match["rest"] == "/members" and isinstance(body, dict) and isinstance(body.get("id"), str):
                self._check_user(body["id"])
        else:
            raise UnsafeRequest(f"refusing {method} {path}: not a route the contract tests may write to")

    def record(self, response: httpx.Response) -> None:
        """Remember the id of every user or group a create made (so the cleanup can delete it)."""
        request = response.request
        if request.method != "POST" or request.url.path not in ("/api/systemusers", "/api/v2/usergroups"):
            return
        response.read()
        if response.status_code not in (200, 201):
            return
        created = response.json()
        if request.url.path == "/api/systemusers":
            self.owned.users.append(created["_id"])
        else:
            self.owned.groups.append(created["id"])

    def _check_name(self, body: Any, key: str) -> None:
        name = body.get(key) if isinstance(body, dict) else None
        if isinstance(name, str) and name and not name.startswith(self.owned.prefix):
            raise UnsafeRequest(f"refusing to write {key} {name!r}: it lacks the prefix {self.owned.prefix!r}")

    def _check_user(self, user_id: str) -> None:
        if not self.owned.owns_user(user_id):
            self._check_absent(f"/api/systemusers/{user_id}", user_id)

    def _check_group(self, group_id: str) -> None:
        if not self.owned.owns_group(group_id):
            self._check_absent(f"/api/v2/usergroups/{group_id}", group_id)

    def _check_absent(self, path: str, object_id: str) -> None:
        status = self.probe.get(path).status_code
        if status not in (400, 404):  # 400: a malformed id can name nothing
            raise UnsafeRequest(f"refusing to touch {object_id}: this run did not create it (GET said {status})")


def guarded_client(target: Target, owned: Owned) -> tuple[httpx.Client, httpx.Client]:
    """A client for `target` whose writes pass the guard, and the unguarded probe it uses."""
    probe = target.client(record=False)
    guard = Guard(owned, probe)
    client = target.client(event_hooks={"request": [guard.check], "response": [guard.record]})
    return client, probe


@contextlib.asynccontextmanager
async def guarded_proxy_client(target: Target, owned: Owned, probe: httpx.Client) -> AsyncIterator[JumpCloudClient]:
    """The proxy's own JumpCloudClient pointed at `target`, its writes through the guard (`probe` checks ids),
    its exchanges in the report; so a live run checks the requests the proxy really makes."""
    guard = Guard(owned, probe)

    async def check(request: httpx.Request) -> None:
        guard.check(request)

    responses = [target.book.acapture] if target.book is not None else []
    hooks = {"request": [check], "response": responses}
    async with httpx.AsyncClient(base_url=target.base_url, timeout=target.timeout, event_hooks=hooks) as http:
        yield JumpCloudClient(http, retry=RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.05))


def cleanup(client: httpx.Client, owned: Owned, *, prefix: str) -> list[str]:
    """Delete every user and group this run created or whose name starts with `prefix`; returns problems.

    Users go first, with `cascade_manager=null` so that managers among them do not block; an
    object already gone (404) is fine. Nothing without the prefix is ever deleted.
    """
    problems: list[str] = []
    user_ids = list(dict.fromkeys([*owned.users, *_prefixed_user_ids(client, prefix, problems)]))
    for user_id in user_ids:
        _delete(client, f"/api/systemusers/{user_id}", params={"cascade_manager": "null"}, problems=problems)
    group_ids = list(dict.fromkeys([*owned.groups, *_prefixed_group_ids(client, prefix, problems)]))
    for group_id in group_ids:
        _delete(client, f"/api/v2/usergroups/{group_id}", params={}, problems=problems)
    owned.users.clear()
    owned.groups.clear()
    return problems


def _prefixed_user_ids(client: httpx.Client, prefix: str, problems: list[str]) -> list[str]:
    body = {"filter": [{"username": {"$regex": f"^{re.escape(prefix)}"}}], "fields": "username", "limit": 100}
    resp = client.post("/api/search/systemusers", json=body)
    if resp.status_code != 200:
        problems.append(f"search for leftovers answered {resp.status_code}")
        return []
    return [u["_id"] for u in resp.json()["results"] if str(u.get("username", "")).startswith(prefix)]


def _prefixed_group_ids(client: httpx.Client, prefix: str, problems: list[str]) -> list[str]:
    resp = client.get("/api/v2/usergroups", params={"filter": f"name:search:{prefix}", "limit": "100"})
    if resp.status_code != 200:
        problems.append(f"group list for leftovers answered {resp.status_code}")
        return []
    return [g["id"] for g in resp.json() if str(g.get("name", "")).startswith(prefix)]


def _delete(client: httpx.Client, path: str, *, params: dict[str, str], problems: list[str]) -> None:
    resp = client.delete(path, params=params)
    if resp.status_code not in (200, 204, 404):
        problems.append(f"DELETE {path} answered {resp.status_code}")


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None
