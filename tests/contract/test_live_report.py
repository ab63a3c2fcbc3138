"""`make contract-live` as an operator runs it, pointed at a second JumpCloud stand-in on loopback.

The stand-in is the emulator with the alternative error wording (every error body differs from the
register) and one relied-on difference: `{"suspended": false}` alone activates a STAGED user, which
breaks JC-64 and the proxy decision resting on it, JC-91. The live run must fail exactly those two,
record the wording differences without failing, and write a report that shows no key, org id,
email or name.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devtools.emulator import DEFAULT_ORG_ID, EmulatorConfig, create_emulator_app
from devtools.servers import serve_in_thread

from .conftest import LIVE_KEY_ENV, LIVE_ORG_ENV, LIVE_URL_ENV, REPORT_DIR_ENV
from .report import JSON_NAME, MARKDOWN_NAME
from .support import BASE_PREFIX, EMAIL_DOMAIN

ROOT = Path(__file__).parents[2]
BROKEN_BY_THE_STAND_IN = {
    "test_jc_64_suspended_false_alone_leaves_staged_user_staged",
    "test_jc_91_reenable_sends_suspended_false_alone",
}
EMULATOR_ONLY = {
    "test_jc_04_throttling_is_429_with_optional_retry_after",
    "test_jc_20_get_search_param_is_refused_by_emulator",
}


class UnsuspendActivates:
    """ASGI wrapper: a PUT of `{"suspended": false}` alone also activates the user (JC-64 the other way)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT" or not scope["path"].startswith("/api/systemusers/"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if body and json.loads(body) == {"suspended": False}:
            body = json.dumps({"suspended": False, "state": "ACTIVATED"}).encode()
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@attrs.frozen
class LiveRun:
    """What one `-m live` run left behind."""

    returncode: int
    output: str
    report: dict[str, Any]
    report_text: str
    markdown: str
    api_key: str

    def outcomes(self) -> dict[str, str]:
        """Test function name (without parameters) -> outcome, over every test of every row."""
        found: dict[str, str] = {}
        for row in self.report["rows"]:
            for test in row["tests"]:
                name = test["test"].split("::")[-1].split("[")[0]
                found[name] = "failed" if "failed" in (test["outcome"], found.get(name)) else test["outcome"]
        return found


@pytest.fixture(name="live_run", scope="module")
def _live_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRun]:
    """One live run of the contract suite against the stand-in, with its report."""
    api_key = f"stand-in-{secrets.token_hex(8)}"
    report_dir = tmp_path_factory.mktemp("contract-report")
    app = create_emulator_app(EmulatorConfig(api_keys={api_key}, wording="alternative"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUMPCLOUD_", "PYTEST_"))}
    with serve_in_thread(UnsuspendActivates(app)) as url:
        env.update({LIVE_URL_ENV: url, LIVE_KEY_ENV: api_key, REPORT_DIR_ENV: str(report_dir)})
        env.pop(LIVE_ORG_ENV, None)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/contract", "-m", "live", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,  # a hang guard, not a budget
            check=False,
        )
    report_text = (report_dir / JSON_NAME).read_text()
    yield LiveRun(
        returncode=done.returncode,
        output=done.stdout + done.stderr,
        report=json.loads(report_text),
        report_text=report_text,
        markdown=(report_dir / MARKDOWN_NAME).read_text(),
        api_key=api_key,
    )


def test_live_run_fails_only_on_relied_on_differences(live_run: LiveRun) -> None:
    """Against a stand-in that words every error differently, only the two tests it really breaks fail."""
    failed = {name for name, outcome in live_run.outcomes().items() if outcome in ("failed", "error")}

    assert 1 == live_run.returncode, live_run.output[-3000:]
    assert BROKEN_BY_THE_STAND_IN == failed, live_run.output[-3000:]
    assert {"JC-64", "JC-91"} == {row["row"] for row in live_run.report["rows"] if row["verdict"] == "broken"}
    assert "relied on: " in next(
        t["detail"] for r in live_run.report["rows"] if r["row"] == "JC-64" for t in r["tests"]
    )


def test_live_run_records_wording_differences_without_failing(live_run: LiveRun) -> None:
    """The stand-in's error wording shows up as observed differences, in rows whose verdict still holds."""
    rows = {row["row"]: row for row in live_run.report["rows"]}
    limit = next(check for check in rows["JC-10"]["observed_differences"] if check["what"] == "limit=101")

    assert [400, {"message": "Bad Request: limit must be <= 100"}] == limit["actual"]
    assert "holds" == rows["JC-10"]["verdict"]
    assert {"JC-01", "JC-30", "JC-35", "JC-73", "JC-77"} <= {
        r for r, row in rows.items() if row["observed_differences"]
    }
    assert live_run.report["summary"]["observed_differences"] >= 30
    assert "## Observed differences (recorded, not failed)" in live_run.markdown
    assert "**JC-64**" in live_run.markdown


def test_live_run_skips_emulator_only_tests_with_the_reason(live_run: LiveRun) -> None:
    """Emulator-only tests skip on a live run, saying so; the multi-tenant tests skip without an org id."""
    skipped = {
        test["test"].split("::")[-1].split("[")[0]: test["detail"]
        for row in live_run.report["rows"]
        for test in row["tests"]
        if test["outcome"] == "skipped"
    }

    multi_tenant = {
        "test_jc_02_missing_org_id_for_msp_key_is_401_no_organization_selected",
        "test_jc_104_organizations_are_listed_without_x_org_id",
    }
    assert EMULATOR_ONLY | multi_tenant == set(skipped)
    assert all(skipped[name].startswith("emulator only: ") for name in EMULATOR_ONLY)


def test_live_report_holds_no_key_org_id_email_or_name(live_run: LiveRun) -> None:
    """The report can be sent as it is: the key, the org id, emails and the run's names are all redacted."""
    everything = live_run.report_text + live_run.markdown
    pairs = [pair for row in live_run.report["rows"] for test in row["tests"] for pair in test["exchanges"]]

    assert live_run.api_key not in everything
    assert DEFAULT_ORG_ID not in everything
    assert f"@{EMAIL_DOMAIN}" not in everything
    assert BASE_PREFIX not in everything
    assert len(pairs) > 200
    assert {"x-api-key", "x-org-id"}.isdisjoint(name for pair in pairs for name in pair["request"]["headers"])
    assert "<personal>" in everything and "<org-id>" in everything
