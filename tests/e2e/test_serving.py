"""How the proxy is served: graceful shutdown, trusted proxy headers, workers, the per-key limiter."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, FaultRule, Faults, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy import __main__ as cli
from scim_proxy.jumpcloud.budget import KeyLimiter
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


async def test_key_limiter_bounds_in_flight_calls_and_queue() -> None:
    """At most `limit` holders per key run at once; past limit + queue, callers get 503 at once."""
    limiter = KeyLimiter(limit=2, max_queued=1)
    running, peak, release = [0], [0], asyncio.Event()

    async def hold() -> None:
        async with limiter.slot("key-a"):
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            await release.wait()
            running[0] -= 1

    tasks = [asyncio.create_task(hold()) for _ in range(3)]
    await asyncio.sleep(0.01)
    with pytest.raises(Exception, match="Too many JumpCloud calls"):
        async with limiter.slot("key-a"):
            pass
    async with limiter.slot("key-b"):  # another key is not held back
        pass
    release.set()
    await asyncio.gather(*tasks)

    assert 2 == peak[0]
    assert 0 == limiter.in_flight()


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
