"""How the proxy is served: graceful shutdown and the SIGTERM drain, trusted proxy headers, workers, the limiter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, FaultRule, Faults, create_emulator_app
from devtools.servers import free_port, serve_in_thread
from scim_proxy import __main__ as cli
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


def test_shutdown_finishes_in_flight_requests() -> None:
    """Stopping the server while a request waits on a slow JumpCloud still answers that request."""
    slow = Faults(rules=(FaultRule(route="search_users", latency=0.6),))
    emulator = create_emulator_app(EmulatorConfig(faults=slow))
    answers: list[int] = []
    with serve_in_thread(emulator) as jc_url:
        settings = Settings(jumpcloud_url=jc_url, shutdown_timeout=5)
        with serve_in_thread(create_app(settings), **cli.uvicorn_options(settings)) as url:
            request = threading.Thread(
                target=lambda: answers.append(
                    httpx.get(
                        f"{url}/scim/v2/Users", params={"filter": 'userName eq "x"'}, headers=AUTH, timeout=10
                    ).status_code
                )
            )
            request.start()
            for _ in range(1000):  # bounded: 10 s at most for the request to reach JumpCloud
                if emulator.state.emulator.calls("search_users"):
                    break
                threading.Event().wait(0.01)
            reached = emulator.state.emulator.calls("search_users")
        request.join(timeout=10)

    assert (1, [200]) == (reached, answers)  # the request was in flight when the server began to stop


def _status(url: str, **kwargs: Any) -> int | None:
    """The status of a GET, or None when nothing listens."""
    try:
        return httpx.get(url, timeout=5, **kwargs).status_code
    except httpx.TransportError:
        return None


def _wait_for(check: Callable[[], bool], what: str, *, tries: int = 400) -> None:
    """Poll `check` every 50 ms, at most `tries` times (a bound, not a timing assertion)."""
    for _ in range(tries):
        if check():
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@attrs.define
class _Served:
    """A `scim-proxy serve` process and what it has printed so far (read by a thread)."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str] = attrs.Factory(list)

    def output(self) -> str:
        return "".join(self.lines)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)


@contextmanager
def _proxy_process(jc_url: str, *flags: str) -> Iterator[_Served]:
    """`scim-proxy serve` as a real process on a free loopback port, ready; killed if still alive at the end."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SCIM_PROXY_")}
    argv = [sys.executable, "-m", "scim_proxy", "serve", "--port", str(port), "--jumpcloud-url", jc_url]
    argv += ["--log-format", "console", "--log-level", "debug", *flags]
    process = subprocess.Popen(argv, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603 -- our own interpreter and CLI
    served = _Served(process, f"http://127.0.0.1:{port}")
    reader = threading.Thread(target=served._read, daemon=True)
    reader.start()
    try:
        _wait_for(lambda: _status(f"{served.url}/readyz") == 200 or process.poll() is not None, "the proxy")
        yield served
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        reader.join(timeout=10)


def test_sigterm_drains_with_readiness_failing_until_a_second_sigterm() -> None:
    """After SIGTERM the proxy still answers SCIM requests while /readyz is 503; a second SIGTERM stops it."""
    with (
        serve_in_thread(create_emulator_app(EmulatorConfig())) as jc_url,
        _proxy_process(jc_url, "--shutdown-drain", "60") as served,
    ):
        served.process.send_signal(signal.SIGTERM)
        _wait_for(lambda: _status(f"{served.url}/readyz") == 503, "readiness to fail")
        during = (
            _status(f"{served.url}/healthz"),
            _status(f"{served.url}/scim/v2/Users", params={"filter": 'userName eq "x"'}, headers=AUTH),
            served.process.poll(),
        )
        served.process.send_signal(signal.SIGTERM)
        exit_code = served.process.wait(timeout=20)

    assert (200, 200, None) == during
    assert -signal.SIGTERM == exit_code  # uvicorn re-raises the SIGTERM once it has shut down
    assert 1 == served.output().count("shutdown_draining")
    assert None is _status(f"{served.url}/healthz")


def test_sigterm_drain_ends_by_itself() -> None:
    """With a short drain and one SIGTERM, the proxy drains, then shuts down on its own."""
    with (
        serve_in_thread(create_emulator_app(EmulatorConfig())) as jc_url,
        _proxy_process(jc_url, "--shutdown-drain", "0.2") as served,
    ):
        served.process.send_signal(signal.SIGTERM)
        exit_code = served.process.wait(timeout=20)

    assert -signal.SIGTERM == exit_code
    assert 1 == served.output().count("shutdown_draining")


def test_without_a_drain_sigterm_stops_at_once() -> None:
    """With the default drain of 0, SIGTERM goes straight to uvicorn's graceful shutdown: no drain."""
    with serve_in_thread(create_emulator_app(EmulatorConfig())) as jc_url, _proxy_process(jc_url) as served:
        served.process.send_signal(signal.SIGTERM)
        exit_code = served.process.wait(timeout=20)

    assert -signal.SIGTERM == exit_code
    assert "shutdown_drain" not in served.output()


