"""What never reaches a recording: secret values in JSON bodies and queries, credential headers.

A name is secret when, normalised, it contains a secret word. Normalising is what PATCH
paths get from Entra's spellings and an attacker's alike: Unicode NFKC (fullwidth letters
become ASCII), then only letters and digits kept (spaces, tabs, `_`, `-`, `.`, `:`,
brackets and invisible format characters such as U+200B go), then case-folded. So
`password`, `Password `, `pass\\u200bword`, `new_password`, `urn:...:User:password`,
`password[type eq "x"]` and fullwidth `\\uff50\\uff41...` all read `...password...`.

A secret name's value is replaced by "[redacted]" unless it is a boolean or null, which
carry no secret: JumpCloud's `password_expired` and `passwordless_sudo` flags, which the
proxy reads, stay as they are. Over-redaction is the safe side: `password_date` goes too.
Work is linear in the size of the value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "authorization",
)
MAX_NAME = 4096
_ASCII_NOT_ALNUM = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalnum()))
_SECRET_HEADER_PARTS = ("auth", "cookie", "token", "secret", "key", "pass", "pwd", "credential")


def normalise_name(name: str) -> str:
    """`name` as compared against SECRET_WORDS: NFKC, letters and digits only, case-folded."""
    if name.isascii():  # the common case, at C speed
        return name.translate(_ASCII_NOT_ALNUM).lower()
    return "".join(filter(str.isalnum, unicodedata.normalize("NFKC", name))).casefold()


def is_secret_name(name: Any) -> bool:
    """Whether a JSON key, PATCH path or query parameter name names a secret (rules in the module doc).

    A name longer than MAX_NAME is no attribute of anyone's: its value is treated as secret unread.
    """
    if not isinstance(name, str):
        return False
    if len(name) > MAX_NAME:
        return True
    normal = normalise_name(name)
    return any(word in normal for word in SECRET_WORDS)


def redact(value: Any) -> Any:
    """A copy of a JSON value with every secret value replaced, PATCH operations included.

    An object with a `path` naming a secret (a PATCH operation: `{"op": "replace", "path":
    "password ", "value": ...}`) has its `value` replaced too.
    """
    if isinstance(value, list):
        return [redact(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {k: REDACTED if is_secret_name(k) and _holds_secret(v) else redact(v) for k, v in value.items()}
    path = next((v for k, v in out.items() if _named(k, "path")), None)
    if isinstance(path, str) and is_secret_name(path):
        out = {k: REDACTED if _named(k, "value") else v for k, v in out.items()}
    return out


def redact_query(query: str) -> str:
    """A raw query string with the values of secret-named parameters replaced (rarely any: kept as sent)."""
    if not query:
        return query
    parts = query.split("&")
    changed = False
    for index, part in enumerate(parts):
        name, equals, _ = part.partition("=")
        if equals and is_secret_name(unquote_plus(name)):
            parts[index] = f"{name}={REDACTED}"
            changed = True
    return "&".join(parts) if changed else query


def safe_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers as a dict of lower-case names, without any whose name may carry a credential."""
    values: dict[str, list[str]] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        normal = normalise_name(name)
        if not any(part in normal for part in _SECRET_HEADER_PARTS):
            values.setdefault(name, []).append(raw_value.decode("latin-1"))
    return {name: ", ".join(parts) for name, parts in values.items()}  # one join: a repeated header stays linear


def _named(key: Any, word: str) -> bool:
    """Whether `key` is `word` as Entra or an attacker may spell it (" Path ", "VALUE")."""
    return isinstance(key, str) and len(key) < 64 and normalise_name(key) == word


def _holds_secret(value: Any) -> bool:
    return value is not None and not isinstance(value, bool)
