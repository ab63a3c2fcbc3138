"""Pure: the one rule for JSON text we accept from a client, and for strings inside it.

RFC 8259 JSON, and stricter where Python's `json` is lenient:
- `NaN`, `Infinity`, `-Infinity` are not JSON (Python accepts them), and a number too large
  for a float (`1e999`, which Python reads as infinity) is refused too;
- a `\\ud800` escape without its pair decodes to a lone surrogate: text no UTF-8 can carry,
  which JumpCloud would store and every later read would choke on (`InvalidValue`);
- nesting deeper than `MAX_DEPTH`: SCIM bodies are a few levels deep, and every recursive
  walk after us (flatten, redact, projection) then stays far from Python's recursion limit.

Work is linear in the size of the text: one parse, one iterative walk.

msgspec parses first: it already refuses all of the above but the depth (NaN and infinities,
numbers out of range, lone surrogates, invalid UTF-8), so what it accepts only needs the depth
walk; ~10x less CPU than `json` plus the full walk. What it refuses goes through the `json` path
below, which words the error (or, for anything msgspec refuses and the rules allow, accepts it).
"""

from __future__ import annotations

import json
import math
from typing import Any

import msgspec

from scim_proxy.errors import InvalidSyntax, InvalidValue

MAX_DEPTH = 32
_DECODER = msgspec.json.Decoder()


def loads(raw: bytes) -> Any:
    """The JSON value of `raw` under the rules above; InvalidSyntax or InvalidValue otherwise."""
    try:
        value = _DECODER.decode(raw)
    except (msgspec.MsgspecError, RecursionError):
        return _strict_loads(raw)
    check_depth(value)
    return value


def _strict_loads(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSyntax("The request body is not valid UTF-8") from exc
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise InvalidSyntax("The request body is nested too deeply") from exc
    except InvalidSyntax:
        raise
    except ValueError as exc:
        raise InvalidSyntax(f"The request body is not valid JSON (line {getattr(exc, 'lineno', '?')})") from exc
    check_value(value)
    return value


def check_value(value: Any) -> None:
    """Refuse a decoded value nested deeper than MAX_DEPTH or holding a string that is not Unicode text."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not is_text(item):
                raise InvalidValue("The request body holds a lone surrogate (\\ud800-\\udfff): not a Unicode character")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise InvalidSyntax(f"The request body is nested deeper than {MAX_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def check_depth(value: Any) -> None:
    """Refuse a decoded value nested deeper than MAX_DEPTH (its strings already known to be text)."""
    if not isinstance(value, dict | list):
        return
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidSyntax(f"The request body is nested deeper than {MAX_DEPTH} levels")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def is_text(value: str) -> bool:
    """Whether `value` is Unicode text UTF-8 can carry: no lone surrogate."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_constant(name: str) -> Any:
    raise InvalidSyntax(f"{name} is not a JSON number; send a number or a string")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise InvalidSyntax("A number in the request body is too large")
    return number
