"""Contract fixtures: the emulator on a loopback socket by default, a real org under `-m live`.

Mode (see docs/jumpcloud-assumptions.md, "How to run against a real org"):
- `pytest` / `make test`: every contract test runs against one emulator served with
  `serve_in_thread` for the session; JUMPCLOUD_LIVE_API_KEY is ignored.
- `pytest tests/contract -m live` / `make contract-live`: the same tests run against
  JUMPCLOUD_LIVE_URL (default https://console.jumpcloud.com) with JUMPCLOUD_LIVE_API_KEY and,
  for a multi-tenant key, JUMPCLOUD_LIVE_ORG_ID; without the key the run stops at once.
Every `test_jc_*` module carries `pytestmark = pytest.mark.live`, so `-m live` selects them all;
an emulator-only test skips itself on a live run with the reason, and a test whose last checks
are about the emulator's own choices stops before them (`live_stops_here`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, Faults, Quirks, create_emulator_app
from devtools.servers import serve_in_thread

from .support import Names, Owned, Target, cleanup, email_of, guarded_client, new_run_prefix, skip_on_live

LIVE_KEY_ENV = "JUMPCLOUD_LIVE_API_KEY"
LIVE_ORG_ENV = "JUMPCLOUD_LIVE_ORG_ID"
LIVE_URL_ENV = "JUMPCLOUD_LIVE_URL"
DEFAULT_LIVE_URL = "https://console.jumpcloud.com"
MSP_KEY = "contract-msp-key"  # the emulator's multi-tenant key, not a secret
MSP_ORG = "5f0c0ffee0c0ffee0c0ff00d"


def live_requested(config: pytest.Config) -> bool:
    """Whether the run selected the live marker (`-m live`), which is what switches to a real org."""
    words = str(config.getoption("markexpr", "") or "").replace("(", " ").replace(")", " ").split()
    return "live" in words and "not" not in words


def pytest_configure(config: pytest.Config) -> None:
    """Stop a live run before anything is collected when there is no key to run it with."""
    if live_requested(config) and not os.environ.get(LIVE_KEY_ENV):
        raise pytest.UsageError(
            f"-m live runs the contract suite against a real JumpCloud org and needs {LIVE_KEY_ENV} "
            f"(an admin key of a test org, never production); optional {LIVE_ORG_ENV}, {LIVE_URL_ENV}."
        )


def pytest_report_header(config: pytest.Config) -> str:
    """Say which JumpCloud the contract tests talk to."""
    if live_requested(config):
        return f"contract target: LIVE JumpCloud at {os.environ.get(LIVE_URL_ENV) or DEFAULT_LIVE_URL}"
    return "contract target: in-memory emulator (make contract-live for a real org)"


@pytest.fixture(name="run_prefix", scope="session")
def _run_prefix() -> str:
    """The prefix of every name this run creates."""
    return new_run_prefix()


@pytest.fixture(name="target", scope="session")
def _target(request: pytest.FixtureRequest, run_prefix: str) -> Iterator[Target]:
    """The JumpCloud under test; at the end of the session every object with the run prefix is deleted."""
    if live_requested(request.config):
        target = Target(
            base_url=(os.environ.get(LIVE_URL_ENV) or DEFAULT_LIVE_URL).rstrip("/"),
            api_key=os.environ[LIVE_KEY_ENV],
            org_id=os.environ.get(LIVE_ORG_ENV) or None,
            live=True,
        )
        _preflight(target)
        yield from _swept(target, run_prefix)
        return
    config = EmulatorConfig(api_keys={DEFAULT_API_KEY}, tenants={MSP_KEY: frozenset({MSP_ORG})})
    app = create_emulator_app(config)
    with serve_in_thread(app) as base_url:
        target = Target(
            base_url=base_url, api_key=DEFAULT_API_KEY, org_id=None, live=False, emulator=app.state.emulator
        )
        yield from _swept(target, run_prefix)


def _preflight(target: Target) -> None:
    with target.client() as client:
        resp = client.get("/api/systemusers", params={"limit": "1"})
    if resp.status_code != 200:
        pytest.exit(f"live JumpCloud answered GET /api/systemusers with {resp.status_code}; check the key and org id")


def _swept(target: Target, prefix: str) -> Iterator[Target]:
    yield target
    with target.client() as client:
        problems = cleanup(client, Owned(prefix), prefix=prefix)
    assert [] == problems, f"session cleanup of {prefix!r}: {problems}"


@pytest.fixture(name="msp_target", scope="session")
def _msp_target(target: Target) -> Target:
    """A multi-tenant key and its org: the emulator's MSP key, or the live key when an org id is configured."""
    if target.live:
        if not target.org_id:
            pytest.skip(f"needs a multi-tenant key: set {LIVE_ORG_ENV} to run this against a real org")
        return target
    return Target(base_url=target.base_url, api_key=MSP_KEY, org_id=MSP_ORG, live=False, emulator=target.emulator)


