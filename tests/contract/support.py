"""What the contract tests share: the Target, a guarded HTTP client that owns what it creates, cleanup.

The same code runs against the emulator (`make test`) and against a real org (`make contract-live`),
so the guard is exercised on every run: a create must carry the run's name prefix, and a write to
an existing user or group is refused unless this run created it (an id that does not exist, such as
the 404 probes, is checked with a GET first).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import secrets
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs
import httpx
import pytest

from devtools.emulator import EmulatorState

BASE_PREFIX = "scimproxy-contract-"
UNKNOWN_ID = "0123456789abcdef01234567"  # well-formed, and checked absent before any write to it
MALFORMED_ID = "not-an-object-id"
OBJECT_ID = r"^[0-9a-f]{24}$"
EMAIL_DOMAIN = "example.com"  # RFC 2606: activation emails a live org sends for our users go nowhere
JSON_TYPE = "application/json; charset=utf-8"
_USER_PATH = re.compile(r"^/api/systemusers/(?P<id>[^/]+)(?P<rest>/.*)?$")
_GROUP_PATH = re.compile(r"^/api/v2/usergroups/(?P<id>[^/]+)(?P<rest>/.*)?$")
_READ_ONLY_POSTS = ("/api/search/systemusers",)
_T = TypeVar("_T")


class UnsafeRequest(RuntimeError):
    """The guard refused a request that could touch something this run did not create."""


@attrs.frozen(kw_only=True)
class Target:
    """Where the contract tests send their requests; `emulator` is the live state (None against a real org)."""

    base_url: str
    api_key: str = attrs.field(repr=False)
    org_id: str | None
    live: bool
    emulator: EmulatorState | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The headers every request carries: the key, JSON, and the org for a multi-tenant key."""
        headers = {"x-api-key": self.api_key, "accept": "application/json"}
        if self.org_id:
            headers["x-org-id"] = self.org_id
        return headers

    @property
    def timeout(self) -> httpx.Timeout:
        """Bounded waits: a real org gets more time than a loopback emulator."""
        return httpx.Timeout(20.0 if self.live else 5.0)

    def client(self, **kwargs: Any) -> httpx.Client:
        """A plain client for the target with its headers and timeout (`kwargs` override them)."""
        options: dict[str, Any] = {"headers": self.headers, "timeout": self.timeout, "verify": _ssl_context()}
        return httpx.Client(base_url=self.base_url, **{**options, **kwargs})


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # built once: httpx would load the CA bundle again for every client, ~0.1 s each
    return httpx.create_ssl_context()


def new_run_prefix() -> str:
    """The name prefix of everything one run creates, e.g. `scimproxy-contract-1a2b3c4d-`.

    The one random part of a contract test's names, on purpose: it keeps this run apart from
    earlier runs' leftovers in a real org. No test changes its case or looks inside it.
    """
    return f"{BASE_PREFIX}{secrets.token_hex(4)}-"


class Names:
    """Fresh, prefixed names for one test, numbered in the order the test asks for them.

    Nothing here is random: the test prefix already sets this test apart from every other one,
    so a name is `<test prefix><hint>-<n>`, the same on every run of the test.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._numbers = itertools.count(1)

    def user(self, hint: str = "u") -> str:
        """A username no other test uses: the test prefix, a hint, this test's next number (lower case)."""
        return f"{self.prefix}{hint}-{next(self._numbers)}"

    def group(self, hint: str = "g") -> str:
        """A group name no other test uses."""
        return f"{self.prefix}{hint}-{next(self._numbers)}"

    def other_case(self, name: str) -> str:
        """`name` with the case of every letter after the prefix swapped; the prefix stays, so the guard allows it.

        Raises ValueError when nothing would change (no letter after the prefix): a case-variant
        test given such a name would compare a name with itself and prove nothing.
        """
        if not name.startswith(self.prefix):
            raise ValueError(f"{name!r} does not start with this test's prefix {self.prefix!r}")
        rest = name[len(self.prefix) :]
        if rest.swapcase() == rest:
            raise ValueError(f"{name!r} has no letter after the prefix whose case could change")
        return self.prefix + rest.swapcase()


def email_of(username: str) -> str:
    """The address we give `username`."""
    return f"{username}@{EMAIL_DOMAIN}"


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
    probe = target.client()
    guard = Guard(owned, probe)
    client = target.client(event_hooks={"request": [guard.check], "response": [guard.record]})
    return client, probe


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


def settle(target: Target, check: Callable[[], _T], *, seconds: float = 15.0) -> _T:
    """Run `check` until it stops raising AssertionError: once on the emulator, for up to `seconds` live.

    A real org's list and search may lag a write (some filter operators are documented as
    eventually consistent); the emulator never does, so there the first answer must be right.
    """
    if not target.live:
        return check()
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def skip_on_live(target: Target, reason: str) -> None:
    """Skip the rest of the test against a real org, saying why it is emulator-only."""
    if target.live:
        pytest.skip(f"emulator only: {reason}")


def error_body(status: int, message: str) -> dict[str, Any]:
    """SPEC-2022's `Error` body, as the register writes it."""
    grpc = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "FAILED_PRECONDITION"}[status]
    return {"code": status, "message": message, "status": grpc}


NOT_FOUND = error_body(404, "Not Found")


def iter_pages(total: int, size: int) -> Iterator[int]:
    """The `skip` values that page through `total` records `size` at a time, plus one past the end."""
    yield from range(0, total + 1, size)


def live_stops_here(target: Target, reason: str) -> bool:
    """True against a real org: what follows checks only the emulator's own choices, as `reason` says.

    A test returns there (and passes on what it checked) instead of skipping, so that a live
    run's skip count lists only checks that did not run at all.
    """
    del reason  # it documents the call site
    return target.live
