"""What the contract tests share: the Target, names, waiting for a real org, error bodies.

The guard that keeps a live run to its own objects, and the cleanup, are in guard.py.
"""

from __future__ import annotations

import functools
import itertools
import secrets
import ssl
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpx
import pytest

from devtools.emulator import EmulatorState

if TYPE_CHECKING:
    from .book import ContractBook

BASE_PREFIX = "scimproxy-contract-"
UNKNOWN_ID = "0123456789abcdef01234567"  # well-formed, and checked absent before any write to it
MALFORMED_ID = "not-an-object-id"
OBJECT_ID = r"^[0-9a-f]{24}$"
EMAIL_DOMAIN = "example.com"  # RFC 2606: activation emails a live org sends for our users go nowhere
JSON_TYPE = "application/json; charset=utf-8"
_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class Target:
    """Where the contract tests send their requests; `emulator` is the live state (None against a real org).

    Every client it makes hands its responses to `book`, which keeps those of the running test.
    """

    base_url: str
    api_key: str = attrs.field(repr=False)
    org_id: str | None
    live: bool
    emulator: EmulatorState | None = None
    book: ContractBook | None = attrs.field(default=None, eq=False, repr=False)

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

    @property
    def strict_observations(self) -> bool:
        """Whether observations must hold: only against the emulator in the register's wording."""
        return self.emulator is not None and self.emulator.config.wording == "register"

    def client(self, *, record: bool = True, **kwargs: Any) -> httpx.Client:
        """A plain client for the target with its headers and timeout (`kwargs` override them).

        Its exchanges go into the report unless `record` is False (the guard's safety probes).
        """
        options: dict[str, Any] = {"headers": self.headers, "timeout": self.timeout, "verify": _ssl_context()}
        hooks: dict[str, list[Any]] = kwargs.pop("event_hooks", {})
        if record and self.book is not None:
            hooks = {**hooks, "response": [*hooks.get("response", []), self.book.capture]}
        return httpx.Client(base_url=self.base_url, event_hooks=hooks, **{**options, **kwargs})


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


def emulator_only(target: Target, reason: str) -> EmulatorState:
    """The emulator's state; against anything else (a real org, another stand-in) the test skips, saying why."""
    if target.emulator is None:
        pytest.skip(f"emulator only: {reason}")
    return target.emulator


def error_body(status: int, message: str) -> dict[str, Any]:
    """SPEC-2022's `Error` body, as the register writes it."""
    grpc = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "FAILED_PRECONDITION"}[status]
    return {"code": status, "message": message, "status": grpc}


NOT_FOUND = error_body(404, "Not Found")


def iter_pages(total: int, size: int) -> Iterator[int]:
    """The `skip` values that page through `total` records `size` at a time, plus one past the end."""
    yield from range(0, total + 1, size)


def get_user(jc: httpx.Client, user_id: str) -> dict[str, Any]:
    """The stored user, read back (a set-up or final-state read that must succeed)."""
    resp = jc.get(f"/api/systemusers/{user_id}")
    assert 200 == resp.status_code, resp.text
    user: dict[str, Any] = resp.json()
    return user


def put_user(jc: httpx.Client, user_id: str, body: dict[str, Any]) -> httpx.Response:
    """`PUT /api/systemusers/{user_id}` with `body`, answered as it is (the test checks the status)."""
    return jc.put(f"/api/systemusers/{user_id}", json=body)


def body_of(resp: httpx.Response) -> Any:
    """The JSON body, or the text when it is not JSON (an observation must not crash on a stand-in's HTML)."""
    try:
        return resp.json()
    except ValueError:
        return resp.text[:500]


def message_of(resp: httpx.Response) -> str:
    """The `message` of an error body, the one field of it the proxy reads (`responses.jumpcloud_message`)."""
    body = body_of(resp)
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else ""
