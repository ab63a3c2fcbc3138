"""The chaos soak at a small size: every fault kind injected, nothing lost, duplicated or wrong, few failures seen."""

from __future__ import annotations

from .harness import MAX_FAILURE_RATE, run


def test_small_soak_converges_to_the_intended_state() -> None:
    """150 users reconciled through 10 % injected faults end exactly as intended, with at most 0.2 % failed requests."""
    outcome = run(150, seed=11)

    print(outcome.summary())
    assert (0, 0, 0, 0) == (outcome.lost, outcome.duplicated, outcome.wrong, outcome.leftover)
    assert outcome.failure_rate <= MAX_FAILURE_RATE, outcome.failures
    assert outcome.passes < 12
    assert {"status_429", "status_500", "status_503"} <= set(outcome.faults)
    assert sum(outcome.faults.values()) > 0.05 * outcome.upstream_calls
    assert {"create_user", "search_users", "update_user"} <= set(outcome.route_faults)
    assert outcome.retries > 0
