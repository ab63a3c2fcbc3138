"""The spec check's figures, printed at the end of the run (requests and answers validated, findings)."""

from __future__ import annotations

import pytest

FIGURES = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Say how much the spec check validated and what it found outside the spec."""
    figures = config.stash.get(FIGURES, "")
    if figures:
        terminalreporter.write_line(figures)
