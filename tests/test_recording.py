"""The recorder: one redacted JSON line per SCIM request, with its JumpCloud calls; rotation and locking."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import respx

from scim_proxy.ops.recording import REDACTED, CassetteWriter, body_fields, redact, safe_headers
from scim_proxy.settings import Settings

from .helpers import API_KEY, AUTH, USER_ID, in_process, jc_user

PASSWORD = "Sup3r-Secret-Pa55!"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"userName": "jdoe", "password": PASSWORD}, {"userName": "jdoe", "password": REDACTED}),
        (
            {"Operations": [{"op": "replace", "path": "password", "value": PASSWORD}]},
            {"Operations": [{"op": "replace", "path": "password", "value": REDACTED}]},
        ),
        (
            {"Operations": [{"op": "Replace", "Path": "Password", "Value": PASSWORD}]},
            {"Operations": [{"op": "Replace", "Path": "Password", "Value": REDACTED}]},
        ),
        (
            {"Operations": [{"op": "add", "path": f"{ENT}:password", "value": [PASSWORD]}]},
            {"Operations": [{"op": "add", "path": f"{ENT}:password", "value": REDACTED}]},
        ),
        (
            {"Operations": [{"op": "replace", "value": {"password": PASSWORD, "title": "x"}}]},
            {"Operations": [{"op": "replace", "value": {"password": REDACTED, "title": "x"}}]},
        ),
        (
            {"value": {"name.password": PASSWORD, f"{ENT}:newPassword": PASSWORD}},
            {"value": {"name.password": REDACTED, f"{ENT}:newPassword": REDACTED}},
        ),
        (
            {"password_expired": False, "passwordless_sudo": True, "password": None},
            {"password_expired": False, "passwordless_sudo": True, "password": None},
        ),
        (
            {"api_key": "k", "client_secret": "s", "token": "t", "title": "keys"},
            {"api_key": REDACTED, "client_secret": REDACTED, "token": REDACTED, "title": "keys"},
        ),
        ([{"Password": PASSWORD}], [{"Password": REDACTED}]),
        ("plain", "plain"),
    ],
)
def test_redact(body: Any, expected: Any) -> None:
    """Passwords are redacted anywhere, PATCH paths included; JumpCloud's password_* flags are kept."""
    assert expected == redact(body)


def test_safe_headers_drop_credentials() -> None:
    """Authorization, cookies and any token, secret or key header are dropped; repeated names are joined."""
    headers = [
        (b"Authorization", b"Bearer abc"),
        (b"Cookie", b"s=1"),
        (b"X-API-Key", b"k"),
        (b"X-Auth-Token", b"t"),
        (b"Proxy-Authorization", b"p"),
        (b"X-Client-Secret", b"s"),
        (b"Content-Type", b"application/scim+json"),
        (b"Accept", b"a"),
        (b"Accept", b"b"),
    ]

    assert {"content-type": "application/scim+json", "accept": "a, b"} == safe_headers(headers)


def test_body_fields_json_only_else_size_and_hash() -> None:
    """JSON is kept as redacted JSON; text, broken JSON and bodies over the limit become size and SHA-256."""
    garbage = b'{"password": "x", "a": '
    digest = hashlib.sha256(garbage).hexdigest()

    assert {} == body_fields(b"", limit=100)
    assert {"body": {"password": REDACTED}} == body_fields(b'{"password": "x"}', limit=100)
    assert {"body_omitted": "not_json", "body_bytes": len(garbage), "body_sha256": digest} == body_fields(
        garbage, limit=100
    )
    assert "too_large" == body_fields(b'{"a": 1}', limit=4)["body_omitted"]
    assert "too_large" == body_fields(b'{"a"', complete=False, limit=100)["body_omitted"]


def test_writer_rotates_and_keeps_backups(tmp_path: Path) -> None:
    """Beyond max_bytes the file moves to FILE.1, FILE.1 to FILE.2, and the oldest beyond backups goes."""
    path = tmp_path / "rec.jsonl"
    writer = CassetteWriter(path, max_bytes=30, backups=2)

    for number in range(5):
        writer.write({"n": number, "pad": "x" * 10})

    assert '{"n":4,"pad":"xxxxxxxxxx"}\n' == path.read_text()
    assert '{"n":3,"pad":"xxxxxxxxxx"}\n' == (tmp_path / "rec.jsonl.1").read_text()
    assert '{"n":2,"pad":"xxxxxxxxxx"}\n' == (tmp_path / "rec.jsonl.2").read_text()
    assert ["rec.jsonl", "rec.jsonl.1", "rec.jsonl.2"] == sorted(p.name for p in tmp_path.iterdir())
    assert 0o600 == stat.S_IMODE(os.stat(path).st_mode)


