"""The production transport (jumpcloud/http11.py) against scripted servers on loopback: what it sends,
how it reads answers, when it reuses a connection, and how each failure comes out."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import ssl
from collections.abc import AsyncIterator

import httpx
import pytest
import trustme

from scim_proxy.errors import UpstreamTimeout, UpstreamUnavailable
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.connection import MAX_HEAD_BYTES
from scim_proxy.jumpcloud.http11 import Http11Transport
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.settings import Settings

from .helpers import API_KEY, USER_ID, jc_user
from .http11_server import WAIT, answer, hang_up, never_answer, scripted

AUTH = Credentials(API_KEY)
TIMEOUT = httpx.Timeout(WAIT)


def client(url: str, **transport: object) -> httpx.AsyncClient:
    """httpx over the transport under test, with `transport`'s keyword arguments."""
    return httpx.AsyncClient(base_url=url, transport=Http11Transport(**transport), timeout=TIMEOUT)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def users(url: str, **settings: object) -> AsyncIterator[JumpCloudUsers]:
    """The production JumpCloud client on the transport under test, with quick retries; closed on the way out."""
    config = Settings(jumpcloud_url=url, retry_backoff=0.001, retry_backoff_max=0.01, **settings)  # type: ignore[arg-type]
    jumpcloud = make_jumpcloud_client(config, upstream_client="httptools")
    async with jumpcloud.http:
        yield JumpCloudUsers(jumpcloud)


async def test_a_search_goes_out_as_httpx_would_send_it_and_its_answer_comes_back() -> None:
    """A search is one request line, the client's and the call's headers, Content-Length and the JSON
    body; the answer's page is read from the body."""
    page = {"totalCount": 1, "results": [jc_user()]}
    async with scripted(answer(200, json.dumps(page).encode())) as server, users(server.url) as jc:
        budget.begin_request(WAIT)
        found = await jc.search_users({"username": "jdoe"}, skip=0, limit=1, auth=AUTH)

    assert [USER_ID] == [user.id for user in found.results]
    [sent] = server.received
    assert b"POST /api/search/systemusers?skip=0&limit=1&sort=_id HTTP/1.1" == sent.request_line
    host = server.url.removeprefix("http://").encode()
    assert (host, API_KEY.encode(), b"scim-proxy") == (
        sent.header(b"host"),
        sent.header(b"x-api-key"),
        sent.header(b"user-agent"),
    )
    assert (b"application/json", b"application/json") == (sent.header(b"accept"), sent.header(b"content-type"))
    assert {"filter": {"username": "jdoe"}, "skip": 0, "limit": 1} == json.loads(sent.body)
    assert str(len(sent.body)).encode() == sent.header(b"content-length")


async def test_two_calls_share_one_kept_alive_connection() -> None:
    """A second call reuses the connection of the first."""
    async with scripted(answer(), answer()) as server, client(server.url) as http:
        first = await http.get("/one")
        second = await http.get("/two")

    assert (200, 200) == (first.status_code, second.status_code)
    assert [0, 0] == [request.connection for request in server.received]


async def test_an_answer_saying_connection_close_is_not_reused() -> None:
    """After `Connection: close` the next call opens a new connection."""
    async with scripted(answer(200, b"{}", ("Connection", "close")), answer()) as server, client(server.url) as http:
        await http.get("/one")
        await http.get("/two")

    assert [0, 1] == [request.connection for request in server.received]


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    """A kept-alive connection the server closed meanwhile is not used again: the next call opens a new one."""

    async def answer_then_close(writer: asyncio.StreamWriter) -> None:
        writer.write(answer())
        await writer.drain()
        writer.close()

    async with scripted(answer_then_close, answer()) as server, client(server.url) as http:
        await http.get("/one")
        await asyncio.sleep(0.05)  # the FIN reaches the client's event loop
        second = await http.get("/two")

    assert 200 == second.status_code
    assert [0, 1] == [request.connection for request in server.received]


async def test_a_chunked_answer_is_read_whole() -> None:
    """A chunked body is reassembled."""
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    async with scripted(chunked) as server, client(server.url) as http:
        resp = await http.get("/chunked")

    assert b"hello world" == resp.content


