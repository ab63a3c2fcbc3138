"""The session's record of contract tests: one RowRecord per test, the exchanges of the running one.

conftest.py wires it into pytest: the `contract` fixture hands out a test's RowRecord, the
`pytest_runtest_call` hook makes it the active one while the test body runs (so fixture setup and
cleanup calls stay out of the report), every client of the Target hands its responses to
`capture`, and `pytest_runtest_makereport` writes the outcome in.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from .ledger import ContractFailure, RowRecord
from .redaction import exchange_of

_ROW_OF_TEST = re.compile(r"^test_jc_(\d{2,3})_")  # JC-07 ... JC-107
ORG_FIELDS = ("organization", "organizationObjectId")
MAX_ORG_SCAN = 200


def row_of(test_name: str) -> str | None:
    """The register row a contract test checks, from its name (`test_jc_35_...` -> `JC-35`)."""
    match = _ROW_OF_TEST.match(test_name)
    return f"JC-{match.group(1)}" if match else None


class ContractBook:
    """Every RowRecord of the session, the active one, and what the report must never show."""

    def __init__(self) -> None:
        self.records: dict[str, RowRecord] = {}
        self.active: RowRecord | None = None
        self.secrets: list[tuple[str, str]] = []  # (value, label) pairs scrubbed from the report
        self.target_url = ""
        self.written = ""  # what the terminal summary says about the report, once written

    def record_for(self, item: pytest.Item) -> RowRecord | None:
        """The record of a `test_jc_*` test (created on first use); None for other tests."""
        row = row_of(getattr(item, "originalname", item.name))
        if row is None:
            return None
        if item.nodeid not in self.records:
            self.records[item.nodeid] = RowRecord(row=row, test=item.nodeid)
        return self.records[item.nodeid]

    def add_secret(self, value: str | None, label: str) -> None:
        """Never show `value` in the report; `label` stands in for it."""
        if value and (value, label) not in self.secrets:
            self.secrets.append((value, label))

    def capture(self, response: httpx.Response) -> None:
        """httpx response hook (sync clients): keep the exchange if a contract test body is running."""
        if self.active is not None:
            response.read()
            self._keep(self.active, exchange_of(response))

    async def acapture(self, response: httpx.Response) -> None:
        """httpx response hook (async clients, such as the proxy's own JumpCloudClient)."""
        if self.active is not None:
            await response.aread()
            self._keep(self.active, exchange_of(response))

    def _keep(self, record: RowRecord, exchange: dict[str, Any]) -> None:
        # An org id may also turn up outside an `organization` field (a test observing it alone):
        # learn it from the users and groups the target returns, and scrub it everywhere.
        body = exchange["response"]["body"]
        items = (
            body if isinstance(body, list) else [body, *(body.get("results") or [] if isinstance(body, dict) else [])]
        )
        for item in items[:MAX_ORG_SCAN]:
            for key in ORG_FIELDS:
                value = item.get(key) if isinstance(item, dict) else None
                if isinstance(value, str):
                    self.add_secret(value, "<org-id>")
        record.add_exchange(exchange)

    def note_outcome(self, item: pytest.Item, report: pytest.TestReport) -> None:
        """Write a phase's result into the test's record: a skip or failure anywhere, a pass of the body."""
        record = self.record_for(item)
        if record is None:
            return
        if report.skipped:
            record.outcome, record.detail = "skipped", _skip_reason(report)
        elif report.failed:
            record.outcome = "failed" if report.when == "call" else "error"
            record.detail = _failure_message(report)
        elif report.when == "call":
            record.outcome = "passed"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = str(getattr(crash, "message", None) or report.longreprtext)
    return message.removeprefix(f"{ContractFailure.__module__}.{ContractFailure.__name__}: ")[:2000]
