"""The suite's own rules, checked: what tests/conftest.py promises about every test holds.

Each test runs an inner pytest (pytester) in a temporary directory, with our conftest loaded
as a plugin and the asyncio settings pyproject.toml gives the real suite.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

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


@pytest.fixture(name="inner")
def _inner(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester directory whose runs load tests/conftest.py, configured like our suite."""
    pytester.makeconftest("pytest_plugins = ['tests.conftest']")
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    return pytester


def test_a_declared_route_that_is_never_called_fails_the_test(inner: pytest.Pytester) -> None:
    """A `jc` route a passing test never calls is an error at teardown; a failing test reports only its failure."""
    inner.makepyfile(test_routes=_DEAD_ROUTE)

    result = inner.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_declares_a_route_it_never_calls*"])
    result.stdout.fnmatch_lines(["*routes declared but never called*"])


def test_a_failed_run_in_random_order_says_how_to_replay_it(inner: pytest.Pytester) -> None:
    """A run that fails in random order ends with its seed and the make command that replays the order."""
    inner.makepyfile(test_fails="def test_fails() -> None:\n    assert False\n")

    shuffled = inner.runpytest("-p", "randomly", "--randomly-seed=1234")
    in_order = inner.runpytest("-p", "no:randomly")

    assert (1, 1) == (shuffled.ret, in_order.ret)
    assert shuffled.outlines[-1].endswith("make test PYTEST_ARGS=--randomly-seed=1234")
    assert not any("randomly-seed" in line for line in in_order.outlines)
