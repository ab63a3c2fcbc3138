"""Contract fixtures: the emulator on a loopback socket by default, a real org under `-m live`.

Mode (see docs/jumpcloud-assumptions.md, "How to run against a real org"):
- `pytest` / `make test`: every contract test runs twice, against one emulator in the register's
  error wording and one in the alternative wording (`devtools.emulator.wording`), each served with
  `serve_in_thread` for the session; JUMPCLOUD_LIVE_API_KEY is ignored.
- `pytest tests/contract -m live` / `make contract-live`: the same tests run against
  JUMPCLOUD_LIVE_URL (default https://console.jumpcloud.com) with JUMPCLOUD_LIVE_API_KEY and,
  for a multi-tenant key, JUMPCLOUD_LIVE_ORG_ID; without the key the run stops at once. The run
  writes contract-report.json and contract-report.md into JUMPCLOUD_CONTRACT_REPORT_DIR (default:
  the current directory), which any run also does when that variable is set.
Every `test_jc_*` module carries `pytestmark = pytest.mark.live`, so `-m live` selects them all.
Each test states its checks through the `contract` fixture (`ledger.Contract`): what the proxy
relies on fails the test, what it only observes is recorded (and must hold only against the
register-worded emulator). An emulator-only test skips on a live run with the reason.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, WORDINGS, EmulatorConfig, Faults, Quirks, Wording, create_emulator_app
from devtools.servers import serve_in_thread

from .book import ContractBook
from .guard import Owned, cleanup, guarded_client
from .ledger import Contract
from .register import register_rows
from .report import build_report, write_report
from .support import Names, Target, email_of, emulator_only, new_run_prefix

LIVE_KEY_ENV = "JUMPCLOUD_LIVE_API_KEY"
LIVE_ORG_ENV = "JUMPCLOUD_LIVE_ORG_ID"
LIVE_URL_ENV = "JUMPCLOUD_LIVE_URL"
REPORT_DIR_ENV = "JUMPCLOUD_CONTRACT_REPORT_DIR"
BOOK = pytest.StashKey[ContractBook]()
DEFAULT_LIVE_URL = "https://console.jumpcloud.com"
MSP_KEY = "contract-msp-key"  # the emulator's multi-tenant key, not a secret
MSP_ORG = "5f0c0ffee0c0ffee0c0ff00d"


def live_requested(config: pytest.Config) -> bool:
    """Whether the run selected the live marker (`-m live`), which is what switches to a real org."""
    words = str(config.getoption("markexpr", "") or "").replace("(", " ").replace(")", " ").split()
    return "live" in words and "not" not in words


def pytest_configure(config: pytest.Config) -> None:
    """Stop a live run before anything is collected when there is no key to run it with; open the book."""
    if live_requested(config) and not os.environ.get(LIVE_KEY_ENV):
        raise pytest.UsageError(
            f"-m live runs the contract suite against a real JumpCloud org and needs {LIVE_KEY_ENV} "
            f"(an admin key of a test org, never production); optional {LIVE_ORG_ENV}, {LIVE_URL_ENV}."
        )
    config.stash[BOOK] = ContractBook()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Against the emulator, every test that uses the target runs in both error wordings."""
    if "emulator_wording" in metafunc.fixturenames and not live_requested(metafunc.config):
        metafunc.parametrize("emulator_wording", WORDINGS, indirect=True, scope="session")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """While a contract test's body runs, its record collects the target's exchanges."""
    book = item.config.stash[BOOK]
    book.active = book.record_for(item)
    try:
        return (yield)
    finally:
        book.active = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Note each phase's outcome in the test's record."""
    report: pytest.TestReport = yield
    item.config.stash[BOOK].note_outcome(item, report)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the report after a live run (or any run when JUMPCLOUD_CONTRACT_REPORT_DIR is set)."""
    book = session.config.stash.get(BOOK, None)
    directory = os.environ.get(REPORT_DIR_ENV) or ("." if live_requested(session.config) else "")
    if book is None or not directory or not book.records:
        return
    report = build_report(book.records.values(), rows=register_rows(), target=book.target_url, secrets=book.secrets)
    paths = write_report(report, Path(directory))
    summary = report["summary"]
    book.written = (
        f"contract report: {summary['holds']} rows hold, {summary['broken']} broken, {summary['not_run']} not run, "
        f"{summary['observed_differences']} observed differences; written to {paths[0]} and {paths[1]}"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Tell the operator where the report is."""
    book = config.stash.get(BOOK, None)
    if book is not None and book.written:
        terminalreporter.write_line(book.written)


@pytest.fixture(name="run_prefix", scope="session")
def _run_prefix() -> str:
    """The prefix of every name this run creates."""
    return new_run_prefix()


@pytest.fixture(name="emulator_wording", scope="session")
def _emulator_wording(request: pytest.FixtureRequest) -> Wording:
    """The emulator's error wording for this half of the run (parametrized by pytest_generate_tests)."""
    wording: Wording = getattr(request, "param", "register")
    return wording


@pytest.fixture(name="book", scope="session")
def _book(request: pytest.FixtureRequest) -> ContractBook:
    """The session's contract records."""
    return request.config.stash[BOOK]


@pytest.fixture(name="target", scope="session")
def _target(
    request: pytest.FixtureRequest, run_prefix: str, emulator_wording: Wording, book: ContractBook
) -> Iterator[Target]:
    """The JumpCloud under test; at the end of the session every object with the run prefix is deleted."""
    if live_requested(request.config):
        target = Target(
            base_url=(os.environ.get(LIVE_URL_ENV) or DEFAULT_LIVE_URL).rstrip("/"),
            api_key=os.environ[LIVE_KEY_ENV],
            org_id=os.environ.get(LIVE_ORG_ENV) or None,
            live=True,
            book=book,
        )
        book.add_secret(target.api_key, "<api-key>")
        book.add_secret(target.org_id, "<org-id>")
        book.target_url = target.base_url
        _preflight(target)
        yield from _swept(target, run_prefix)
        return
    config = EmulatorConfig(
        api_keys={DEFAULT_API_KEY}, tenants={MSP_KEY: frozenset({MSP_ORG})}, wording=emulator_wording
    )
    app = create_emulator_app(config)
    with serve_in_thread(app) as base_url:
        target = Target(
            base_url=base_url,
            api_key=DEFAULT_API_KEY,
            org_id=None,
            live=False,
            emulator=app.state.emulator,
            book=book,
        )
        for secret, label in ((DEFAULT_API_KEY, "<api-key>"), (MSP_KEY, "<api-key>"), (MSP_ORG, "<org-id>")):
            book.add_secret(secret, label)
        book.target_url = f"emulator ({emulator_wording} wording)"
        yield from _swept(target, run_prefix)


def _preflight(target: Target) -> None:
    with target.client(record=False) as client:
        resp = client.get("/api/systemusers", params={"limit": "1"})
    if resp.status_code != 200:
        pytest.exit(f"live JumpCloud answered GET /api/systemusers with {resp.status_code}; check the key and org id")


def _swept(target: Target, prefix: str) -> Iterator[Target]:
    yield target
    with target.client(record=False) as client:
        problems = cleanup(client, Owned(prefix), prefix=prefix)
    assert [] == problems, f"session cleanup of {prefix!r}: {problems}"


@pytest.fixture(name="msp_target", scope="session")
def _msp_target(target: Target) -> Target:
    """A multi-tenant key and its org: the emulator's MSP key, or the live key when an org id is configured."""
    if target.live:
        if not target.org_id:
            pytest.skip(f"needs a multi-tenant key: set {LIVE_ORG_ENV} to run this against a real org")
        return target
    return Target(
        base_url=target.base_url,
        api_key=MSP_KEY,
        org_id=MSP_ORG,
        live=False,
        emulator=target.emulator,
        book=target.book,
    )


@pytest.fixture(name="contract")
def _contract(request: pytest.FixtureRequest, target: Target, book: ContractBook) -> Contract:
    """This test's register row: `relies(...)` fails the test, `observes(...)` is recorded (see ledger.py)."""
    record = book.record_for(request.node)
    assert record is not None, f"{request.node.name} is not named test_jc_<row>_...: it has no register row"
    return Contract(record, strict_observations=target.strict_observations)


@pytest.fixture(name="test_numbers", scope="session")
def _test_numbers() -> Iterator[int]:
    """1, 2, 3, ...: one number per test that creates something, so no two tests of a run share a prefix."""
    return itertools.count(1)


@pytest.fixture(name="test_prefix")
def _test_prefix(run_prefix: str, test_numbers: Iterator[int]) -> str:
    """The prefix of everything this test creates: the run prefix plus `t<number>-`, unique in the run."""
    return f"{run_prefix}t{next(test_numbers)}-"


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
        assert resp.is_success, resp.text  # JC-32 checks the exact status
        user: dict[str, Any] = resp.json()
        return user

    return make


@pytest.fixture(name="make_group")
def _make_group(jc: httpx.Client, names: Names) -> Callable[..., dict[str, Any]]:
    """Create a user group with a fresh prefixed name (or `name`)."""

    def make(hint: str = "g", **fields: Any) -> dict[str, Any]:
        body = {"name": fields.pop("name", None) or names.group(hint), **fields}
        resp = jc.post("/api/v2/usergroups", json=body)
        assert resp.is_success, resp.text  # JC-74 checks the exact status
        group: dict[str, Any] = resp.json()
        return group

    return make


@pytest.fixture(name="faults")
def _faults(target: Target) -> Iterator[Callable[[Faults], None]]:
    """Install emulator fault rules for this test (emulator only); they are removed afterwards."""
    emulator = emulator_only(target, "fault injection exists only in the emulator")

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
