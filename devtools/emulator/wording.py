"""How the emulator words its error bodies: the register's shapes, or a second stand-in's.

`register` (the default) answers exactly what docs/jumpcloud-assumptions.md writes: SPEC-2022's
`{"code", "message", "status"}`, `{"message": "Already Exists"}`, the DefGuard 401 body.
`alternative` words every error the way a second, independently written stand-in following the
same public documentation did: `{"message": "Bad Request: limit must be <= 100"}`. The contract
suite runs against both, which proves that what it relies on does not depend on the wording; only
its observations (recorded, never failed outside the register wording) do.

Both wordings keep what the public documentation itself says: a duplicate user still "already
exists" (the spec's "User already exists or Bad Request"), since a stand-in follows the same text.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, Literal

Wording = Literal["register", "alternative"]
WORDINGS: tuple[Wording, ...] = ("register", "alternative")

# Each rule rewrites a phrase of ours into the other stand-in's; bounded patterns on our own texts.
_REWORDINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"must be at most (\d{1,9})"), r"must be <= \1"),
    (re.compile(r"^(\w{1,64}) is required$"), r"missing required field '\1'"),
    (re.compile(r"must be a non-negative integer"), "must be an integer >= 0"),
    (re.compile(r"^invalid object id$"), "malformed ObjectId"),
    (re.compile(r"^Not Found$"), "resource not found"),
    (re.compile(r"^Already Exists$"), "resource already exists"),
    (re.compile(r"^User already exists$"), "a user with these details already exists"),
    (re.compile(r"^Method Not Allowed$"), "method not supported on this path"),
    (re.compile(r"^Unauthorized: "), ""),
    (re.compile(r"^api key user not found$"), "invalid API key"),
    (re.compile(r"^no organization selected$"), "x-org-id names no organization of this key"),
)


def error_body(wording: Wording, *, status: int, register_body: dict[str, Any], message: str) -> dict[str, Any]:
    """The JSON body of an error: `register_body` as is, or the alternative wording of `message`."""
    if wording == "register":
        return register_body
    return {"message": f"{_phrase(status)}: {reword(message)}"}


def reword(message: str) -> str:
    """`message` as the other stand-in words it (every rule that matches applies, in order)."""
    for pattern, replacement in _REWORDINGS:
        message = pattern.sub(replacement, message)
    return message[:1].lower() + message[1:]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
