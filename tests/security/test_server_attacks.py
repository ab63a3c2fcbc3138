"""Attacks 8 and 9 against uvicorn on loopback: slow or idle connections are cut off, the server keeps serving.

The proxy runs exactly as `scim-proxy serve` runs it (`uvicorn_options`), with short limits so
each test finishes quickly; the JumpCloud emulator answers its calls. Waits are bounded by
socket timeouts: a server that failed to close a connection fails the test with TimeoutError.
"""

from __future__ import annotations

import pickle
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
import structlog

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, FaultRule, Faults, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy import __main__ as cli
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

from .support import connect, read_until_closed

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
LIMITS = {
    "header_timeout": 0.3,
    "body_timeout": 0.3,
    "keep_alive_timeout": 0.3,
    "max_header_bytes": 4_096,
    "max_connections": 20,
    "max_requests_per_connection": 3,
}


@pytest.fixture(name="served")
def _served() -> Iterator[str]:
    """The proxy under uvicorn with short limits, in front of the emulator; yields its base URL."""
    with serve_in_thread(create_emulator_app(EmulatorConfig())) as jc_url:
        settings = Settings(jumpcloud_url=jc_url, **LIMITS)  # type: ignore[arg-type]
        with serve_in_thread(create_app(settings), **cli.uvicorn_options(settings)) as url:
            yield url


def probe(url: str) -> int:
    """A legitimate SCIM search on a fresh connection: the status it got."""
    resp = httpx.get(f"{url}/scim/v2/Users", params={"filter": 'userName eq "probe"'}, headers=AUTH, timeout=10)
    return resp.status_code


def test_a_silent_connection_is_closed(served: str) -> None:
    """A connection that never sends a byte is closed after the header timeout, without an answer."""
    with connect(served) as sock:
        assert b"" == read_until_closed(sock)


def test_half_sent_headers_get_408(served: str) -> None:
    """A request head that stops halfway (slowloris) is answered 408 and closed."""
    with connect(served) as sock:
        sock.sendall(b"GET /scim/v2/Users HTTP/1.1\r\nHost: proxy\r\nX-Slow: ")

        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_trickled_headers_are_cut_off(served: str) -> None:
    """A head sent one byte at a time never completes: the server closes it although bytes keep coming."""
    trickle = b"GET /healthz HTTP/1.1\r\nX-Pad: " + b"a" * 1_000  # ~10 s at one byte per 10 ms
    with connect(served) as sock, pytest.raises(OSError):  # BrokenPipe or ConnectionReset: the server closed
        for byte in trickle:
            sock.sendall(bytes([byte]))
            time.sleep(0.01)


def test_oversized_head_in_one_read_gets_431(served: str) -> None:
    """A complete head larger than max_header_bytes, arriving at once, is answered 431 before the app runs."""
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: proxy\r\nX-Big: " + b"a" * 8_192 + b"\r\n\r\n")

        assert read_until_closed(sock).startswith(b"HTTP/1.1 431 ")


def test_oversized_head_in_pieces_gets_431(served: str) -> None:
    """A head still incomplete after more than max_header_bytes is refused before it ever completes."""
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: proxy\r\nX-Endless: ")
        for _ in range(5):  # 5 KB of one header value, never ended: httptools would buffer it all
            sock.sendall(b"a" * 1_000)
            time.sleep(0.01)

        assert read_until_closed(sock).startswith(b"HTTP/1.1 431 ")


def test_idle_connections_give_way_to_a_probe(served: str) -> None:
    """With 40 idle or half-sent connections held against a cap of 20, a new legitimate request is served."""
    attackers = [connect(served) for _ in range(40)]
    try:
        for number, sock in enumerate(attackers):
            if number % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")

        assert 200 == probe(served)
    finally:
        for sock in attackers:
            sock.close()


