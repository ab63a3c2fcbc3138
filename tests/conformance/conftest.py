"""Loopback servers for the conformance suites: the JumpCloud emulator and two proxies, on real sockets.

Each test module gets a fresh emulator (so one suite's users never meet another's) and two
proxies forwarding to it: `strict` with default settings, `email` with `username_from_email=True`,
because scim-sanity creates email-shaped userNames that the default proxy refuses
(see docs/conformance.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from scim2_client import BaseSyncSCIMClient
from starlette.applications import Starlette

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

API_KEY = DEFAULT_API_KEY  # the emulator's well-known test key, not a secret
AUTH = {"Authorization": f"Bearer {API_KEY}"}
START_TIMEOUT = 10.0  # seconds for one uvicorn server to come up
HTTP_TIMEOUT = 10.0  # seconds for one request, client side and proxy -> emulator

CONFORMANCE_DOC = Path(__file__).parents[2] / "docs" / "conformance.md"
SUMMARIES: list[str] = []  # one line per suite run, printed in the terminal summary
_OKTA: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}


@attrs.frozen
class Deviation:
    """A failure we accept: text its reason must contain, and why (docs/conformance.md says more)."""

    matches: str
    why: str


def unexplained(failures: Iterable[tuple[str, str]], allowed: Mapping[str, Deviation]) -> list[tuple[str, str]]:
    """The (check, reason) failures that no deviation in `allowed` accounts for."""
    return [(key, reason) for key, reason in failures if key not in allowed or allowed[key].matches not in reason]


def undocumented(allowed: Mapping[str, Deviation]) -> list[str]:
    """The deviation keys that docs/conformance.md does not name (each must appear there in backticks)."""
    doc = CONFORMANCE_DOC.read_text(encoding="utf-8")
    return [key for key in allowed if f"`{key}`" not in doc]


@attrs.frozen(kw_only=True)
class Proxy:
    """One proxy instance on loopback: its SCIM base URL and its ASGI app."""

    scim_url: str
    app: Starlette

    @property
    def groups_available(self) -> bool:
        """Whether this proxy serves and advertises /Groups (as its discovery endpoints decide)."""
        settings: Settings = self.app.state.settings
        return settings.groups_enabled


@attrs.frozen(kw_only=True)
class Servers:
    """The emulator and both proxies in front of it."""

    emulator: EmulatorState
    emulator_url: str
    strict: Proxy
    email: Proxy


def _proxy_settings(emulator_url: str, **overrides: Any) -> Settings:
    return Settings(
        jumpcloud_url=emulator_url,
        retry_attempts=1,  # the emulator injects no faults here: a failure is a failure
        upstream_timeout=HTTP_TIMEOUT,
        request_deadline=HTTP_TIMEOUT,
        **overrides,
    )


@contextlib.contextmanager
def _proxy(settings: Settings) -> Iterator[Proxy]:
    app = create_app(settings)
    with serve_in_thread(app, startup_timeout=START_TIMEOUT) as url:
        yield Proxy(scim_url=f"{url}/scim/v2", app=app)


@contextlib.contextmanager
def running_servers() -> Iterator[Servers]:
    """Start the emulator and both proxies on loopback; stop them when the block ends."""
    emulator_app = create_emulator_app(EmulatorConfig())
    with (
        serve_in_thread(emulator_app, startup_timeout=START_TIMEOUT) as emulator_url,
        _proxy(_proxy_settings(emulator_url)) as strict,
        _proxy(_proxy_settings(emulator_url, username_from_email=True)) as email,
    ):
        yield Servers(emulator=emulator_app.state.emulator, emulator_url=emulator_url, strict=strict, email=email)


@pytest.fixture(name="servers", scope="module")
def _servers() -> Iterator[Servers]:
    """A fresh emulator and both proxies for this module, stopped when it ends."""
    with running_servers() as servers:
        yield servers


class LoopbackSCIMClient(BaseSyncSCIMClient):
    """A scim2-client engine over an `httpx.Client`, so the suites cross real sockets.

    scim2-client's own network engine is built on the `httpx2` package, which is not
    among our dependencies; this is the same few lines against httpx, whose API it mirrors.
    """

    def __init__(self, client: httpx.Client, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base = self.client.base_url
        try:
            url = self.client.build_request("GET", endpoint).url
        except httpx.InvalidURL:
            return False
        return (url.scheme, url.netloc) == (base.scheme, base.netloc) and url.raw_path.startswith(base.raw_path)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; scim2-client checks the response."""
        return self.client.request(method, url, **kwargs)


@contextlib.contextmanager
def scim_client(base_url: str) -> Iterator[LoopbackSCIMClient]:
    """A scim2-client client for `base_url`, authenticated with the emulator's key."""
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=HTTP_TIMEOUT) as http:
        yield LoopbackSCIMClient(http)


def report(line: str) -> None:
    """Print a suite's summary line now (visible with -s) and again in pytest's terminal summary."""
    print(line)
    SUMMARIES.append(line)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcomes of the Okta steps (test_okta_spec.py) for the summary."""
    if "test_okta_spec.py" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _OKTA[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per conformance suite run, e.g. `scim2-tester (User): 50 passed, 9 failed, 0 skipped of 59`."""
    lines = list(SUMMARIES)
    if any(_OKTA.values()):
        lines.append(
            f"okta-spec (User): {_OKTA['passed']} passed, {_OKTA['failed']} failed, {_OKTA['skipped']} skipped "
            f"of {sum(_OKTA.values())}"
        )
    if lines:
        terminalreporter.section("conformance")
        for line in lines:
            terminalreporter.write_line(line)
