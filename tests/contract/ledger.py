"""What a contract test checks, split in two: what the proxy relies on, and what it merely observes.

    contract.relies("a create answers 2xx with the user", one_of(200, 201), resp.status_code)
    contract.observes("the body of a missing username", error_body(400, "username is required"), resp.json())

- `relies`: the proxy depends on it (a status, a field or shape its code reads, a semantic such as
  partial vs full update). A mismatch fails the test, wherever it runs.
- `observes`: a detail the proxy does not depend on (exact wording, error shape, extra fields,
  headers). It is recorded for the report and never fails a run against a real org or another
  stand-in. Against the emulator in its register wording it must hold too, so the register's
  "Emulator does" column stays true; the suite also runs against the emulator's alternative wording,
  where observations are only recorded, to prove no relied-on check depends on them.

`expected` is a value or a matcher (`one_of`, `matching`, `containing`, `at_most`, `superset_of`);
each check is kept, with its verdict, in the test's `RowRecord`, which the report is built from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs

MAX_EXCHANGES = 30  # per test in the report: the first set-up calls and the last ones, which checked things
_KEPT_FIRST = 10


class Matcher:
    """An expected value that is not one exact value; `==` says whether `actual` fits."""

    def __init__(self, description: str) -> None:
        self.description = description

    def fits(self, actual: Any) -> bool:
        raise NotImplementedError

    def __eq__(self, actual: object) -> bool:
        return self.fits(actual)

    __hash__ = None  # type: ignore[assignment]  # compared, never hashed

    def __repr__(self) -> str:
        return self.description


class _OneOf(Matcher):
    def __init__(self, values: tuple[Any, ...]) -> None:
        super().__init__("one of " + ", ".join(map(repr, values)))
        self.values = values

    def fits(self, actual: Any) -> bool:
        return any(value == actual for value in self.values)


class _Matching(Matcher):
    def __init__(self, pattern: str) -> None:
        super().__init__(f"a string matching {pattern}")
        self.pattern = re.compile(pattern)

    def fits(self, actual: Any) -> bool:
        return isinstance(actual, str) and self.pattern.search(actual) is not None


class _Containing(Matcher):
    def __init__(self, text: str) -> None:
        super().__init__(f"a text containing {text!r} (any case)")
        self.text = text.lower()

    def fits(self, actual: Any) -> bool:
        return isinstance(actual, str) and self.text in actual.lower()


class _AtMost(Matcher):
    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit}")
        self.limit = limit

    def fits(self, actual: Any) -> bool:
        return isinstance(actual, int) and actual <= self.limit


class _SupersetOf(Matcher):
    def __init__(self, items: Iterable[Any]) -> None:
        self.items = set(items)
        super().__init__(f"including {sorted(self.items)}")

    def fits(self, actual: Any) -> bool:
        return isinstance(actual, set | frozenset | list | dict) and self.items <= set(actual)


def one_of(*values: Any) -> Matcher:
    """Any of `values`."""
    return _OneOf(values)


def matching(pattern: str) -> Matcher:
    """A string in which `pattern` (a regular expression) is found."""
    return _Matching(pattern)


def containing(text: str) -> Matcher:
    """A string containing `text`, ignoring case."""
    return _Containing(text)


def at_most(limit: int) -> Matcher:
    """An integer no greater than `limit`."""
    return _AtMost(limit)


def superset_of(items: Iterable[Any]) -> Matcher:
    """A collection (or a dict's keys) holding at least `items`."""
    return _SupersetOf(items)


@attrs.frozen
class Check:
    """One relied-on or observed check and its verdict."""

    what: str
    expected: Any
    actual: Any
    ok: bool
    relied: bool


@attrs.define
class RowRecord:
    """Everything one contract test did for its register row: checks, exchanges, outcome."""

    row: str  # "JC-35"
    test: str  # the pytest node id
    checks: list[Check] = attrs.Factory(list)
    exchanges: list[dict[str, Any]] = attrs.Factory(list)
    exchanges_dropped: int = 0
    outcome: str = "not run"  # passed, failed, error, skipped
    detail: str = ""  # the failure message or the skip reason

    def add_exchange(self, exchange: dict[str, Any]) -> None:
        """Keep the first few and the latest exchanges (MAX_EXCHANGES in all); count those dropped between."""
        if len(self.exchanges) >= MAX_EXCHANGES:
            del self.exchanges[_KEPT_FIRST]
            self.exchanges_dropped += 1
        self.exchanges.append(exchange)


class ContractFailure(AssertionError):
    """A relied-on check failed (or, against the register-worded emulator, an observation)."""


class Contract:
    """The `contract` fixture: `relies` and `observes`, recorded in `record`."""

    def __init__(self, record: RowRecord, *, strict_observations: bool) -> None:
        self.record = record
        self.strict_observations = strict_observations

    def relies(self, what: str, expected: Any, actual: Any) -> None:
        """The proxy depends on `actual` being `expected`: a mismatch fails the test."""
        ok = bool(expected == actual)
        self.record.checks.append(Check(what, expected, actual, ok, relied=True))
        if not ok:
            raise ContractFailure(_explain("relied on", what, expected, actual))

    def observes(self, what: str, expected: Any, actual: Any) -> None:
        """A detail the proxy does not depend on: recorded; fails only against the register-worded emulator."""
        ok = bool(expected == actual)
        self.record.checks.append(Check(what, expected, actual, ok, relied=False))
        if not ok and self.strict_observations:
            raise ContractFailure(_explain("observed (the emulator must match the register)", what, expected, actual))


def _explain(kind: str, what: str, expected: Any, actual: Any) -> str:
    return f"{kind}: {what}\n  expected: {expected!r}\n  actual:   {actual!r}"
