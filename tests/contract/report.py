"""The live run's report: `contract-report.json` (everything) and `contract-report.md` (the summary).

Per register row: the relied-on verdict (holds, broken, not run), every check with its expected and
actual value, and the request/response pairs of its tests, all scrubbed (`redaction.scrub`) so the
files can be attached to an issue as they are. docs/jumpcloud-assumptions.md says how a report
turns into register changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .ledger import Check, Matcher, RowRecord
from .redaction import scrub, scrub_text, trimmed
from .register import RegisterRow

FORMAT_VERSION = 1
JSON_NAME = "contract-report.json"
MARKDOWN_NAME = "contract-report.md"
_VERDICT_ORDER = {"broken": 0, "holds": 1, "not run": 2}


def build_report(
    records: Iterable[RowRecord],
    *,
    rows: Mapping[str, RegisterRow],
    target: str,
    secrets: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """The whole report as JSON-ready data, scrubbed."""
    by_row: dict[str, list[RowRecord]] = {}
    for record in records:
        by_row.setdefault(record.row, []).append(record)
    entries = [
        _row_entry(row_id, tests, rows.get(row_id), secrets) for row_id, tests in sorted(by_row.items(), key=_by_number)
    ]
    verdicts = [entry["verdict"] for entry in entries]
    return {
        "format": FORMAT_VERSION,
        "generated": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "target": scrub_text(target, secrets=secrets),
        "summary": {
            "rows": len(entries),
            "holds": verdicts.count("holds"),
            "broken": verdicts.count("broken"),
            "not_run": verdicts.count("not run"),
            "observed_differences": sum(len(entry["observed_differences"]) for entry in entries),
        },
        "rows": entries,
    }


def write_report(report: Mapping[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write both files into `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = directory / JSON_NAME, directory / MARKDOWN_NAME
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    markdown_path.write_text(markdown(report))
    return json_path, markdown_path


def markdown(report: Mapping[str, Any]) -> str:
    """A short summary: the verdict per row, then what broke and what differed."""
    summary = report["summary"]
    lines = [
        "# JumpCloud contract report",
        "",
        f"Target: {report['target']} · generated {report['generated']}",
        "",
        f"Relied-on assumptions: **{summary['holds']} hold, {summary['broken']} broken, "
        f"{summary['not_run']} not run** (of {summary['rows']} register rows). Observed details that differ "
        f"from the register: {summary['observed_differences']}.",
        "",
        "| Row | Register status | Verdict | Observed differences |",
        "|---|---|---|---|",
    ]
    ordered = sorted(report["rows"], key=lambda entry: (_VERDICT_ORDER[entry["verdict"]], entry["row"]))
    for entry in ordered:
        verdict = f"**{entry['verdict']}**" if entry["verdict"] == "broken" else entry["verdict"]
        lines.append(
            f"| {entry['row']} | {entry['register_status']} | {verdict} | {len(entry['observed_differences'])} |"
        )
    broken = [entry for entry in ordered if entry["verdict"] == "broken"]
    if broken:
        lines += ["", "## Broken (the proxy relies on these)", ""]
        for entry in broken:
            lines.append(f"- **{entry['row']}** {entry['assumption']}")
            lines += [f"  - `{test['test']}`: {_one_line(test['detail'])}" for test in entry["tests"] if test["detail"]]
    differing = [entry for entry in ordered if entry["observed_differences"]]
    if differing:
        lines += ["", "## Observed differences (recorded, not failed)", ""]
        for entry in differing:
            for check in entry["observed_differences"]:
                lines.append(
                    f"- {entry['row']} {check['what']}: register `{_compact(check['expected'])}`, "
                    f"here `{_compact(check['actual'])}`"
                )
    lines += ["", f"Request/response pairs for every row are in `{JSON_NAME}`.", ""]
    return "\n".join(lines)


def _row_entry(
    row_id: str, tests: list[RowRecord], row: RegisterRow | None, secrets: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    outcomes = [test.outcome for test in tests]
    if any(outcome in ("failed", "error") for outcome in outcomes):
        verdict = "broken"
    elif "passed" in outcomes:
        verdict = "holds"
    else:
        verdict = "not run"
    return {
        "row": row_id,
        "assumption": row.assumption if row else "",
        "register_status": row.status if row else "",
        "verdict": verdict,
        "observed_differences": [
            _check(check, secrets) for test in tests for check in test.checks if not check.relied and not check.ok
        ],
        "tests": [_test_entry(test, secrets) for test in tests],
    }


def _test_entry(test: RowRecord, secrets: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "test": test.test,
        "outcome": test.outcome,
        "detail": scrub_text(test.detail, secrets=secrets),
        "relied": [_check(check, secrets) for check in test.checks if check.relied],
        "observed": [_check(check, secrets) for check in test.checks if not check.relied],
        "exchanges": [trimmed(scrub(exchange, secrets=secrets)) for exchange in test.exchanges],
        "exchanges_not_shown": test.exchanges_dropped,
    }


def _check(check: Check, secrets: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "what": check.what,
        "expected": trimmed(scrub(_jsonable(check.expected), secrets=secrets)),
        "actual": trimmed(scrub(_jsonable(check.actual), secrets=secrets)),
        "ok": check.ok,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Matcher):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def _compact(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return (text[:150] + "...") if len(text) > 150 else text.replace("`", "'")


def _one_line(text: str) -> str:
    first = " ".join(text.split())
    return first[:300] + ("..." if len(first) > 300 else "")


def _by_number(item: tuple[str, list[RowRecord]]) -> int:
    """JC-7 < JC-11 < JC-100: rows in numeric order, not text order."""
    return int(item[0].removeprefix("JC-"))