def _workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes (multiprocessing spawns) whose parent is `pid`, read from /proc."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        if parent == pid and b"spawn_main" in command:
            workers.append(int(stat.parent.name))
    return workers


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes through /proc")
def test_every_worker_drains_on_sigterm() -> None:
    """With two workers, SIGTERM to the main process makes each worker drain (readiness 503, SCIM served)."""
    with (
        serve_in_thread(create_emulator_app(EmulatorConfig())) as jc_url,
        _proxy_process(jc_url, "--workers", "2", "--shutdown-drain", "60") as served,
    ):
        _wait_for(lambda: served.output().count("shutdown_drain_armed") == 2, "both workers to arm the drain")
        workers = _workers_of(served.process.pid)
        served.process.send_signal(signal.SIGTERM)
        _wait_for(lambda: served.output().count("shutdown_draining") == 2, "both workers to drain")
        readiness = {_status(f"{served.url}/readyz") for _ in range(10)}  # new connections, either worker
        answered = _status(f"{served.url}/scim/v2/Users", params={"filter": 'userName eq "x"'}, headers=AUTH)
        for worker in workers:  # the main process only waits for its workers: end their drain directly
            os.kill(worker, signal.SIGTERM)
        served.process.wait(timeout=20)

    assert 2 == len(workers)
    assert ({503}, 200) == (readiness, answered)


def test_trusted_proxy_headers_shape_locations() -> None:
    """Behind a trusted TLS proxy, X-Forwarded-Proto and Host make meta.location an https URL."""
    emulator = create_emulator_app(EmulatorConfig())
    with serve_in_thread(emulator) as jc_url:
        settings = Settings(jumpcloud_url=jc_url, forwarded_allow_ips="127.0.0.1")
        with serve_in_thread(create_app(settings), **cli.uvicorn_options(settings)) as url:
            resp = httpx.post(
                f"{url}/scim/v2/Users",
                headers={**AUTH, "X-Forwarded-Proto": "https", "Host": "scim.example.com"},
                json={"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}]},
            )

    assert 201 == resp.status_code
    assert resp.headers["location"].startswith("https://scim.example.com/scim/v2/Users/")


def test_workers_setting_runs_uvicorn_with_a_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    """--workers 3 makes uvicorn start three workers, each building the app from the environment."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(app=app, **kw))
    environ = {k: v for k, v in cli.os.environ.items() if not k.startswith("SCIM_PROXY_")}
    monkeypatch.setattr(cli.os, "environ", environ)  # the CLI exports settings to its workers: keep ours clean

    assert 0 == cli.main(["serve", "--workers", "3", "--port", "9999", "--log-format", "console"])
    assert ("scim_proxy.web.app:app_from_env", True, 3, 9999) == (
        seen["app"],
        seen["factory"],
        seen["workers"],
        seen["port"],
    )
    assert "9999" == environ["SCIM_PROXY_PORT"]


def test_liveness_answers_before_the_upstream_client_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the JumpCloud client is still being built, /healthz is 200, /readyz 503, and SCIM requests wait."""
    import scim_proxy.web.app as app_module

    release = threading.Event()
    real = app_module.make_jumpcloud_client

    def slow_client(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=10)
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "make_jumpcloud_client", slow_client)
    emulator = create_emulator_app(EmulatorConfig())
    with serve_in_thread(emulator) as jc_url, serve_in_thread(create_app(Settings(jumpcloud_url=jc_url))) as url:
        early = (httpx.get(f"{url}/healthz").status_code, httpx.get(f"{url}/readyz").status_code)
        waiting: list[int] = []
        request = threading.Thread(
            target=lambda: waiting.append(
                httpx.get(
                    f"{url}/scim/v2/Users", params={"filter": 'userName eq "x"'}, headers=AUTH, timeout=10
                ).status_code
            )
        )
        request.start()
        request.join(timeout=0.3)
        assert not waiting  # held by the gate, not failed
        release.set()
        request.join(timeout=10)
        late = httpx.get(f"{url}/readyz").status_code

    assert ((200, 503), [200], 200) == (early, waiting, late)
