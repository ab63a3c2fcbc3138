"""The contract API, the report and its redaction, checked without any JumpCloud."""

from __future__ import annotations

import pytest

from .ledger import Check, Contract, ContractFailure, RowRecord, at_most, containing, matching, one_of, superset_of
from .redaction import scrub, scrub_text
from .register import register_rows
from .report import build_report, markdown

SECRETS = [("key-123", "<api-key>"), ("5f0c0ffee0c0ffee0c0ffee0", "<org-id>")]


def test_relied_on_mismatch_fails_and_is_recorded() -> None:
    """`relies` raises on a mismatch, saying what was expected and what came, and records both."""
    contract = Contract(RowRecord(row="JC-30", test="t"), strict_observations=False)

    contract.relies("the status", 404, 404)
    with pytest.raises(ContractFailure, match=r"relied on: the body\n  expected: 404\n  actual:   400"):
        contract.relies("the body", 404, 400)

    assert [Check("the status", 404, 404, True, True), Check("the body", 404, 400, False, True)] == (
        contract.record.checks
    )


def test_observation_is_recorded_and_fails_only_when_strict() -> None:
    """`observes` never fails against a real org or another stand-in, and fails against the register emulator."""
    lenient = Contract(RowRecord(row="JC-30", test="t"), strict_observations=False)
    strict = Contract(RowRecord(row="JC-30", test="t"), strict_observations=True)

    lenient.observes("the wording", "Not Found", "resource not found")
    with pytest.raises(ContractFailure, match="observed"):
        strict.observes("the wording", "Not Found", "resource not found")

    assert [False] == [check.ok for check in lenient.record.checks]
    assert [False] == [check.relied for check in lenient.record.checks]


@pytest.mark.parametrize(
    ("matcher", "fits", "misses"),
    [
        (one_of(200, 204), 204, 201),
        (matching(r"^\d{3}$"), "404", 404),
        (containing("already exist"), "User Already Exists", "exists"),
        (at_most(100), 100, 101),
        (superset_of({"_id", "email"}), {"_id": 1, "email": 2, "x": 3}, {"_id": 1}),
    ],
)
def test_matchers_fit_what_they_describe(matcher: object, fits: object, misses: object) -> None:
    """Each matcher accepts what it says, refuses the rest, and says what it is in the report."""
    assert (True, False) == (matcher == fits, matcher == misses)
    assert repr(matcher)


def test_a_long_test_keeps_its_first_and_latest_exchanges() -> None:
    """A test's record keeps 30 exchanges, the first ten and the latest, and counts the ones dropped."""
    record = RowRecord(row="JC-10", test="t")

    for number in range(45):
        record.add_exchange({"n": number})

    assert [*range(10), *range(25, 45)] == [exchange["n"] for exchange in record.exchanges]
    assert 15 == record.exchanges_dropped


def test_scrub_removes_keys_org_ids_emails_and_names() -> None:
    """Personal fields, org ids, emails, run names and known secrets are replaced; empty values and shapes stay."""
    user = {
        "_id": "6b0f68e262d82c07cd000009",
        "username": "jdoe",
        "email": "jdoe@contoso.com",
        "firstname": "",
        "organization": "abcdefabcdefabcdefabcdef",
        "password": "hunter2",
        "phoneNumbers": [{"type": "work", "number": "+1 555 0100"}],
        "employeeIdentifier": None,
        "message": "user scimproxy-contract-1a2b3c4d-u-9f9f9f (x@example.com) exists; key key-123",
    }

    assert {
        "_id": "6b0f68e262d82c07cd000009",
        "username": "<personal>",
        "email": "<personal>",
        "firstname": "",
        "organization": "<org-id>",
        "password": "[redacted]",
        "phoneNumbers": [{"type": "work", "number": "<personal>"}],
        "employeeIdentifier": None,
        "message": "user <test-name> (<email>) exists; key <api-key>",
    } == scrub(user, secrets=SECRETS)
    assert "filter=username:$in:<test-name>" == scrub_text("filter=username:$in:scimproxy-contract-1a2b3c4d-a|b")


def _record(row: str, outcome: str, *checks: Check) -> RowRecord:
    return RowRecord(row=row, test=f"tests/contract/x.py::test_{row}", checks=list(checks), outcome=outcome)


def test_report_gives_each_row_a_verdict_and_lists_differences() -> None:
    """A failed test breaks its row, a pass holds it, a skip leaves it not run; observed differences are listed."""
    differing = Check("the 404 body", {"message": "Not Found"}, {"message": "nope"}, False, False)
    records = [
        _record("JC-30", "passed", Check("the status", 404, 404, True, True), differing),
        _record("JC-64", "failed", Check("STAGED stays", "STAGED", "ACTIVATED", False, True)),
        _record("JC-04", "skipped"),
    ]
    records[1].detail = "relied on: STAGED stays"

    report = build_report(records, rows=register_rows(), target="https://console.jumpcloud.com", secrets=SECRETS)
    text = markdown(report)

    assert {"JC-04": "not run", "JC-30": "holds", "JC-64": "broken"} == {r["row"]: r["verdict"] for r in report["rows"]}
    assert {"rows": 3, "holds": 1, "broken": 1, "not_run": 1, "observed_differences": 1} == report["summary"]
    assert "- **JC-64**" in text and "relied on: STAGED stays" in text
    assert '- JC-30 the 404 body: register `{"message": "Not Found"}`, here `{"message": "nope"}`' in text


def test_register_rows_read_escaped_bars() -> None:
    """Every JC row is read with its six cells, a `\\|` inside a cell read as a bar."""
    rows = register_rows()

    assert len(rows) > 60
    assert "Multi-term operators split on `|`" in rows["JC-15"].assumption
    assert "proxy decision" == rows["JC-90"].status
