"""`serve --record FILE`: one JSON line per SCIM request, with every JumpCloud call it made.

`RecordingMiddleware` is pure ASGI and sits directly inside `RequestContextMiddleware`, so
it runs in the context where that middleware opened the request's `UpstreamStats`: it reads
the same object with `budget.current()` and, after the handler, finds in `exchanges` every
call the JumpCloud client made. It also reads the request id that middleware bound to the
log context. `CassetteWriter` (writer.py) appends the lines, rotating `FILE` to `FILE.1` ... `FILE.N`.

What a line holds is decided after the response (docs/record-replay.md):
- a full line (the request, our answer, the JumpCloud calls) for a request that carried a
  well-formed bearer token, reached a SCIM route and was not answered 401;
- a metadata line (method, path, status, sizes, a SHA-256 of the body, why) for the rest,
  so the internet cannot fill the rotation with bodies of its choosing;
- a body is stored only as redacted JSON: a body that is not JSON, or larger than the
  limit, is stored as its size and hash. The limit is `max_body_bytes` when JumpCloud
  accepted the key during this request, UNVERIFIED_BODY_BYTES when it never saw it.

Lines are ASCII (`\\uXXXX` escapes), so no string, lone surrogates included, can make a
line unwritable; if building a line fails anyway, a metadata line saying so is written.
Nothing here can fail or delay the SCIM request beyond the write itself.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

import structlog
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scim_proxy import jsontext
from scim_proxy.errors import ProxyError
from scim_proxy.jumpcloud import budget
from scim_proxy.ops.redaction import REDACTED, redact, redact_query, safe_headers
from scim_proxy.ops.writer import CassetteWriter
from scim_proxy.web.requests import bearer_token, declared_length

__all__ = ["REDACTED", "CassetteWriter", "RecordingMiddleware", "body_fields", "redact", "safe_headers"]

FORMAT_VERSION = 1
MAX_RESPONSE_BYTES = 4 * 1_048_576
UNVERIFIED_BODY_BYTES = 16_384  # Entra's requests are a few KB; a key JumpCloud never saw gets no more
MAX_METADATA_PATH = 256

log = structlog.get_logger("scim_proxy")


def body_fields(raw: bytes, *, complete: bool = True, limit: int, strict: bool = True) -> dict[str, Any]:
    """`{"body": redacted JSON}`, `{}` when empty, else size and hash with the reason it was left out.

    `strict` applies the inbound JSON rules (jsontext); our own responses are read leniently.
    """
    if not raw:
        return {}
    if complete and len(raw) <= limit:
        try:
            value = jsontext.loads(raw) if strict else json.loads(raw)
        except (ProxyError, ValueError, RecursionError):
            return _body_digest(raw, "not_json")
        return {"body": redact(value)}
    return _body_digest(raw, "too_large" if len(raw) > limit or not complete else "not_json")


def _body_digest(raw: bytes, reason: str) -> dict[str, Any]:
    return {"body_omitted": reason, "body_bytes": len(raw), "body_sha256": hashlib.sha256(raw).hexdigest()}


def auth_kind(headers: list[tuple[bytes, bytes]]) -> str | None:
    """What the Authorization header looked like, never its value: "bearer", "other" or None."""
    value = _header(headers, b"authorization")
    if value is None:
        return None
    return "bearer" if bearer_token(value) is not None else "other"


def iso(moment: float) -> str:
    """A `time.time()` value as ISO 8601 UTC with milliseconds."""
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_scim_path(path: str) -> bool:
    """SCIM requests are recorded; /healthz, /readyz and /metrics are not."""
    return "/scim/v2" in path


class _Observed:
    """One SCIM request as the recorder saw it: body read, answer captured."""

    def __init__(self, scope: Scope, stats: budget.UpstreamStats) -> None:
        self.scope = scope
        self.stats = stats
        self.started, self.clock = time.time(), time.perf_counter()
        self.body = bytearray()
        self.body_complete = True
        self.status = 500
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.response_bytes = 0
        self.response_chunks: list[bytes] = []

    def answer(self, message: Message) -> None:
        """Keep what the response says; nothing here can raise into the response itself."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.response_headers = list(message.get("headers", []))  # filtered when the line is built
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            self.response_bytes += len(chunk)
            if self.response_bytes <= MAX_RESPONSE_BYTES:
                self.response_chunks.append(chunk)