@pytest.fixture(name="test_prefix")
def _test_prefix(run_prefix: str) -> str:
    """The prefix of everything this test creates: the run prefix plus a token of its own."""
    return f"{run_prefix}{secrets.token_hex(2)}-"


@pytest.fixture(name="names")
def _names(test_prefix: str) -> Names:
    """Fresh prefixed names for this test."""
    return Names(test_prefix)


@pytest.fixture(name="owned")
def _owned(test_prefix: str) -> Owned:
    """What this test created, for the guard and the cleanup."""
    return Owned(test_prefix)


@pytest.fixture(name="jc")
def _jc(target: Target, test_prefix: str, owned: Owned) -> Iterator[httpx.Client]:
    """A guarded client for the target; what the test created is deleted afterwards, pass or fail."""
    client, probe = guarded_client(target, owned)
    with probe, client:
        yield client
        problems = cleanup(probe, owned, prefix=test_prefix)
    assert [] == problems, f"cleanup: {problems}"


@pytest.fixture(name="make_user")
def _make_user(jc: httpx.Client, names: Names) -> Callable[..., dict[str, Any]]:
    """Create a user (STAGED unless the test says otherwise, so a live org sends no activation email)."""

    def make(hint: str = "u", **fields: Any) -> dict[str, Any]:
        username = fields.pop("username", None) or names.user(hint)
        body = {"username": username, "email": email_of(username), **fields}
        if "state" not in body and "suspended" not in body:
            body["state"] = "STAGED"
        resp = jc.post("/api/systemusers", json=body)
        assert 200 == resp.status_code, resp.text
        user: dict[str, Any] = resp.json()
        return user

    return make


@pytest.fixture(name="make_group")
def _make_group(jc: httpx.Client, names: Names) -> Callable[..., dict[str, Any]]:
    """Create a user group with a fresh prefixed name (or `name`)."""

    def make(hint: str = "g", **fields: Any) -> dict[str, Any]:
        body = {"name": fields.pop("name", None) or names.group(hint), **fields}
        resp = jc.post("/api/v2/usergroups", json=body)
        assert 201 == resp.status_code, resp.text
        group: dict[str, Any] = resp.json()
        return group

    return make


@pytest.fixture(name="faults")
def _faults(target: Target) -> Iterator[Callable[[Faults], None]]:
    """Install emulator fault rules for this test (emulator only); they are removed afterwards."""
    skip_on_live(target, "fault injection exists only in the emulator")
    emulator = target.emulator
    assert emulator is not None

    def install(faults: Faults) -> None:
        emulator.faults = faults

    yield install
    emulator.faults = Faults()


@pytest.fixture(name="quirks")
def _quirks(target: Target) -> Iterator[Callable[[Quirks], None]]:
    """Switch the emulator's quirks for this test; a real org keeps its own behaviour (a no-op there)."""
    emulator = target.emulator

    def install(quirks: Quirks) -> None:
        if emulator is not None:
            emulator.quirks = quirks

    yield install
    if emulator is not None:
        emulator.quirks = emulator.config.quirks