async def test_a_gzip_answer_is_decoded() -> None:
    """A gzip-encoded body comes back decoded, as httpx decodes it over any transport."""
    body = gzip.compress(b'{"totalCount":0,"results":[]}')
    async with scripted(answer(200, body, ("Content-Encoding", "gzip"))) as server, client(server.url) as http:
        resp = await http.get("/gzip")

    assert {"totalCount": 0, "results": []} == resp.json()


async def test_a_body_that_ends_with_the_connection_is_read_whole() -> None:
    """An answer with neither a length nor chunks is read until the server closes, and that connection is dropped."""

    async def until_close(writer: asyncio.StreamWriter) -> None:
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"open":')
        await writer.drain()
        writer.write(b"true}")
        writer.close()

    async with scripted(until_close, answer()) as server, client(server.url) as http:
        first = await http.get("/one")
        await http.get("/two")

    assert {"open": True} == first.json()
    assert [0, 1] == [request.connection for request in server.received]


async def test_an_interim_100_continue_is_skipped() -> None:
    """A `100 Continue` before the answer is not taken for the answer."""
    async with scripted(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(201, b"{}")) as server, client(server.url) as http:
        resp = await http.post("/users", content=b"{}")

    assert 201 == resp.status_code


async def test_a_head_request_does_not_wait_for_a_body() -> None:
    """A HEAD answer ends with its head, whatever its Content-Length says."""
    async with scripted(b"HTTP/1.1 200 OK\r\nContent-Length: 512\r\n\r\n") as server, client(server.url) as http:
        resp = await http.head("/users")

    assert (200, b"") == (resp.status_code, resp.content)


async def test_a_server_that_closes_before_answering_is_a_protocol_error() -> None:
    """A connection closed before the answer raises RemoteProtocolError."""
    async with scripted(hang_up) as server, client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/gone")


async def test_a_dropped_answer_is_retried_by_our_client_and_every_attempt_counted() -> None:
    """A GET whose connection drops is sent again by JumpCloudClient, never by the transport: two calls counted."""
    async with scripted(hang_up, answer(200, json.dumps(jc_user()).encode())) as server, users(server.url) as jc:
        stats = budget.begin_request(WAIT)
        user = await jc.get_user(USER_ID, auth=AUTH)

    assert (USER_ID, 2, 1) == (user.id, stats.calls, stats.retries)
    assert [0, 1] == [request.connection for request in server.received]


async def test_an_answer_cut_short_is_a_protocol_error() -> None:
    """A body shorter than its Content-Length, then a close, raises RemoteProtocolError."""

    async def short(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}")
        await writer.drain()
        writer.close()

    async with scripted(short) as server, client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/short")


async def test_a_server_that_does_not_answer_times_out_and_the_call_is_a_504() -> None:
    """No answer within the read timeout raises ReadTimeout; through JumpCloudClient, UpstreamTimeout."""
    async with scripted(never_answer, never_answer) as server:
        async with client(server.url) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.get("/slow", timeout=0.1)
        async with users(server.url, upstream_timeout=0.1, retry_attempts=1) as jc:
            budget.begin_request(WAIT)
            with pytest.raises(UpstreamTimeout):
                await jc.get_user(USER_ID, auth=AUTH)


async def test_an_answer_that_trickles_in_is_not_timed_out_while_bytes_keep_coming() -> None:
    """The read timeout is the longest silence, not the whole answer's time."""

    async def trickle(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n")
        for byte in b"{    }":
            await asyncio.sleep(0.05)
            writer.write(bytes([byte]))
            await writer.drain()

    # Six gaps of 0.05 s outlast the 0.25 s timeout as a whole, while each leaves 0.2 s to spare on a busy machine.
    async with scripted(trickle) as server, client(server.url) as http:
        resp = await http.get("/trickle", timeout=0.25)

    assert b"{    }" == resp.content


async def test_a_refused_connection_is_a_connect_error_and_the_call_a_502() -> None:
    """Nothing listening raises ConnectError; through JumpCloudClient, UpstreamUnavailable."""
    async with scripted() as server:
        url = server.url
    async with client(url) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/nobody")
    async with users(url, retry_attempts=1) as jc:
        budget.begin_request(WAIT)
        with pytest.raises(UpstreamUnavailable):
            await jc.get_user(USER_ID, auth=AUTH)


async def test_a_garbled_answer_is_a_protocol_error() -> None:
    """Bytes that are not HTTP raise RemoteProtocolError."""
    async with scripted(b"SSH-2.0-OpenSSH_9.6\r\n\r\n") as server, client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/ssh")


async def test_an_oversized_head_or_body_is_refused() -> None:
    """A head over 64 KiB, or a body over max_body_bytes, raises RemoteProtocolError."""
    huge_head = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * MAX_HEAD_BYTES + b"\r\nContent-Length: 2\r\n\r\n{}"
    async with scripted(huge_head) as server, client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="head"):
            await http.get("/head")
    async with scripted(answer(200, b"x" * 2048)) as server, client(server.url, max_body_bytes=1024) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="larger"):
            await http.get("/body")


