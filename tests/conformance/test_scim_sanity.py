"""scim-sanity (`probe`) against proxy + emulator on loopback, as a subprocess, User resource type (Group when served).

scim-sanity creates `scim-sanity-test-<hex>@example.com` users, so it runs against the proxy
started with `username_from_email=True` (see docs/conformance.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import API_KEY, Deviation, Proxy, Servers, report, undocumented, unexplained

SCIM_SANITY = Path(sys.executable).with_name("scim-sanity")
RUN_TIMEOUT = 60.0  # seconds for one whole probe
REQUEST_TIMEOUT = 10  # seconds for one of its requests

GROUP_PATCH_204 = Deviation(
    matches="got 204",
    why=(
        "RFC 7644 section 3.5.2 (PATCH answers 200 with the resource, or 204): the proxy answers 204, "
        "which saves listing every member after each change; Entra accepts both; 200 when `attributes` is asked."
    ),
)
GROUP_FAKE_MEMBER = Deviation(
    matches="got 400",
    why=(
        "RFC 7644 section 3.12 (invalidValue): scim-sanity adds the member 'fake-member-id'; a JumpCloud "
        "group can only hold existing users, so the proxy answers 400 instead of storing a dangling member."
    ),
)

USER_DEVIATIONS: dict[str, Deviation] = {}  # none: every User check passes
GROUP_DEVIATIONS: dict[str, Deviation] = {
    "PATCH /Groups/{id}": GROUP_PATCH_204,
    "PATCH /Groups/{id} add member": GROUP_FAKE_MEMBER,
    "PATCH /Groups/{id} remove members": GROUP_PATCH_204,
}


def probe(proxy: Proxy, resource_type: str) -> dict[str, Any]:
    """Run `scim-sanity probe --json-output` against `proxy`; its parsed JSON report."""
    completed = subprocess.run(  # noqa: S603 -- fixed argv: our venv's tool and a loopback URL
        [
            str(SCIM_SANITY),
            "probe",
            proxy.scim_url,
            "--token",
            API_KEY,
            "--i-accept-side-effects",
            "--resource",
            resource_type,
            "--json-output",
            "--timeout",
            str(REQUEST_TIMEOUT),
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,  # exit 1 on any failure: the report says which
    )
    try:
        parsed: dict[str, Any] = json.loads(completed.stdout)
    except ValueError:
        pytest.fail(f"scim-sanity exited {completed.returncode} without a JSON report: {completed.stderr[-2000:]}")
    return parsed


def run_suite(proxy: Proxy, resource_type: str, allowed: dict[str, Deviation]) -> None:
    """Probe one resource type; fail on any failure or warning `allowed` does not explain."""
    started = time.monotonic()
    outcome = probe(proxy, resource_type)
    elapsed = time.monotonic() - started
    results = outcome["results"]
    failed = [(r["name"], r.get("message", "")) for r in results if r["status"] in {"fail", "error", "warn"}]
    unaccounted = unexplained(failed, allowed)
    summary = outcome["summary"]
    report(
        f"scim-sanity ({resource_type}): {summary['passed']} passed, {len(failed)} failed "
        f"({len(failed) - len(unaccounted)} documented deviations), {summary['skipped']} skipped, "
        f"{summary['warnings']} warnings of {summary['total']} in {elapsed:.1f} s"
    )
    assert not unaccounted, "checks failed outside docs/conformance.md:\n" + "\n".join(
        f"- {name}: {message}" for name, message in unaccounted
    )
    assert summary["passed"] > 0


def test_user_resource_type(servers: Servers) -> None:
    """Every scim-sanity check of the User lifecycle, search and errors passes, or is a documented deviation."""
    run_suite(servers.email, "User", USER_DEVIATIONS)


def test_group_resource_type(servers: Servers) -> None:
    """Every scim-sanity check of the Group lifecycle passes, or is a documented deviation."""
    assert servers.email.groups_available  # default settings serve /Groups: a skip here would hide a regression
    run_suite(servers.email, "Group", GROUP_DEVIATIONS)


def test_deviations_are_documented() -> None:
    """Every deviation this module accepts is named in docs/conformance.md."""
    assert [] == undocumented({**USER_DEVIATIONS, **GROUP_DEVIATIONS})
