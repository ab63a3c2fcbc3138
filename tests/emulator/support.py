"""Constants and body builders shared by the emulator tests."""

from __future__ import annotations

from typing import Any

from devtools.emulator import DEFAULT_API_KEY

AUTH = {"x-api-key": DEFAULT_API_KEY}
BASE_URL = "http://jc.test"
UNKNOWN_ID = "0123456789abcdef01234567"


def user_body(name: str = "jdoe", **fields: Any) -> dict[str, Any]:
    """A minimal valid create body for `name`, plus `fields`."""
    return {"username": name, "email": f"{name}@example.com", **fields}