async def test_a_header_holding_a_line_break_is_refused_before_sending() -> None:
    """A header value with CR LF (a smuggled second request) raises LocalProtocolError; nothing is sent."""
    async with scripted(answer()) as server, client(server.url) as http:
        with pytest.raises(httpx.LocalProtocolError):
            await http.get("/x", headers={"x-api-key": "key\r\nX-Injected: 1"})

    assert [] == server.received


async def test_calls_beyond_the_connection_cap_wait_for_a_free_one() -> None:
    """With one connection allowed, a second call waits for the first (then reuses its connection),
    and one that waits longer than the pool timeout raises PoolTimeout."""
    release = asyncio.Event()

    async def held(writer: asyncio.StreamWriter) -> None:
        await asyncio.wait_for(release.wait(), WAIT)
        writer.write(answer())
        await writer.drain()

    async with scripted(held, answer()) as server, client(server.url, limits=httpx.Limits(max_connections=1)) as http:
        first = asyncio.ensure_future(http.get("/first"))
        await server.arrived(1)  # the one connection is now busy with /first
        with pytest.raises(httpx.PoolTimeout):
            await http.get("/late", timeout=httpx.Timeout(WAIT, pool=0.05))
        second = asyncio.ensure_future(http.get("/second"))
        release.set()
        statuses = [(await first).status_code, (await second).status_code]

    assert [200, 200] == statuses
    assert [0, 0] == [request.connection for request in server.received]


async def test_a_cancelled_call_does_not_leave_its_connection_for_the_next() -> None:
    """A call cancelled while waiting for its answer closes that connection; the next call opens another."""
    async with scripted(never_answer, answer()) as server, client(server.url) as http:
        pending = asyncio.ensure_future(http.get("/stalled"))
        await server.arrived(1)  # sent: the call now waits for its answer
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        resp = await http.get("/next")

    assert 200 == resp.status_code
    assert [0, 1] == [request.connection for request in server.received]


async def test_an_unsupported_scheme_is_refused() -> None:
    """Only http and https are spoken."""
    async with httpx.AsyncClient(transport=Http11Transport()) as http:
        with pytest.raises(httpx.UnsupportedProtocol):
            await http.get("ftp://127.0.0.1/file")


async def test_https_is_spoken_to_a_trusted_certificate_and_refused_to_any_other() -> None:
    """Over TLS, a server whose certificate chains to a trusted CA answers; the default context
    (httpx's CA bundle) refuses the same self-signed server with ConnectError."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    async with scripted(answer(200, b'{"tls":true}'), tls=server_context) as server:
        async with client(server.url, ssl_context=trusting) as http:
            resp = await http.get("/secure")
        async with client(server.url) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get("/untrusted")

    assert {"tls": True} == resp.json()
    assert [b"GET /secure HTTP/1.1"] == [request.request_line for request in server.received]


async def test_a_request_built_without_host_gets_one() -> None:
    """A request with no Host header (built with a stream) is sent with one, as HTTP/1.1 requires."""
    async with scripted(answer()) as server, Http11Transport() as transport:
        bare = httpx.Request("GET", f"{server.url}/bare", stream=httpx.ByteStream(b""))
        resp = await transport.handle_async_request(bare)

    assert 200 == resp.status_code
    assert server.url.removeprefix("http://").encode() == server.received[0].header(b"host")
