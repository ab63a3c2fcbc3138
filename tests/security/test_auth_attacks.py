"""The `make attack` scenarios of issue 11 (items 2 and 4), run small over loopback: proxy and emulator under uvicorn.

The same functions run at the issue's sizes in `python -m tests.security.attacks_auth`.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

from devtools.emulator import EmulatorConfig, EmulatorState, FaultRule, Faults, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app
from tests.security import attacks_auth


@attrs.frozen
class Stack:
    """The proxy's base URL and the emulator behind it."""

    proxy_url: str
    emulator: EmulatorState

    def upstream_calls(self) -> int:
        with self.emulator.lock:
            return sum(self.emulator.requests.values())


def only_ok(answers: str) -> bool:
    """Whether an answer summary ("200 x12") holds 200s only."""
    return answers.startswith("200 x") and "," not in answers


@pytest.fixture(name="stack")
def _stack() -> Iterator[Stack]:
    """A fresh emulator and a proxy in front of it with a budget of 5 rejected keys per address."""
    emulator_app = create_emulator_app(EmulatorConfig())
    with serve_in_thread(emulator_app) as jc_url:
        proxy = create_app(Settings(jumpcloud_url=jc_url, auth_failures_per_ip=5, unverified_calls_in_flight=3))
        with serve_in_thread(proxy) as proxy_url:
            yield Stack(proxy_url, emulator_app.state.emulator)


def test_random_tokens_reach_jumpcloud_at_most_the_address_budget(stack: Stack) -> None:
    """60 random tokens from one address: 5 JumpCloud calls (401), the other 55 answered 429; the tenant is served."""
    row = attacks_auth.random_tokens(stack.proxy_url, stack.upstream_calls, count=60, concurrency=10)

    assert 5 == row["upstream_calls"]
    assert "401 x5, 429 x55" == row["answer"]
    assert only_ok(row["probe_answers"])


def test_one_wrong_token_in_parallel_costs_one_call(stack: Stack) -> None:
    """100 parallel requests with one wrong token: one JumpCloud call, 100 answers 401."""
    row = attacks_auth.one_wrong_token(stack.proxy_url, stack.upstream_calls, count=100)

    assert (1, "401 x100") == (row["upstream_calls"], row["answer"])


def test_a_mebibyte_of_member_ids_with_a_wrong_key_costs_nothing(stack: Stack) -> None:
    """Three 1 MiB PATCHes of member ids with a wrong key: 400 each (over the member cap), no JumpCloud call."""
    row = attacks_auth.group_fan_out_wrong_key(stack.proxy_url, stack.upstream_calls)

    assert (0, "400 x3") == (row["upstream_calls"], row["answer"])


def test_a_thousand_member_ids_with_a_wrong_key_cost_one_call(stack: Stack) -> None:
    """A PATCH of 1,000 member ids (within the cap) with a wrong key: one JumpCloud call, 401."""
    row = attacks_auth.group_fan_out_wrong_key(stack.proxy_url, stack.upstream_calls, members=1000, parallel=1)

    assert (1, "401 x1") == (row["upstream_calls"], row["answer"])


@pytest.mark.parametrize("spread", [False, True])
def test_a_working_tenant_is_answered_during_a_spray_on_a_slow_jumpcloud(stack: Stack, spread: bool) -> None:
    """60 random tokens at once (one or many addresses) while JumpCloud is slow: every probe of the tenant gets 200."""
    stack.emulator.faults = Faults(rules=[FaultRule(latency=0.1)])

    row = attacks_auth.random_tokens_while_tenant_works(stack.proxy_url, stack.upstream_calls, count=60, spread=spread)

    assert only_ok(row["probe_answers"])
    assert row["upstream_calls"] <= (5 if not spread else 60)
    assert set(row["answer"].replace(",", "").split()[::2]) <= {"401", "429", "503"}
