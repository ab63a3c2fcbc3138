"""Attack 1 and the recorder's half of attack 3: no parser does super-linear work on request text.

Each parser gets inputs of 4 KB and 64 KB built from the runs that broke the old regexes
(spaces, quotes, brackets, backslashes, `password`), and must spend less than 48 times the
CPU on the larger one (linear: ~16 times; the old `_SIMPLE_FILTER` regex: exponential).
Length limits are lifted where they exist, so the scan itself is what is measured; that
the limits hold before any parsing is checked separately.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scim_proxy import jsontext
from scim_proxy.errors import InvalidFilter, InvalidPath
from scim_proxy.ids import is_email
from scim_proxy.ops.recording import body_fields
from scim_proxy.ops.redaction import is_secret_name, redact, redact_query, safe_headers
from scim_proxy.scim import filter_syntax, group_patch, paths
from scim_proxy.scim.group_patch import parse_group_patch
from scim_proxy.scim.patch import parse_patch
from scim_proxy.scim.resources import parse_user
from scim_proxy.web.requests import bearer_token, is_host

from .support import LINEAR_BOUND, growth, repeat_to

NO_LIMIT = 10_000_000


@pytest.fixture(autouse=True)
def _no_length_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the length limits, so that the scans behind them are what gets measured."""
    monkeypatch.setattr(filter_syntax, "MAX_FILTER_LENGTH", NO_LIMIT)
    monkeypatch.setattr(paths, "MAX_PATH_LENGTH", NO_LIMIT)
    monkeypatch.setattr(group_patch, "MAX_PATH_LENGTH", NO_LIMIT)


def _patch_path(path: str) -> dict[str, Any]:
    return {"Operations": [{"op": "replace", "path": path, "value": "x"}]}


ISSUE_FILTER = repeat_to(" ", prefix="emails[type eq", suffix='x""y] eq "a"')


CASES: list[tuple[str, Callable[[str], Any], Callable[[int], str]]] = [
    ("filter: the issue's spaces", filter_syntax.parse, ISSUE_FILTER),
    ("filter: quotes", filter_syntax.parse, repeat_to('"', prefix="userName eq ")),
    ("filter: escaped quotes", filter_syntax.parse, repeat_to('\\"', prefix='userName eq "', suffix='"')),
    ("filter: brackets", filter_syntax.parse, repeat_to("[", prefix="emails")),
    ("filter: many terms", filter_syntax.parse, repeat_to('userName eq "a" and ', suffix='userName eq "a"')),
    ("filter: spaces before a value", filter_syntax.parse, repeat_to(" ", prefix="displayName eq", suffix='"x"')),
    ("filter: nested parentheses", filter_syntax.parse, repeat_to("(", suffix='userName eq "a"')),
    ("value path: spaces", paths.split_value_path, repeat_to(" ", prefix="emails[type eq", suffix='x""y]')),
    ("value path: quotes", paths.split_value_path, repeat_to('"', prefix="emails[type eq ")),
    ("value path: backslashes", paths.split_value_path, repeat_to("\\", prefix='emails[type eq "')),
    ("resolve: spaces in brackets", paths.resolve, repeat_to(" ", prefix="emails[type eq", suffix='x""y].value')),
    ("PATCH path", lambda t: parse_patch(_patch_path(t)), repeat_to(" ", prefix="emails[type eq", suffix='x"]')),
    ("group PATCH path", lambda t: parse_group_patch(_patch_path(t)), repeat_to(" ", prefix="members[value eq")),
    ("POST body key", lambda t: parse_user({t: "x"}), repeat_to(" ", prefix="emails[type eq", suffix='x""y]')),
    ("POST body keys", lambda t: parse_user(json.loads(t)), repeat_to('"a[b eq  ": 1, ', prefix="{", suffix='"z": 1}')),
    ("JSON: surrogates", lambda t: jsontext.loads(t.encode()), repeat_to("\\ud800", prefix='["', suffix='"]')),
    ("JSON: nesting", lambda t: jsontext.loads(t.encode()), repeat_to("[", suffix="1")),
    ("secret name", is_secret_name, repeat_to("pass\u200bword ")),
    (
        "redact: password keys",
        lambda t: redact(json.loads(t)),
        repeat_to('"password x": 1, ', prefix="{", suffix='"a": 1}'),
    ),
    ("redact query", redact_query, repeat_to("password=x&")),
    (
        "recorder: the issue's body",
        lambda t: body_fields(t.encode(), limit=NO_LIMIT),
        repeat_to("password", prefix='"'),
    ),
    (
        "recorder: JSON then garbage",
        lambda t: body_fields(t.encode(), limit=NO_LIMIT),
        repeat_to(' "password": "x",', prefix='{"a": 1} '),
    ),
    ("headers", lambda t: safe_headers([(t.encode(), b"v")]), repeat_to("x-password-")),
    ("headers: one name repeated", lambda t: safe_headers([(b"x-a", b"12345678")] * len(t)), repeat_to("x")),
    ("email", is_email, repeat_to(".", prefix="a@", suffix="@")),
    ("email: dots", is_email, repeat_to("a.", prefix="a@")),
    ("host", is_host, repeat_to("a.", suffix=":80x")),
    ("bearer token", lambda t: bearer_token(f"Bearer {t}"), repeat_to("t\u00e9")),
]


@pytest.mark.parametrize(("parse", "make"), [(p, m) for _, p, m in CASES], ids=[name for name, _, _ in CASES])
def test_parser_work_is_linear(parse: Callable[[str], Any], make: Callable[[int], str]) -> None:
    """Sixteen times the hostile input costs less than 48 times the CPU: no backtracking, no quadratic scan."""
    assert growth(parse, make) < LINEAR_BOUND


@pytest.mark.parametrize(
    ("parse", "text", "error"),
    [
        (filter_syntax.parse, "a" * 5_000, InvalidFilter),
        (paths.resolve, "emails[" + " " * 300 + "]", InvalidPath),
        (lambda t: parse_group_patch(_patch_path(t)), "members" + " " * 300, InvalidPath),
    ],
)
def test_length_limits_come_before_parsing(
    parse: Callable[[str], Any], text: str, error: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filters over 4,096 characters and paths over 256 are refused by their length, before any scan."""
    monkeypatch.undo()  # the real limits

    with pytest.raises(error, match="longer than"):
        parse(text)
