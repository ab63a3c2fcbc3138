"""`make attack`'s verdict on a row: issue 11's bar applied to what was measured."""

from __future__ import annotations

from devtools.attack.measure import Measurement, verdict
from devtools.attack.registry import Attack, Outcome, Stack, Target


async def _never_run(target: Target) -> Outcome:
    raise AssertionError("verdict() only reads what was measured")


def _measured(
    *, held: bool = True, calls: float = 0, probe_ms: tuple[float, ...] = (5.0,), failures: int = 0
) -> Measurement:
    return Measurement(
        outcome=Outcome("401 x1", held), calls=calls, probe_ms=list(probe_ms), probe_failures=failures, peak_rss=None
    )


def test_more_jumpcloud_calls_than_allowed_fail_the_row() -> None:
    """A row whose run caused more JumpCloud calls than its max_calls fails, whatever it answered."""
    bounded = Attack(item=4, name="spray", run=_never_run, max_calls=10)

    assert ("held", "FAILED: JumpCloud calls") == (
        verdict(bounded, _measured(calls=10)),
        verdict(bounded, _measured(calls=11)),
    )


def test_a_probe_not_answered_fails_the_row() -> None:
    """A probe request that failed, or no probe answer at all, fails the row along with a wrong answer."""
    attack = Attack(item=1, name="filter", run=_never_run)

    assert "FAILED: answer, probe not answered" == verdict(attack, _measured(held=False, failures=1))
    assert "FAILED: probe not answered" == verdict(attack, _measured(probe_ms=()))


def test_probe_wait_is_counted_beyond_jumpcloud_latency() -> None:
    """On a slow JumpCloud (500 ms) a 580 ms probe waited 80 ms: held; 620 ms is slow; on the shared proxy 120 ms is."""
    slow = Attack(item=4, name="spray", run=_never_run, stack=Stack(jumpcloud_latency=0.5))
    shared = Attack(item=1, name="filter", run=_never_run)

    assert "held" == verdict(slow, _measured(probe_ms=(505.0, 580.0)))
    assert "held, probe slow" == verdict(slow, _measured(probe_ms=(505.0, 620.0)))
    assert "held, probe slow" == verdict(shared, _measured(probe_ms=(5.0, 120.0)))
