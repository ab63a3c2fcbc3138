"""Emulator fixtures: a fresh app per test, driven in-process through httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from devtools.emulator import EmulatorState, create_emulator_app

from .support import AUTH, BASE_URL


@pytest.fixture(name="app")
def _app() -> Starlette:
    """A fresh emulator with the default config."""
    return create_emulator_app()


@pytest.fixture(name="emulator")
def _emulator(app: Starlette) -> EmulatorState:
    """The live state of `app`."""
    state: EmulatorState = app.state.emulator
    return state


@pytest.fixture(name="client")
async def _client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client for `app`, in-process, sending the default API key."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=AUTH) as client:
        yield client
