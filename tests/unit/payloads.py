"""Load the request and response bodies kept in tests/payloads/, one JSON file each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"


def payload(name: str) -> Any:
    """The parsed JSON of tests/payloads/<name>; a fresh copy on every call, so tests may mutate it."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
