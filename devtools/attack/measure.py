"""Running one attack while the probe works, and the table row of what it cost.

Issue 11's bar, as each row's verdict checks it: the attack was answered safely (its `Outcome`),
it caused no more JumpCloud calls than its `max_calls`, and the probe was answered every time;
"held, probe slow" when the probe waited more than 100 ms beyond JumpCloud's own latency.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable

import attrs

from devtools.attack.probe import Probe
from devtools.attack.registry import Attack, AttackRun, Outcome, Target

SLOW_PROBE_MS = 100.0  # issue 11: no request may keep another waiting longer than this
MIN_SECONDS = 2.0  # an attack on the shared proxy is repeated this long, so that the probe sees it


@attrs.frozen(kw_only=True)
class Measurement:
    """What one attack did and cost."""

    outcome: Outcome  # the first run's answer (with the number of runs), held if every run held
    calls: float  # JumpCloud calls per run, the probe's own excluded
    probe_ms: list[float]  # the probe's latencies while the attack ran
    probe_failures: int  # probe requests not answered as they should have been
    peak_rss: int | None  # the proxy's peak resident memory, bytes, when it was watched


async def _runs(run: AttackRun, target: Target, *, repeat: bool) -> tuple[Outcome, int]:
    """Run once, or until MIN_SECONDS have passed: the first outcome, held if all held, and how many runs."""
    began = time.monotonic()
    outcomes = [await run(target)]
    while repeat and time.monotonic() - began < MIN_SECONDS:
        outcomes.append(await run(target))
    runs = f" (x{len(outcomes)} runs)" if len(outcomes) > 1 else ""
    return Outcome(outcomes[0].answer + runs, all(o.held for o in outcomes)), len(outcomes)


class _PeakRss:
    """The highest value `rss()` gives while the block runs, sampled every 20 ms."""

    def __init__(self, rss: Callable[[], int] | None) -> None:
        self._rss = rss
        self.peak: int | None = rss() if rss else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while self._rss and not self._stop.wait(0.02):
            self.peak = max(self.peak or 0, self._rss())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def measure(
    run: AttackRun, target: Target, *, probe: Probe, repeat: bool, rss: Callable[[], int] | None = None
) -> Measurement:
    """Run the attack while `probe` works: what came back, the JumpCloud calls it caused, the probe's latencies."""
    before = target.upstream_calls()
    probe.start()
    runs = 1
    try:
        with _PeakRss(rss) as memory:
            try:
                outcome, runs = asyncio.run(_runs(run, target, repeat=repeat))
            except Exception as exc:  # an attack that breaks is a finding, not the end of the table
                outcome = Outcome(f"attack failed: {type(exc).__name__}: {exc}"[:80], False)
    finally:
        lines = probe.stop()
    latencies = [float(line) for line in lines if line != "fail"]
    calls = (target.upstream_calls() - before - probe.jumpcloud_calls()) / runs
    return Measurement(
        outcome=outcome,
        calls=calls,
        probe_ms=latencies,
        probe_failures=len(lines) - len(latencies),
        peak_rss=memory.peak,
    )


def verdict(attack: Attack, measured: Measurement) -> str:
    """`held`, `held, probe slow`, or `FAILED: ...` with the reasons."""
    failed = []
    if not measured.outcome.held:
        failed.append("answer")
    if attack.max_calls is not None and measured.calls > attack.max_calls:
        failed.append("JumpCloud calls")
    if measured.probe_failures or not measured.probe_ms:
        failed.append("probe not answered")
    if failed:
        return "FAILED: " + ", ".join(failed)
    latency_ms = 1000 * attack.stack.jumpcloud_latency if attack.stack else 0.0
    return "held, probe slow" if max(measured.probe_ms) - latency_ms > SLOW_PROBE_MS else "held"


HEAD = [
    "#",
    "attack",
    "answer",
    "JumpCloud calls per run",
    "probes",
    "probe p50 ms",
    "probe max ms",
    "proxy peak RSS MB",
]


def row(attack: Attack, measured: Measurement) -> list[str]:
    """The table row of one attack: its cells as text, the verdict last."""
    calls = f"{measured.calls:g}" + (f" (max {attack.max_calls:,})" if attack.max_calls is not None else "")
    samples = len(measured.probe_ms) + measured.probe_failures
    probes = f"{samples} ({measured.probe_failures} failed)" if measured.probe_failures else str(samples)
    median = statistics.median(measured.probe_ms) if measured.probe_ms else 0.0
    rss = f"{measured.peak_rss / 2**20:.0f}" if measured.peak_rss else "-"
    answer = measured.outcome.answer
    return [
        str(attack.item),
        attack.name,
        answer,
        calls,
        probes,
        f"{median:.0f}",
        f"{max(measured.probe_ms, default=0):.0f}",
        rss,
        verdict(attack, measured),
    ]


def table(rows: list[list[str]]) -> str:
    """The rows as a markdown table."""
    head = [*HEAD, "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows]
    return "\n".join(lines)
