"""The proxy's JumpCloud requests and the emulator's answers, checked against JumpCloud's Swagger files.

A finding outside the spec passes only when docs/jumpcloud-assumptions.md ("Outside the published
spec") lists it with the register row that explains it; a deviation nobody can explain yet is listed
there as an expected failure, and its test below xfails (strictly: fixing it turns the test red
until the register row goes).
"""

from __future__ import annotations

import asyncio

import pytest

from devtools.emulator import ROUTE_NAMES

from ..contract.register import spec_exceptions
from .check import Checked, check_all
from .conftest import FIGURES
from .swagger import Specs
from .traffic import Exchange, capture

# Every JumpCloud operation the proxy's client (jumpcloud/client.py, jumpcloud/groups.py) has.
PROXY_OPERATIONS = {
    "GET /systemusers",
    "GET /systemusers/{id}",
    "POST /systemusers",
    "PUT /systemusers/{id}",
    "DELETE /systemusers/{id}",
    "POST /search/systemusers",
    "GET /usergroups",
    "GET /usergroups/{id}",
    "POST /usergroups",
    "PUT /usergroups/{id}",
    "DELETE /usergroups/{id}",
    "GET /usergroups/{group_id}/members",
    "POST /usergroups/{group_id}/members",
}
EXCEPTIONS = spec_exceptions()
EXPECTED_FAILURES = {finding: why for finding, why in EXCEPTIONS.items() if why.verdict == "expected failure"}


@pytest.fixture(name="checked", scope="module")
def _checked(pytestconfig: pytest.Config) -> Checked:
    """One Entra lifecycle through proxy and emulator, plus the emulator's other routes, all checked."""
    exchanges, emulator = asyncio.run(capture())
    checked = check_all(exchanges)
    checked.routes = {name for name in ROUTE_NAMES if emulator.calls(name)}
    pytestconfig.stash[FIGURES] = checked.summary()
    return checked


def test_the_lifecycle_reaches_every_operation_the_proxy_uses(checked: Checked) -> None:
    """Creates, updates, searches, lists, deletes and member changes all go through the check."""
    assert PROXY_OPERATIONS == checked.proxy_operations
    assert checked.requests >= 30
    assert [] == checked.unmatched


def test_every_emulator_route_answers_in_the_checked_traffic(checked: Checked) -> None:
    """Every route the emulator serves answered at least once, so every kind of answer is validated."""
    assert set(ROUTE_NAMES) == checked.routes
    assert checked.responses >= 30


def test_proxy_requests_stay_inside_the_spec_or_the_register(checked: Checked) -> None:
    """Every field or parameter the proxy sends is in the spec, or the register explains why it is not."""
    requests = {finding for finding in checked.findings if finding.startswith("request ")}

    assert set() == requests - set(EXCEPTIONS)


def test_emulator_answers_stay_inside_the_spec_or_the_register(checked: Checked) -> None:
    """Every field, null or type in the emulator's answers is in the spec, or the register explains it."""
    answers = {finding for finding in checked.findings if finding.startswith("response ")}

    assert set() == answers - set(EXCEPTIONS)


def test_every_register_exception_is_still_needed(checked: Checked) -> None:
    """The register lists no exception the traffic no longer shows (it would hide a future regression)."""
    assert set() == set(EXCEPTIONS) - set(checked.findings)


@pytest.mark.parametrize(
    "finding",
    [
        pytest.param(
            finding,
            id=f"{why.id}-{finding.split(':')[0].split()[-1]}",
            marks=pytest.mark.xfail(strict=True, reason=f"{why.id} ({', '.join(why.rows)}): {why.why}"),
        )
        for finding, why in sorted(EXPECTED_FAILURES.items())
    ],
)
def test_known_deviation_from_the_spec(checked: Checked, finding: str) -> None:
    """A deviation the register marks as an expected failure is still there (xfail); fixed, this test says so."""
    assert finding not in checked.findings


def test_a_field_outside_the_spec_is_found() -> None:
    """The check finds an extra field, a null and a wrong type even though the spec never forbids extras."""
    body = {"username": "jdoe", "email": "jdoe@example.com", "nickname": "JD", "jobTitle": None, "sudo": "yes"}
    exchange = Exchange("proxy", "POST", "/api/systemusers", ("fullValidationDetails", "dryRun"), body, 400, None)

    checked = check_all([exchange], Specs())

    assert {
        "request POST /systemusers query dryRun: outside the spec",
        "request systemuserputpost.nickname: outside the spec",
        "request systemuserputpost.jobTitle: null where the spec says string",
        "request systemuserputpost.sudo: str where the spec says boolean",
    } == set(checked.findings)
