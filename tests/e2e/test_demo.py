"""`make demo` runs offline end to end and says so."""

from __future__ import annotations

import pytest

from devtools import demo


def test_demo_plays_the_cycle_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's Entra-like cycle succeeds against emulator + proxy on loopback and prints the JumpCloud users."""
    assert 0 == demo.main()

    out = capsys.readouterr().out
    assert "Every answer was what Entra expects." in out
    assert "alan.turing      alan.turing@contoso.com" in out
    assert "barbara.liskov" not in out.split("JumpCloud users now:")[1]
    assert "phoneNumbers: work +44 20 7946 0018\naddresses:    work: London GB\nattributes:   badgeNumber=1815" in out
