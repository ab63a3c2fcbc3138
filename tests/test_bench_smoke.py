"""The benchmark (`make bench`) runs at a tiny size and writes its report; it is not a timed test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_KEYS = {"throughput_rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms_per_req", "upstream_per_op", "errors"}


def test_tiny_bench_writes_its_report_and_one_upstream_call_per_operation(tmp_path: Path) -> None:
    """A 30-request run of two ways at concurrency 1 and 2 writes bench.json and bench.md, every
    request succeeds, and every operation of the default mix costs exactly one JumpCloud call."""
    argv = [
        sys.executable, "-m", "bench.run", "--requests", "30", "--warmup", "5", "--levels", "1,2",
        "--ways", "direct,proxy-httpx", "--isolated", "2", "--live-users", "10", "--paced-seconds", "0",
        "--soak-requests", "0", "--startup-runs", "0", "--run-timeout", "25", "--out", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=28, check=False)  # noqa: S603 -- our own interpreter

    assert 0 == done.returncode, done.stderr[-3000:]
    results = json.loads((tmp_path / "bench.json").read_text())
    markdown = (tmp_path / "bench.md").read_text()
    assert [1, 2] == [level["concurrency"] for level in results["levels"]]
    for level in results["levels"]:
        assert {"direct", "proxy-httpx"} == set(level["runs"])
        for run in level["runs"].values():
            assert RUN_KEYS <= set(run)
            assert 0 == run["errors"]
            assert 1.0 == run["upstream_per_op"]
    assert {"get_filter", "post", "patch", "get_id", "delete"} == set(results["calls_per_op"]["proxy-httpx"])
    assert all(1.0 == calls for calls in results["calls_per_op"]["proxy-httpx"].values())
    assert any(t["target"].startswith("upstream calls per operation") for t in results["targets"])
    assert "| 2 | proxy-httpx |" in markdown
    assert "PASS" in markdown or "FAIL" in markdown
