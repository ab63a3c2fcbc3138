"""`make attack`'s rows for issue 11 items 2 and 4, run small over loopback: proxy and emulator under uvicorn.

The attack functions and the measuring are devtools.attack's own (auth_attacks, measure); only
the sizes and the servers differ: in-thread here, a process each in `make attack`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from devtools.attack import auth_attacks
from devtools.attack.measure import Measurement, measure
from devtools.attack.probe import Probe
from devtools.attack.registry import AttackRun, Target
from devtools.attack.stacks import emulated_target
from devtools.emulator import EmulatorConfig, EmulatorState, FaultRule, Faults, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app


@attrs.frozen
class Stack:
    """The proxy, as an attack sees it, and the emulator behind it."""

    target: Target
    emulator: EmulatorState

    def run(self, run: AttackRun) -> Measurement:
        """Run the attack once while a working tenant searches from a thread."""
        probe = Probe(self.target.url, self.target.token, search=True, in_thread=True)
        return measure(run, self.target, probe=probe, repeat=False)


@pytest.fixture(name="stack")
def _stack(tmp_path: Path) -> Iterator[Stack]:
    """A fresh emulator holding the probe's user and a group; a proxy allowing 5 rejected keys per address."""
    emulator_app = create_emulator_app(EmulatorConfig())
    emulator: EmulatorState = emulator_app.state.emulator
    user = emulator.create_user({"username": "probe.user", "email": "probe.user@example.com"})
    group = emulator.create_group({"name": "attack-group"})
    with serve_in_thread(emulator_app) as jc_url:
        proxy = create_app(Settings(jumpcloud_url=jc_url, auth_failures_per_ip=5, unverified_calls_in_flight=3))
        with serve_in_thread(proxy) as proxy_url:
            target = emulated_target(
                proxy_url, jumpcloud_url=jc_url, workdir=tmp_path, user_id=user["_id"], group_id=group["id"]
            )
            yield Stack(target, emulator)


def test_random_tokens_reach_jumpcloud_at_most_the_address_budget(stack: Stack) -> None:
    """60 random tokens from one address: 5 JumpCloud calls (401), the other 55 answered 429; the tenant is served."""
    measured = stack.run(functools.partial(auth_attacks.random_tokens, count=60, concurrency=10))

    assert ("401 x5, 429 x55", True) == (measured.outcome.answer, measured.outcome.held)
    assert 5 == measured.calls
    assert (0, True) == (measured.probe_failures, bool(measured.probe_ms))


def test_one_wrong_token_in_parallel_costs_one_call(stack: Stack) -> None:
    """100 parallel requests with one wrong token: one JumpCloud call, 100 answers 401."""
    measured = stack.run(functools.partial(auth_attacks.one_wrong_token, count=100))

    assert (1, "401 x100", True) == (measured.calls, measured.outcome.answer, measured.outcome.held)


def test_a_mebibyte_of_member_ids_with_a_wrong_key_costs_nothing(stack: Stack) -> None:
    """Three 1 MiB PATCHes of member ids with a wrong key: 400 each (over the member cap), no JumpCloud call."""
    measured = stack.run(auth_attacks.group_fan_out)

    assert (0, "400 x3", True) == (measured.calls, measured.outcome.answer, measured.outcome.held)


def test_a_thousand_member_ids_with_a_wrong_key_cost_one_call(stack: Stack) -> None:
    """A PATCH of 1,000 member ids (within the cap) with a wrong key: one JumpCloud call, 401."""
    measured = stack.run(functools.partial(auth_attacks.group_fan_out, members=1000, parallel=1))

    assert (1, "401 x1", True) == (measured.calls, measured.outcome.answer, measured.outcome.held)


@pytest.mark.parametrize("spread", [False, True])
def test_a_working_tenant_is_answered_during_a_spray_on_a_slow_jumpcloud(stack: Stack, spread: bool) -> None:
    """60 random tokens at once (one or many addresses) while JumpCloud is slow: every probe of the tenant gets 200."""
    stack.emulator.faults = Faults(rules=[FaultRule(latency=0.1)])

    measured = stack.run(functools.partial(auth_attacks.random_tokens_at_once, count=60, spread=spread))

    assert (0, True) == (measured.probe_failures, bool(measured.probe_ms))
    assert measured.calls <= (5 if not spread else 60)
    assert measured.outcome.held  # 401, 429 or 503 each
