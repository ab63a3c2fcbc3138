"""Attacks 3, 5 and 6: the recording can be neither frozen, flushed, bypassed nor fed a password.

The app records to a temporary file in-process (`serve --record`), its JumpCloud answered by
respx; every test reads the file back.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import respx
from starlette.types import Message, Receive, Scope, Send

from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.ops.recording import CassetteWriter, RecordingMiddleware
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

from ..helpers import API_KEY, AUTH, USER_ID, jc_user

PASSWORD = "Hunter2-Correct-Horse"
AUTH_VALUE = AUTH["Authorization"].encode()


@pytest.fixture(name="recording")
def _recording(tmp_path: Path) -> Path:
    return tmp_path / "rec.jsonl"


@pytest.fixture(name="recorded")
async def _recorded(jc: respx.Router, settings: Settings, recording: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Our app recording to `recording` (rotating at 200 KB, one backup), its JumpCloud answered by `jc`."""
    settings = attrs.evolve(settings, record_path=str(recording), record_max_bytes=200_000, record_backups=1)
    upstream = make_jumpcloud_client(settings, transport=httpx.MockTransport(jc.async_handler))
    app = create_app(settings, jumpcloud=upstream)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with upstream.http, httpx.AsyncClient(transport=transport, base_url="https://proxy.test") as client:
        yield client


def lines(recording: Path) -> list[dict[str, Any]]:
    """Every line of the recording and its one backup, oldest first."""
    files = [Path(f"{recording}.1"), recording]
    return [json.loads(line) for path in files if path.exists() for line in path.read_text().splitlines()]


async def test_unauthenticated_password_text_neither_freezes_nor_is_stored(
    recorded: httpx.AsyncClient, recording: Path
) -> None:
    """The issue's `"` + `password` x 37,500 body without a token: 401, a concurrent probe answered, a metadata line."""
    body = b'"' + b"password" * 37_500

    attack, probe = await asyncio.gather(
        recorded.post("/scim/v2/Users", content=body),
        recorded.get("/scim/v2/ServiceProviderConfig"),
    )

    assert (401, 200) == (attack.status_code, probe.status_code)
    entry = next(e for e in lines(recording) if e["request"]["method"] == "POST")
    assert ("metadata", "no_token") == (entry["kind"], entry["reason"])
    assert b"password" not in recording.read_bytes()


async def test_unauthenticated_traffic_cannot_flush_real_history(
    recorded: httpx.AsyncClient, jc: respx.Router, recording: Path
) -> None:
    """200 bodies of 64 KB to SCIM and unknown paths leave metadata lines only; the real request stays on record."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())
    await recorded.get(f"/scim/v2/Users/{USER_ID}", headers={**AUTH, "X-Request-ID": "the-real-one"})
    junk = json.dumps({"junk": "x" * 65_000}).encode()

    for number in range(100):
        await recorded.post("/scim/v2/Users", content=junk)
        await recorded.post(f"/scim/v2/Nowhere{number}", content=junk, headers=AUTH)

    entries = lines(recording)
    assert "the-real-one" == entries[0]["request_id"]
    assert {"no_token", "no_route"} == {e["reason"] for e in entries[1:]}
    assert all(len(json.dumps(e)) < 1_000 for e in entries[1:])


async def test_bearer_tokens_jumpcloud_rejects_are_metadata(
    recorded: httpx.AsyncClient, jc: respx.Router, recording: Path
) -> None:
    """A well-formed token JumpCloud answers 401 leaves metadata: the call it cost, never the body or query."""
    jc.post("/api/search/systemusers").respond(401, json={"message": "Unauthorized"})

    resp = await recorded.get("/scim/v2/Users", params={"filter": 'userName eq "secret-name"'}, headers=AUTH)

    assert 401 == resp.status_code
    (entry,) = lines(recording)
    assert ("metadata", "rejected") == (entry["kind"], entry["reason"])
    assert [{"method": "POST", "path": "/api/search/systemusers", "status": 401}] == entry["upstream"]
    assert "secret-name" not in recording.read_text()


async def test_bodies_of_keys_jumpcloud_never_saw_are_capped(recorded: httpx.AsyncClient, recording: Path) -> None:
    """A random token's 64 KB JSON body refused before any JumpCloud call is recorded as size and hash only."""
    big = {"schemas": ["x"], "junk": "y" * 65_000}

    resp = await recorded.post("/scim/v2/Users", json=big, headers={"Authorization": "Bearer random-token"})

    assert 400 == resp.status_code
    (entry,) = lines(recording)
    sent = resp.request.content
    assert ("too_large", len(sent), hashlib.sha256(sent).hexdigest()) == (
        entry["request"]["body_omitted"],
        entry["request"]["body_bytes"],
        entry["request"]["body_sha256"],
    )
    assert "body" not in entry["request"]