def test_busy_server_refuses_a_new_connection_with_503() -> None:
    """When every connection under the cap is serving a request, a new one is answered 503 and closed at once."""
    keys = ("tenant-a-key-0123456789", "tenant-b-key-0123456789")  # one each: neither waits on the other's verdict
    slow = Faults(rules=(FaultRule(route="search_users", latency=1.0),))
    emulator_app = create_emulator_app(EmulatorConfig(api_keys=keys, faults=slow))
    emulator = emulator_app.state.emulator
    with serve_in_thread(emulator_app) as jc_url:
        settings = Settings(jumpcloud_url=jc_url, max_connections=2)
        with serve_in_thread(create_app(settings), **cli.uvicorn_options(settings)) as url:
            busy = [connect(url) for _ in keys]
            for sock, key in zip(busy, keys, strict=True):
                sock.sendall(
                    b"GET /scim/v2/Users?filter=userName%20eq%20%22x%22 HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer "
                    + key.encode()
                    + b"\r\n\r\n"
                )
            _wait_for(lambda: emulator.calls("search_users") == 2)  # both requests now wait on the slow emulator
            with connect(url) as extra:
                refused = read_until_closed(extra)
            answered = [sock.recv(65_536) for sock in busy]
            for sock in busy:
                sock.close()

    assert refused.startswith(b"HTTP/1.1 503 ")
    assert all(a.startswith(b"HTTP/1.1 200 ") for a in answered)


def test_requests_per_connection_are_capped(served: str) -> None:
    """The third request on one connection is answered with `connection: close`, then the server closes it."""
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: p\r\n\r\n" * 3)

        answers = read_until_closed(sock)

    assert 3 == answers.count(b"HTTP/1.1 200 ")
    assert answers.rsplit(b"HTTP/1.1 200 ", 1)[1].lower().count(b"connection: close") == 1


def test_slow_body_is_cut_off_and_logged_quietly(served: str, caplog: pytest.LogCaptureFixture) -> None:
    """A body that stops arriving is cut off after the body timeout: one request line (499), no traceback."""
    head = (
        b"POST /scim/v2/Users HTTP/1.1\r\nHost: p\r\nContent-Type: application/scim+json\r\n"
        b"Authorization: Bearer " + DEFAULT_API_KEY.encode() + b"\r\nContent-Length: 1000\r\n\r\n"
    )
    with structlog.testing.capture_logs() as logs, connect(served) as sock:
        sock.sendall(head + b'{"userName": "')
        read_until_closed(sock)
        _wait_for(lambda: any(e["event"] == "scim_request" for e in logs))

    (line,) = [e for e in logs if e["event"] == "scim_request"]
    assert (499, "create_user") == (line["status"], line["operation"])
    assert [] == [e for e in logs if e["log_level"] in ("error", "exception", "critical")]
    assert "Traceback" not in caplog.text and "Exception in ASGI" not in caplog.text


def test_client_disconnect_mid_body_is_one_quiet_line(served: str, caplog: pytest.LogCaptureFixture) -> None:
    """A client that hangs up halfway through its body (attack 8) leaves one request line, status 499."""
    head = (
        b"POST /scim/v2/Users HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer "
        + DEFAULT_API_KEY.encode()
        + b"\r\nContent-Length: 8192\r\n\r\n"
    )
    with structlog.testing.capture_logs() as logs:
        for _ in range(5):
            with connect(served) as sock:
                sock.sendall(head + b"{" * 100)
                time.sleep(0.02)
            # closing mid-body
        _wait_for(lambda: sum(e["event"] == "scim_request" for e in logs) == 5)

    assert [499] * 5 == [e["status"] for e in logs if e["event"] == "scim_request"]
    assert [] == [e for e in logs if e["event"] != "scim_request"]
    assert "Traceback" not in caplog.text


def test_websocket_upgrade_is_not_a_way_around_the_limits(served: str) -> None:
    """An Upgrade: websocket request is served as plain HTTP (no WebSocket protocol is loaded): 200, not 101."""
    with connect(served) as sock:
        sock.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: p\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        answer = sock.recv(65_536)

    assert answer.startswith(b"HTTP/1.1 200 ")


def _wait_for(condition: object, *, attempts: int = 300) -> None:
    for _ in range(attempts):
        if callable(condition) and condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached within 3 s")


def test_socket_helper_times_out_instead_of_hanging() -> None:
    """The helpers' waits are bounded: a peer that never closes raises TimeoutError rather than hang the suite."""
    listener = socket.create_server(("127.0.0.1", 0))
    with listener, socket.create_connection(listener.getsockname(), timeout=0.2) as sock, pytest.raises(TimeoutError):
        read_until_closed(sock)


def test_server_options_survive_pickling_for_workers() -> None:
    """The protocol option (a partial over our class and its limits) pickles, as `--workers N` requires."""
    options = cli.uvicorn_options(Settings(header_timeout=2.5))

    restored = pickle.loads(pickle.dumps(options["http"]))  # noqa: S301 -- our own object, round-tripped

    assert 2.5 == restored.keywords["limits"].header_timeout
