"""`serve --record FILE`: one JSON line per SCIM request, with every JumpCloud call it made.

`RecordingMiddleware` is pure ASGI and sits directly inside `RequestContextMiddleware`, so
it runs in the context where that middleware opened the request's `UpstreamStats`: it reads
the same object with `budget.current()` and, after the handler, finds in `exchanges` every
call `jumpcloud.py` made. It also reads the request id that middleware bound to the log
context. `CassetteWriter` appends the lines, rotating `FILE` to `FILE.1` ... `FILE.N`.

Secrets policy (see docs/record-replay.md): the Authorization header (the JumpCloud API
key), cookies and any header whose name holds token, secret, key or auth are dropped; every
password, API key, secret or token value in a JSON body is replaced by "[redacted]"
(`redact`), in inbound bodies, responses and upstream bodies alike.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scim_proxy.jumpcloud import budget

REDACTED = "[redacted]"
FORMAT_VERSION = 1
MAX_RESPONSE_BYTES = 4 * 1_048_576
_SECRET_HEADER_PARTS = ("auth", "cookie", "token", "secret", "key")
_SECRET_FIELDS = frozenset({"apikey", "xapikey", "secret", "clientsecret", "token", "accesstoken", "refreshtoken"})
_TEXT_SECRET = re.compile(r'("[^"]*(?:password|secret|token|api_?key)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"', re.I)

log = structlog.get_logger("scim_proxy")


def redact(value: Any) -> Any:
    """A copy of a JSON value with every password (and API key, secret, token) value replaced.

    Keys are compared case-insensitively, without `_`/`-`, on their last `:`/`.` segment, so
    `password`, `newPassword`, `urn:...:User:password` and `name.password` all match, while
    `password_expired` (a JumpCloud flag the proxy reads) does not. A PATCH operation whose
    `path` names a password has its `value` replaced too.
    """
    if isinstance(value, list):
        return [redact(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {k: REDACTED if _secret_name(k) and v is not None else redact(v) for k, v in value.items()}
    path = next((v for k, v in out.items() if str(k).lower() == "path"), None)
    if isinstance(path, str) and _secret_name(path.split("[", 1)[0]):
        out = {k: REDACTED if str(k).lower() == "value" else v for k, v in out.items()}
    return out


def redact_text(text: str) -> str:
    """Best effort for a body that is not JSON: blank `"...password...": "..."` pairs."""
    return _TEXT_SECRET.sub(rf'\1"{REDACTED}"', text)


def safe_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers as a dict of lower-case names, without any that may carry a credential."""
    out: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if any(part in name for part in _SECRET_HEADER_PARTS):
            continue
        value = raw_value.decode("latin-1")
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def auth_kind(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """What the Authorization header looked like, never its value: "bearer", "other" or None."""
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return "bearer" if scheme.lower() == "bearer" and token.strip() else "other"
    return None


def body_fields(raw: bytes, *, truncated: bool = False) -> dict[str, Any]:
    """`{"body": json}` for JSON, `{"body_text": str}` otherwise, `{}` when empty; redacted."""
    if not raw:
        return {}
    fields: dict[str, Any] = {"body_truncated": True} if truncated else {}
    if not truncated:
        try:
            return {"body": redact(json.loads(raw))}
        except (ValueError, RecursionError):
            pass
    return {**fields, "body_text": redact_text(raw.decode("utf-8", errors="replace"))}


def iso(moment: float) -> str:
    """A `time.time()` value as ISO 8601 UTC with milliseconds."""
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _secret_name(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    last = re.split(r"[:.]", name)[-1].lower().replace("_", "").replace("-", "")
    return last.endswith("password") or last in _SECRET_FIELDS


def is_scim_path(path: str) -> bool:
    """SCIM requests are recorded; /healthz, /readyz and /metrics are not."""
    return "/scim/v2" in path


class CassetteWriter:
    """Appends JSON lines to `path`; beyond `max_bytes` rotates to `path.1` ... `path.<backups>`.

    One lock serialises appends and rotation across threads; each line is one `os.write`
    on an `O_APPEND` descriptor, created with mode 0600 (recordings hold personal data).
    `max_bytes <= 0` means no cap; `backups == 0` means the full file is dropped.
    """

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int, backups: int) -> None:
        self.path = os.fspath(path)
        self.max_bytes = max_bytes
        self.backups = max(0, backups)
        self._lock = threading.Lock()

    def write(self, entry: Mapping[str, Any]) -> None:
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()
        with self._lock:
            size = os.path.getsize(self.path) if os.path.exists(self.path) else 0
            if size and self.max_bytes > 0 and size + len(line) > self.max_bytes:
                self._rotate()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)

    def _rotate(self) -> None:
        if self.backups == 0:
            os.remove(self.path)
            return
        for number in range(self.backups - 1, 0, -1):
            older = f"{self.path}.{number}"
            if os.path.exists(older):
                os.replace(older, f"{self.path}.{number + 1}")
        os.replace(self.path, f"{self.path}.1")


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
        started, clock = time.time(), time.perf_counter()
        stats = budget.current()  # the object RequestContextMiddleware opened for this request
        if stats.exchanges is None:
            stats.exchanges = []
        # Read the body first: a handler that answers 401 never reads it, and after the
        # response the server no longer delivers it.
        pending, body, truncated = await _read_body(receive, self.max_body_bytes)
        response: dict[str, Any] = {"status": 500, "headers": {}}
        chunks: list[bytes] = []

        async def replayed_receive() -> Message:
            return pending.pop(0) if pending else await receive()

        async def captured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.update(status=message["status"], headers=safe_headers(message.get("headers", [])))
            elif message["type"] == "http.response.body" and sum(map(len, chunks)) <= MAX_RESPONSE_BYTES:
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replayed_receive, captured_send)
        finally:
            raw = b"".join(chunks)
            response.update(body_fields(raw[:MAX_RESPONSE_BYTES], truncated=len(raw) > MAX_RESPONSE_BYTES))
            headers = scope.get("headers", [])
            entry = {
                "version": FORMAT_VERSION,
                "request_id": structlog.contextvars.get_contextvars().get("request_id"),
                "started": iso(started),
                "duration_ms": round((time.perf_counter() - clock) * 1000, 2),
                "request": {
                    "method": scope["method"],
                    "path": (scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "headers": safe_headers(headers),
                    "auth": auth_kind(headers),
                    **body_fields(body, truncated=truncated),
                },
                "response": response,
                "upstream": [_exchange(call) for call in stats.exchanges],
            }
            self._write(entry)

    def _write(self, entry: dict[str, Any]) -> None:
        try:
            self.writer.write(entry)
        except OSError as exc:  # a full disk must not fail provisioning
            log.warning("recording_failed", path=self.writer.path, error=type(exc).__name__)


def _exchange(call: budget.UpstreamCall) -> dict[str, Any]:
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


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bytes, bool]:
    """The request messages read so far, the body, and whether it was cut at `limit` bytes."""
    messages: list[Message] = []
    body = bytearray()
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, bytes(body), False
        body += message.get("body", b"")
        if len(body) > limit:
            return messages, bytes(body[:limit]), True
        if not message.get("more_body", False):
            return messages, bytes(body), False