async def test_lone_surrogate_body_still_gets_its_line(
    recorded: httpx.AsyncClient, jc: respx.Router, recording: Path
) -> None:
    """An authenticated DELETE carrying `{"n":"\\ud800"}` deletes the user and is recorded, its body as a hash."""
    delete = jc.delete(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await recorded.request("DELETE", f"/scim/v2/Users/{USER_ID}", content=b'{"n":"\\ud800"}', headers=AUTH)

    assert (204, 1) == (resp.status_code, delete.call_count)
    (entry,) = lines(recording)
    assert ("DELETE", "not_json", 204) == (
        entry["request"]["method"],
        entry["request"]["body_omitted"],
        entry["response"]["status"],
    )
    assert recording.read_bytes().isascii()


async def test_surrogates_from_jumpcloud_are_written_escaped(
    recorded: httpx.AsyncClient, jc: respx.Router, recording: Path
) -> None:
    """A JumpCloud answer holding a lone surrogate is recorded as an ASCII escape, not dropped."""
    stored = json.dumps(jc_user(jobTitle="a\ud800b")).encode()
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, content=stored, headers={"content-type": "application/json"})

    resp = await recorded.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert 200 == resp.status_code
    (entry,) = lines(recording)
    assert "a\ud800b" == entry["upstream"][0]["response_body"]["jobTitle"] == entry["response"]["body"]["title"]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "password ", "value": PASSWORD},
        {"op": "replace", "path": "password\t", "value": PASSWORD},
        {"op": "replace", "path": "pass\u200bword", "value": PASSWORD},
        {"op": "replace", "path": "passwd", "value": PASSWORD},
        {"op": "replace", "path": "PWD", "value": PASSWORD},
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:Password", "value": PASSWORD},
        {"op": "replace", "value": {"password ": PASSWORD}},
        {"op": "replace", "value": {"name": {"pass\u00adword": PASSWORD}}},
        {"op": "replace", "value": {"\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44": PASSWORD}},
        {"op": "replace", "value": {"client_secret": PASSWORD, "apiKey": PASSWORD, "refresh-token": PASSWORD}},
        {"Op": "Replace", " Path ": "Password", " Value ": [PASSWORD]},
    ],
    ids=[
        "trailing-space",
        "tab",
        "zero-width-space",
        "passwd",
        "pwd",
        "urn",
        "no-path-key",
        "soft-hyphen",
        "fullwidth",
        "other-secrets",
        "spaced-keys",
    ],
)
async def test_password_shapes_never_reach_the_file(
    recorded: httpx.AsyncClient, jc: respx.Router, recording: Path, operation: dict[str, Any]
) -> None:
    """Every spelling of a password in a PATCH (attack 6) is redacted, and the line is still written.

    The password is never a change the proxy keeps, so it answers the current user after one GET;
    keys padded with spaces make no PatchOp at all (400, no call).
    """
    refused = " Path " in operation
    get = None if refused else jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await recorded.patch(f"/scim/v2/Users/{USER_ID}", json={"Operations": [operation]}, headers=AUTH)

    assert (400 if refused else 200) == resp.status_code
    assert (0 if refused else 1) == len(jc.calls) == (get.call_count if get else 0)
    assert 1 == len(lines(recording))
    assert PASSWORD not in recording.read_text()


