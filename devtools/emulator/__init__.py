"""An in-memory JumpCloud (v1 systemusers, v2 user groups) served over real HTTP for tests and demos.

Behaviour follows docs/jumpcloud-assumptions.md; `create_emulator_app()` is the entry point.
"""

from __future__ import annotations

from devtools.emulator.app import ROUTE_NAMES, create_emulator_app
from devtools.emulator.config import DEFAULT_API_KEY, DEFAULT_ORG_ID, EmulatorConfig, FaultRule, Faults, Quirks
from devtools.emulator.errors import JcError
from devtools.emulator.state import EmulatorState
from devtools.emulator.wording import WORDINGS, Wording

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_ORG_ID",
    "ROUTE_NAMES",
    "WORDINGS",
    "EmulatorConfig",
    "EmulatorState",
    "FaultRule",
    "Faults",
    "JcError",
    "Quirks",
    "Wording",
    "create_emulator_app",
]