def test_writer_without_backups_starts_over(tmp_path: Path) -> None:
    """With backups=0 a full file is dropped and the next line starts a new one."""
    path = tmp_path / "rec.jsonl"
    writer = CassetteWriter(path, max_bytes=10, backups=0)

    writer.write({"n": 1})
    writer.write({"n": 2})

    assert '{"n":2}\n' == path.read_text()
    assert ["rec.jsonl"] == [p.name for p in tmp_path.iterdir()]


def test_writer_is_thread_safe(tmp_path: Path) -> None:
    """Eight threads appending 50 lines each leave 400 whole lines, none lost or interleaved."""
    path = tmp_path / "rec.jsonl"
    writer = CassetteWriter(path, max_bytes=0, backups=0)

    def append(thread: int) -> None:
        for number in range(50):
            writer.write({"thread": thread, "n": number, "pad": "y" * 500})

    threads = [threading.Thread(target=append, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert 400 == len(lines)
    assert {(t, n) for t in range(8) for n in range(50)} == {(e["thread"], e["n"]) for e in lines}


@pytest.fixture(name="recorded")
async def _recorded(jc: respx.Router, settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Our app recording to tmp_path/rec.jsonl, its JumpCloud answered by `jc`."""
    settings = attrs.evolve(settings, record_path=str(tmp_path / "rec.jsonl"))
    async with in_process(settings, jc, raise_app_exceptions=False) as client:
        yield client


def _lines(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp_path / "rec.jsonl").read_text().splitlines()]


async def test_records_request_response_and_upstream(
    recorded: httpx.AsyncClient, jc: respx.Router, tmp_path: Path
) -> None:
    """A PATCH becomes one line: the inbound request without its token, our answer, and the JumpCloud PUT."""
    jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user(jobTitle="Lead"))
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "title", "value": "Lead"}],
    }

    resp = await recorded.patch(
        f"/scim/v2/Users/{USER_ID}?aadOptscim062020",
        json=patch,
        headers={**AUTH, "Cookie": "s=1", "X-Request-ID": "req-1"},
    )
    await recorded.get("/healthz")

    (entry,) = _lines(tmp_path)
    assert {"version", "request_id", "started", "duration_ms", "request", "response", "upstream"} == set(entry)
    assert "req-1" == entry["request_id"] == resp.headers["x-request-id"]
    assert {
        "method": "PATCH",
        "path": f"/scim/v2/Users/{USER_ID}",
        "query": "aadOptscim062020",
        "auth": "bearer",
        "headers": {
            "host": "proxy.test",
            "accept": "*/*",
            "accept-encoding": "gzip, deflate",
            "connection": "keep-alive",
            "user-agent": f"python-httpx/{httpx.__version__}",
            "x-request-id": "req-1",
            "content-length": "123",
            "content-type": "application/json",
        },
        "body": patch,
    } == entry["request"]
    assert 200 == entry["response"]["status"]
    assert resp.json() == entry["response"]["body"]
    assert "application/scim+json" == entry["response"]["headers"]["content-type"]
    (call,) = entry["upstream"]
    assert {
        "method": "PUT",
        "path": f"/api/systemusers/{USER_ID}",
        "query": "",
        "body": {"jobTitle": "Lead"},
        "status": 200,
        "response_body": jc_user(jobTitle="Lead"),
    } == {k: v for k, v in call.items() if k not in ("started", "ms")}
    assert entry["started"].endswith("Z") and call["started"].endswith("Z")


async def test_retries_are_recorded_in_order(recorded: httpx.AsyncClient, jc: respx.Router, tmp_path: Path) -> None:
    """Each attempt of a retried JumpCloud call is its own exchange: 503 first, then 200."""
    jc.get(f"/api/systemusers/{USER_ID}").mock(
        side_effect=[httpx.Response(503, json={"message": "busy"}), httpx.Response(200, json=jc_user())]
    )

    resp = await recorded.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert 200 == resp.status_code
    (entry,) = _lines(tmp_path)
    assert [(503, {"message": "busy"}), (200, jc_user())] == [
        (c["status"], c["response_body"]) for c in entry["upstream"]
    ]


async def test_unread_body_is_recorded(recorded: httpx.AsyncClient, tmp_path: Path) -> None:
    """A PATCH refused for an id that cannot exist (body never read by the handler) still has its body recorded."""
    patch = {"Operations": [{"op": "replace", "path": "password", "value": PASSWORD}]}

    resp = await recorded.patch("/scim/v2/Users/not-an-id", json=patch, headers=AUTH)

    assert 404 == resp.status_code
    (entry,) = _lines(tmp_path)
    assert ("bearer", [{"op": "replace", "path": "password", "value": REDACTED}]) == (
        entry["request"]["auth"],
        entry["request"]["body"]["Operations"],
    )
    assert ([], "404") == (entry["upstream"], entry["response"]["body"]["status"])


async def test_request_without_token_is_recorded_as_metadata(recorded: httpx.AsyncClient, tmp_path: Path) -> None:
    """A create without a token leaves a metadata line: method, path, status, why; no body, no headers."""
    body = json.dumps({"userName": "jdoe", "password": PASSWORD}).encode()

    resp = await recorded.post("/scim/v2/Users", content=body)

    assert 401 == resp.status_code
    (entry,) = _lines(tmp_path)
    assert ("metadata", "no_token", 401) == (entry["kind"], entry["reason"], entry["response"]["status"])
    assert {"method": "POST", "path": "/scim/v2/Users", "auth": None, "content_length": len(body)} == entry["request"]


async def test_unexpected_error_is_recorded_as_500(
    recorded: httpx.AsyncClient, jc: respx.Router, tmp_path: Path
) -> None:
    """A handler that crashes leaves a line with status 500 and the upstream calls made before."""
    route = jc.get(f"/api/systemusers/{USER_ID}")
    route.side_effect = [httpx.Response(503, json={"message": "busy"}), RuntimeError("boom")]  # the retry crashes

    resp = await recorded.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (500, 2) == (resp.status_code, route.call_count)
    (entry,) = _lines(tmp_path)
    assert (500, {}) == (entry["response"]["status"], entry["response"]["headers"])
    assert [("GET", f"/api/systemusers/{USER_ID}", 503)] == [
        (c["method"], c["path"], c["status"]) for c in entry["upstream"]
    ]


async def test_secrets_never_reach_the_file(recorded: httpx.AsyncClient, jc: respx.Router, tmp_path: Path) -> None:
    """A flow with a known API key, password, cookie and x-api-key header leaves none of them in the file."""
    jc.post("/api/systemusers").respond(200, json=jc_user())
    jc.put(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())
    jc.post("/api/search/systemusers").respond(401, json={"message": "Unauthorized"})
    extra = {"Cookie": "session=cookie-value-123", "X-API-Key": "header-key-456"}
    ops = [
        [{"op": "replace", "path": "password", "value": PASSWORD}],
        [{"op": "Replace", "path": "Password", "value": PASSWORD}],
        [{"op": "replace", "value": {"password": PASSWORD, "title": "x"}}],
    ]

    created = await recorded.post(
        "/scim/v2/Users",
        headers={**AUTH, **extra},
        json={
            "userName": "jdoe",
            "emails": [{"value": "jdoe@example.com", "primary": True}],
            "password": PASSWORD,
        },
    )
    for operations in ops:
        await recorded.patch(f"/scim/v2/Users/{USER_ID}", headers=AUTH, json={"Operations": operations})
    await recorded.get(
        "/scim/v2/Users",
        headers={"Authorization": "Bearer wrong-key-789"},
        params={"filter": 'userName eq "jdoe"'},
    )

    assert 201 == created.status_code
    text = (tmp_path / "rec.jsonl").read_text()
    assert 5 == len(text.splitlines())
    for secret in (API_KEY, PASSWORD, "cookie-value-123", "header-key-456", "wrong-key-789", "Bearer"):
        assert secret not in text
    assert 4 == text.count(REDACTED)


async def test_recording_failure_does_not_fail_the_request(
    jc: respx.Router, settings: Settings, tmp_path: Path
) -> None:
    """When the recording cannot be written, the SCIM request still succeeds."""
    settings = attrs.evolve(settings, record_path=str(tmp_path))  # a directory: every write fails
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    async with in_process(settings, jc) as client:
        resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (200, USER_ID) == (resp.status_code, resp.json()["id"])
    assert [] == list(tmp_path.iterdir())  # nothing could be written


async def test_app_rotates_with_settings(jc: respx.Router, settings: Settings, tmp_path: Path) -> None:
    """record_max_bytes and record_backups reach the writer: a small cap yields FILE and FILE.1 only."""
    path = tmp_path / "rec.jsonl"
    settings = attrs.evolve(settings, record_path=str(path), record_max_bytes=100, record_backups=1)

    async with in_process(settings, jc) as client:
        for _ in range(3):
            await client.get("/scim/v2/ServiceProviderConfig")

    assert ["rec.jsonl", "rec.jsonl.1"] == sorted(p.name for p in tmp_path.iterdir())
    assert 1 == len(path.read_text().splitlines()) == len((tmp_path / "rec.jsonl.1").read_text().splitlines())