@pytest.mark.parametrize(
    ("content", "content_type", "answer"),
    [
        (json.dumps({"password": PASSWORD}).encode() + b" garbage", "application/json", (400, "not_json")),
        (f"userName=jdoe&password={PASSWORD}".encode(), "application/x-www-form-urlencoded", (400, "not_json")),
        (json.dumps({"password": PASSWORD, "pad": "x" * 2_000_000}).encode(), "application/json", (413, "too_large")),
        (b"\xff\xfe" + PASSWORD.encode("utf-16-le"), "application/json", (400, "not_json")),
    ],
    ids=["json-then-garbage", "form", "oversized", "not-utf8"],
)
async def test_bodies_that_are_not_json_are_stored_as_a_hash(
    recorded: httpx.AsyncClient,
    settings: Settings,
    recording: Path,
    content: bytes,
    content_type: str,
    answer: tuple[int, str],
) -> None:
    """Garbage after JSON, form bodies, oversized and non-UTF-8 bodies are kept as size and SHA-256 only
    (of the bytes read: an oversized body is read up to the limit)."""
    resp = await recorded.post("/scim/v2/Users", content=content, headers={**AUTH, "Content-Type": content_type})

    read = content[: settings.max_body_bytes]
    (entry,) = lines(recording)
    assert answer == (resp.status_code, entry["request"]["body_omitted"])
    assert (len(read), hashlib.sha256(read).hexdigest()) == (
        entry["request"]["body_bytes"],
        entry["request"]["body_sha256"],
    )
    assert "body" not in entry["request"]
    assert PASSWORD not in recording.read_text()


async def test_secret_query_parameters_are_redacted(
    recorded: httpx.AsyncClient, jc: respx.Router, recording: Path
) -> None:
    """A token or password in the query string (some clients put one there) is not recorded."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    await recorded.get(f"/scim/v2/Users/{USER_ID}?access_token={PASSWORD}&attributes=userName", headers=AUTH)

    (entry,) = lines(recording)
    assert "access_token=[redacted]&attributes=userName" == entry["request"]["query"]
    assert PASSWORD not in recording.read_text() and API_KEY not in recording.read_text()


async def test_a_content_length_that_is_no_number_still_gets_its_line(
    recorded: httpx.AsyncClient, recording: Path
) -> None:
    """Without a token and with `Content-Length: ²`, the 401 is answered and its metadata line written."""
    resp = await recorded.post("/scim/v2/Users", content=b"{}", headers={"Content-Length": b"\xb2"})

    assert 401 == resp.status_code
    (entry,) = lines(recording)
    assert ("no_token", {"method": "POST", "path": "/scim/v2/Users", "auth": None}) == (
        entry["reason"],
        entry["request"],
    )


async def test_a_line_is_written_even_when_building_it_fails(
    recorded: httpx.AsyncClient, jc: respx.Router, recording: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If building a full line raises, a metadata line naming the error is written and the request succeeds."""
    from scim_proxy.ops import recording as module

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "safe_headers", broken)
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await recorded.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert 200 == resp.status_code
    (entry,) = lines(recording)
    assert ("recording_error", "RuntimeError") == (entry["reason"], entry["error"])


async def test_a_body_sent_a_byte_at_a_time_is_held_as_its_bytes(recording: Path) -> None:
    """100,000 one-byte body messages with a token reach the handler as one message; the line has their hash."""
    body = b"x" * 100_000
    incoming = iter(
        [{"type": "http.request", "body": body[i : i + 1], "more_body": i < len(body) - 1} for i in range(len(body))]
    )
    handed: list[Message] = []

    async def receive() -> Message:
        return next(incoming)

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        while not handed or handed[-1].get("more_body"):
            handed.append(await receive())
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message: Message) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/scim/v2/Users", "headers": [(b"authorization", AUTH_VALUE)]}
    budget.begin_request(25, record=True)
    await RecordingMiddleware(handler, writer=CassetteWriter(recording, max_bytes=0, backups=0))(scope, receive, send)

    assert [(len(body), False)] == [(len(m["body"]), m["more_body"]) for m in handed]
    (entry,) = lines(recording)
    assert (len(body), hashlib.sha256(body).hexdigest()) == (
        entry["request"]["body_bytes"],
        entry["request"]["body_sha256"],
    )
