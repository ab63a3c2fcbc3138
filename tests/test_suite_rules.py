"""The suite's own rules, checked: what tests/conftest.py promises about every test holds."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# The inner run's settings, as pyproject.toml gives them to ours (its rootdir is a temporary directory).
INNER_OPTIONS = ("-p", "no:randomly", "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function")

_DEAD_ROUTE = """
import httpx
import respx

async def test_declares_a_route_it_never_calls(jc: respx.Router) -> None:
    jc.get("/api/systemusers").respond(200, json={"totalCount": 0, "results": []})

async def test_calls_its_route(jc: respx.Router) -> None:
    route = jc.get("/api/systemusers").respond(200, json={"totalCount": 0, "results": []})
    async with httpx.AsyncClient(transport=httpx.MockTransport(jc.async_handler), base_url="https://jc.test") as c:
        await c.get("/api/systemusers")
    assert route.called

async def test_fails_and_leaves_a_route_unused(jc: respx.Router) -> None:
    jc.get("/api/systemusers").respond(200)
    assert False, "the test's own failure"
"""


def test_a_declared_route_that_is_never_called_fails_the_test(pytester: pytest.Pytester) -> None:
    """A `jc` route a passing test never calls is an error at teardown; a failing test reports only its failure."""
    pytester.makeconftest("pytest_plugins = ['tests.conftest']")
    pytester.makepyfile(test_routes=_DEAD_ROUTE)

    result = pytester.runpytest(*INNER_OPTIONS)

    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_declares_a_route_it_never_calls*"])
    result.stdout.fnmatch_lines(["*routes declared but never called*"])