class RecordingMiddleware:
    """Records each SCIM request, its response and its JumpCloud calls as one cassette line."""

    def __init__(self, app: ASGIApp, *, writer: CassetteWriter, max_body_bytes: int = 1_048_576) -> None:
        self.app = app
        self.writer = writer
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_scim_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        stats = budget.current()  # the object RequestContextMiddleware opened for this request
        if stats.exchanges is None:
            stats.exchanges = []
        seen = _Observed(scope, stats)
        pending: list[Message] = []
        if bearer_token(_header(scope.get("headers", []), b"authorization")) is not None:
            # Read the body first: a handler that answers early never reads it, and after the
            # response the server no longer delivers it. Without a token the line will hold
            # metadata only, so nothing is buffered beyond what the handler itself reads.
            pending = await _read_body(receive, self.max_body_bytes, seen)

        async def replayed_receive() -> Message:
            if pending:
                return pending.pop(0)
            message = await receive()
            if message["type"] == "http.request":
                seen.body += message.get("body", b"")[: max(0, self.max_body_bytes - len(seen.body))]
            return message

        async def captured_send(message: Message) -> None:
            seen.answer(message)
            await send(message)

        try:
            await self.app(scope, replayed_receive, captured_send)
        finally:
            self._record(seen)

    def _record(self, seen: _Observed) -> None:
        try:
            entry = self._entry(seen)
        except Exception as exc:  # a line for every request, whatever went wrong while building it
            entry = _metadata(seen, reason="recording_error")
            entry["error"] = type(exc).__name__
        try:
            self.writer.write(entry)
        except Exception as exc:  # a full disk must not fail provisioning
            log.warning("recording_failed", path=self.writer.path, error=type(exc).__name__)

    def _entry(self, seen: _Observed) -> dict[str, Any]:
        scope = seen.scope
        headers = scope.get("headers", [])
        if bearer_token(_header(headers, b"authorization")) is None:
            return _metadata(seen, reason="no_token")
        if not isinstance(scope.get("route"), Route):
            return _metadata(seen, reason="no_route")
        if seen.status == 401:
            return _metadata(seen, reason="rejected")
        vouched = any(call.status not in (None, 401) for call in seen.stats.exchanges or ())
        limit = self.max_body_bytes if vouched else UNVERIFIED_BODY_BYTES
        response = b"".join(seen.response_chunks)
        return {
            "version": FORMAT_VERSION,
            **_common(seen),
            "request": {
                "method": scope["method"],
                "path": _raw_path(scope),
                "query": redact_query(scope.get("query_string", b"").decode("latin-1")),
                "headers": safe_headers(headers),
                "auth": auth_kind(headers),
                **body_fields(bytes(seen.body), complete=seen.body_complete, limit=limit),
            },
            "response": {
                "status": seen.status,
                "headers": safe_headers(seen.response_headers),
                **body_fields(
                    response,
                    complete=seen.response_bytes == len(response),
                    limit=MAX_RESPONSE_BYTES if vouched else UNVERIFIED_BODY_BYTES,
                    strict=False,
                ),
            },
            "upstream": [_call(call) for call in seen.stats.exchanges or ()],
        }


def _metadata(seen: _Observed, *, reason: str) -> dict[str, Any]:
    """A line without bodies, query or headers: what came, what we answered, what it cost."""
    scope = seen.scope
    headers = scope.get("headers", [])
    body = bytes(seen.body)
    request: dict[str, Any] = {"method": scope.get("method"), "path": _raw_path(scope)[:MAX_METADATA_PATH]}
    request["auth"] = auth_kind(headers)
    declared = declared_length(_header(headers, b"content-length"))
    if declared is not None:
        request["content_length"] = declared
    if body:
        request["body_bytes"] = len(body)
        request["body_sha256"] = hashlib.sha256(body).hexdigest()
    return {
        "version": FORMAT_VERSION,
        "kind": "metadata",
        "reason": reason,
        **_common(seen),
        "request": request,
        "response": {"status": seen.status, "body_bytes": seen.response_bytes},
        "upstream": [
            {"method": c.method, "path": c.path[:MAX_METADATA_PATH], "status": c.status}
            for c in seen.stats.exchanges or ()
        ],
    }


def _common(seen: _Observed) -> dict[str, Any]:
    return {
        "request_id": structlog.contextvars.get_contextvars().get("request_id"),
        "started": iso(seen.started),
        "duration_ms": round((time.perf_counter() - seen.clock) * 1000, 2),
    }


def _call(call: budget.UpstreamCall) -> dict[str, Any]:
    return {
        "method": call.method,
        "path": call.path,
        "query": call.query,
        "body": redact(call.request_body),
        "status": call.status,
        "response_body": redact(call.response_body),
        "started": iso(call.started),
        "ms": round(call.seconds * 1000, 2),
    }


def _raw_path(scope: Scope) -> str:
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return raw.decode("latin-1")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _read_body(receive: Receive, limit: int, seen: _Observed) -> list[Message]:
    """The request's body up to its end or `limit` bytes, kept in `seen`, as messages to replay.

    What was read is replayed as one `http.request` message (then a disconnect, if one came):
    a client that sends its body a byte at a time would otherwise be held as one message
    per byte, some 200 bytes of memory for each byte it sent.
    """
    body = bytearray()
    more = True
    last: Message | None = None
    while more and len(body) <= limit:
        message = await receive()
        if message["type"] != "http.request":
            last = message
            break
        body += message.get("body", b"")
        more = message.get("more_body", False)
    seen.body += body[:limit]
    seen.body_complete = len(body) <= limit
    read: list[Message] = [{"type": "http.request", "body": bytes(body), "more_body": more}]
    return [*read, last] if last is not None else read
