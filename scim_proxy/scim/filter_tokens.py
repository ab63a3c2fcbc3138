"""Pure: the tokens of a SCIM filter (parentheses, brackets, JSON strings, words) and its literal values.

One pass over the text, no regular expression; a string is handed to `json.loads` once its
closing quote is found, so escapes are JSON's. See filter_syntax.py for the grammar.
"""

from __future__ import annotations

import json
import math
from typing import TypeAlias

import attrs

from scim_proxy.errors import InvalidFilter
from scim_proxy.jsontext import is_text

KEYWORDS = ("and", "or", "not")
PUNCTUATION = "()[]"

Literal: TypeAlias = str | bool | int | float | None


@attrs.frozen
class Token:
    kind: str  # one of "()[]", "string" or "word"
    text: str
    position: int
    value: str = ""  # the decoded text of a string


def tokenize(text: str) -> list[Token]:
    """Parentheses, brackets, JSON strings and words (everything else up to a space or one of those)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in PUNCTUATION:
            tokens.append(Token(char, char, i))
            i += 1
        elif char == '"':
            end = _closing_quote(text, i)
            try:
                decoded = json.loads(text[i : end + 1])
            except ValueError:
                raise InvalidFilter(f"Bad escape or control character in the string at position {i}") from None
            if not is_text(decoded):
                raise InvalidFilter(f"The string at position {i} holds a lone surrogate: not a Unicode character")
            tokens.append(Token("string", text[i : end + 1], i, decoded))
            i = end + 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in PUNCTUATION and text[i] != '"':
                i += 1
            tokens.append(Token("word", text[start:i], start))
    return tokens


def _closing_quote(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i
        else:
            i += 1
    raise InvalidFilter(f"Unterminated string starting at position {start}")


def literal(token: Token) -> tuple[Literal, str]:
    """The value a token stands for, and its text as written (a bare word is a string)."""
    if token.kind == "string":
        return token.value, token.value
    if token.kind != "word":
        raise InvalidFilter(f"Unexpected {token.text!r} at position {token.position}: expected a value")
    text = token.text
    lowered = text.lower()
    if lowered in KEYWORDS:
        raise InvalidFilter(f"Expected a value at position {token.position}, found {text!r}; quote it if you mean it")
    if lowered in ("true", "false"):
        return lowered == "true", text
    if lowered == "null":
        return None, text
    if text[0] in "-0123456789":
        try:
            number = json.loads(text)
        except ValueError:
            return text, text  # a bare date, "1a", ...: a string
        if isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(number):
            return number, text
    return text, text
