"""The deploy tests' shared fixture: what the app really exports."""

from __future__ import annotations

import pytest

from .exports import Exports, app_exports


@pytest.fixture(name="exports")
def _exports() -> Exports:
    """The app's real exports (built, driven and scraped once per session)."""
    return app_exports()
