"""The JSON rule for request bodies (scim_proxy/jsontext.py): values read exactly as `json` reads
them, and every refusal the same, whichever of its two parsers answers."""

from __future__ import annotations

import json

import pytest

from scim_proxy import jsontext
from scim_proxy.errors import InvalidSyntax, InvalidValue


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
        b'{"big": 123456789012345678901234567890, "neg": -98765432109876543210}',
        b'{"f": 1.5, "g": -0.0, "h": 1e-7, "i": 2.5e300, "j": 1e-400, "k": 0.1}',
        b'{"unicode": "Zo\xc3\xab \\u00e9 \\ud83d\\ude00 \\u0000", "dup": 1, "dup": 2}',
        b'  [1, "two", 3.0]  ',
        b'"just a string"',
    ],
)
def test_values_are_read_as_the_json_module_reads_them(raw: bytes) -> None:
    """Integers stay exact, floats round alike, escapes decode alike, the last duplicate key wins."""
    value = jsontext.loads(raw)

    assert json.loads(raw) == value
    assert json.dumps(json.loads(raw)) == json.dumps(value)  # types too: -0.0 stays a float, 1 an int


def test_nesting_is_read_to_the_limit_and_refused_past_it() -> None:
    """MAX_DEPTH nested arrays are read; one more is invalidSyntax."""
    deepest = b"[" * jsontext.MAX_DEPTH + b"1" + b"]" * jsontext.MAX_DEPTH
    too_deep = b"[" + deepest + b"]"
    in_objects = b'{"a":' * (jsontext.MAX_DEPTH + 1) + b"1" + b"}" * (jsontext.MAX_DEPTH + 1)

    assert 1 == _innermost(jsontext.loads(deepest))
    for raw in (too_deep, in_objects):
        with pytest.raises(InvalidSyntax, match="nested deeper"):
            jsontext.loads(raw)


@pytest.mark.parametrize(
    ("raw", "error", "words"),
    [
        (b'{"a": NaN}', InvalidSyntax, "NaN is not a JSON number"),
        (b'{"a": -Infinity}', InvalidSyntax, "-Infinity is not a JSON number"),
        (b'{"a": 1e999}', InvalidSyntax, "too large"),
        (b'{"a": "\\ud800"}', InvalidValue, "lone surrogate"),
        (b'{"\\udc00": 1}', InvalidValue, "lone surrogate"),
        (b'{"a": "\xed\xa0\x80"}', InvalidSyntax, "not valid UTF-8"),
        (b'{"a": "\xff"}', InvalidSyntax, "not valid UTF-8"),
        (b'{"a": 1,}', InvalidSyntax, "not valid JSON"),
        (b'{"a": "x\x01y"}', InvalidSyntax, "not valid JSON"),
        (b'{"a": 1} {"b": 2}', InvalidSyntax, "not valid JSON"),
        (b"\xef\xbb\xbf{}", InvalidSyntax, "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, InvalidSyntax, "nested too deeply"),
    ],
)
def test_each_refusal_is_worded_as_before(raw: bytes, error: type[Exception], words: str) -> None:
    """NaN and infinities, lone surrogates, bad UTF-8, malformed and runaway JSON: the same error and words."""
    with pytest.raises(error, match=words):
        jsontext.loads(raw)


def _innermost(value: object) -> object:
    while isinstance(value, list):
        value = value[0]
    return value
