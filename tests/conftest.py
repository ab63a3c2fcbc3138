"""Shared fixtures: our app in-process, JumpCloud faked by a respx router behind a transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator

import httpx
import hypothesis
import pytest
import respx
import structlog

from scim_proxy.settings import Settings

from .helpers import JC_URL, in_process

CALL_REPORT = pytest.StashKey[pytest.TestReport]()  # the outcome of a test's call phase, read in teardowns
EXIT_STATUS = pytest.StashKey[int]()  # how the session ended, read when pytest unconfigures

# Property tests draw the same examples on every run, with no per-example deadline (200 ms by default, a
# wall-clock budget a loaded machine can miss) and no too_slow health check: Hypothesis's own "ci" profile.
hypothesis.settings.load_profile("ci")


@pytest.fixture(name="settings")
def _settings() -> Settings:
    """Settings for in-process tests: fast retries so failure paths stay quick."""
    return Settings(jumpcloud_url=JC_URL, retry_attempts=3, retry_backoff=0.001, retry_backoff_max=0.01)


@pytest.fixture(name="jc")
def _jc(request: pytest.FixtureRequest) -> Iterator[respx.Router]:
    """A stand-in JumpCloud; every route a test declares must be called (checked after a passing test)."""
    router = respx.Router(base_url=JC_URL, assert_all_mocked=True, assert_all_called=True)
    yield router
    if not _call_passed(request.node):
        return  # the failure already says what went wrong; an unused route would only add noise
    uncalled = [repr(route) for route in router.routes if not route.called]
    assert [] == uncalled, "routes declared but never called: say what should reach them, or drop them"


def _call_passed(item: pytest.Item) -> bool:
    report = item.stash.get(CALL_REPORT, None)
    return report is not None and report.passed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each test's call report on the item, so a fixture's teardown knows whether the test passed."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@pytest.fixture(name="client")
async def _client(jc: respx.Router, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Our app driven in-process, its JumpCloud calls answered by `jc`."""
    async with in_process(settings, jc) as client:
        yield client


@pytest.fixture(autouse=True)
def _structlog_defaults() -> Iterator[None]:
    """A test that configures logging (the CLI, the demo) leaves no configuration to the next one."""
    yield
    structlog.reset_defaults()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remember how the run ended, for pytest_unconfigure."""
    session.config.stash[EXIT_STATUS] = exitstatus


def pytest_unconfigure(config: pytest.Config) -> None:
    """After a failed run in random order, say how to replay that order, below the last line pytest prints."""
    seed = getattr(config.option, "randomly_seed", None)
    failed = config.stash.get(EXIT_STATUS, pytest.ExitCode.OK) not in (
        pytest.ExitCode.OK,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    )
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if failed and isinstance(seed, int) and config.getoption("randomly_reorganize", False) and reporter is not None:
        reporter.write_line(
            f"The tests ran in random order (seed {seed}); the same order again: "
            f"make test PYTEST_ARGS=--randomly-seed={seed}",
            yellow=True,
            bold=True,
        )
