"""The cassette format shared by `scim_proxy.testing` and `scim-proxy replay`: read, normalise, compare.

A cassette is JSON lines written by `scim_proxy.ops.recording`, one SCIM request each (format
in docs/record-replay.md). Comparison works on normalised values (`normalise`):

- strings that are ISO 8601 date-times become "<timestamp>" (JumpCloud's `created`, our
  `meta.created` / `meta.lastModified`, anything a clock made);
- `location` and `$ref` URLs lose scheme and host (`meta.location` names the host the
  request reached), keeping the path;
- headers are not compared at all (`x-request-id`, `date`, `content-length` vary);
- a query string is compared as its decoded (name, value) pairs, in order.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TIMESTAMP = "<timestamp>"
NO_CALL = "(no call)"
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_URL_KEYS = frozenset({"location", "$ref"})
# Not replayed: the transport sets them, or they would describe the original connection.
_HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding", "keep-alive", "expect"}
)

Cassette = str | os.PathLike[str] | Iterable[str] | Iterable[dict[str, Any]]


def load(cassette: Cassette) -> list[dict[str, Any]]:
    """The entries of a cassette given as a file path, JSON lines, or already parsed entries."""
    if isinstance(cassette, str | os.PathLike):
        lines: Iterable[Any] = Path(cassette).read_text(encoding="utf-8").splitlines()
    else:
        lines = cassette
    entries = []
    for number, line in enumerate(lines, 1):
        if isinstance(line, dict):
            entries.append(line)
        elif line.strip():
            try:
                entries.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"cassette line {number} is not JSON: {exc}") from None
    return entries


def replayable(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries that can be resent as recorded: not metadata lines, not lines whose body was left out."""
    return [e for e in entries if e.get("kind") != "metadata" and "body_omitted" not in e.get("request", {})]


def normalise(value: Any, *, key: str = "") -> Any:
    """`value` with generated and time-based parts replaced (rules in the module docstring)."""
    if isinstance(value, dict):
        return {k: normalise(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, key=key) for v in value]
    if isinstance(value, str):
        if _ISO_DATETIME.match(value):
            return TIMESTAMP
        if key.lower() in _URL_KEYS:
            return _ABSOLUTE_URL.sub("", value)
    return value


def recorded_body(message: dict[str, Any]) -> Any:
    """The body of a recorded request or response: its JSON, or None when none was kept."""
    return message.get("body")


def response_body(content: bytes) -> Any:
    """A live response body in the same shape as a recorded one."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def inbound_request(entry: dict[str, Any], *, token: str | None, base: str = "") -> dict[str, Any]:
    """Keyword arguments for `httpx.AsyncClient.request` that resend a recorded inbound request.

    The Authorization header was never recorded: a request that carried a bearer token gets
    `token`, one that carried something else gets an unusable Basic value, one without none.
    """
    request = entry["request"]
    headers = {k: v for k, v in request.get("headers", {}).items() if k not in _HOP_HEADERS}
    if request.get("auth") == "bearer" and token:
        headers["authorization"] = f"Bearer {token}"
    elif request.get("auth") is not None:
        headers["authorization"] = "Basic cmVwbGF5"
    query = request.get("query", "")
    content: bytes | None = None
    if "body" in request:
        content = json.dumps(request["body"]).encode()
    url = base + request["path"] + (f"?{query}" if query else "")
    return {"method": request["method"], "url": url, "headers": headers, "content": content}


def describe(entry: dict[str, Any]) -> str:
    """`PATCH /scim/v2/Users/<id>` with the request id and time it was recorded."""
    request = entry["request"]
    query = f"?{request['query']}" if request.get("query") else ""
    return (
        f"{request['method']} {request['path']}{query}  "
        f"(recorded {entry.get('started', '?')}, request id {entry.get('request_id', '?')})"
    )


def side_by_side(expected: Any, actual: Any, *, width: int = 58, context: int = 6) -> str:
    """Both values as indented JSON in two columns; `!` marks changed lines, `<`/`>` one-sided ones.

    Runs of equal lines further than `context` lines from a difference are folded into `...`.
    """
    left, right = _lines(expected), _lines(actual)
    rows = [f"  {'expected (recorded)':<{width}}   actual (this run)", f"  {'-' * width}   {'-' * width}"]
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context))
    for number, group in enumerate(groups):
        if number or group[0][1] > 0:
            rows.append(f"  {'...':<{width}}   ...")
        rows.extend(_rows(group, left, right, width))
    if groups and groups[-1][-1][2] < len(left):
        rows.append(f"  {'...':<{width}}   ...")
    return "\n".join(rows)


def _rows(opcodes: list[tuple[str, int, int, int, int]], left: list[str], right: list[str], width: int) -> list[str]:
    rows = []
    for tag, a0, a1, b0, b1 in opcodes:
        for offset in range(max(a1 - a0, b1 - b0)):
            a = left[a0 + offset] if a0 + offset < a1 else ""
            b = right[b0 + offset] if b0 + offset < b1 else ""
            mark = {"equal": " ", "delete": "<", "insert": ">"}.get(tag, "!")
            if tag == "replace" and (a0 + offset >= a1 or b0 + offset >= b1):
                mark = "<" if b0 + offset >= b1 else ">"
            rows.append(f"  {_clip(a, width):<{width}} {mark} {_clip(b, width)}")
    return rows


def _lines(value: Any) -> list[str]:
    if value == NO_CALL:
        return [NO_CALL]
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str).splitlines()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
