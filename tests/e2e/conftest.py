"""The proxy and the JumpCloud emulator, each under uvicorn on a loopback socket of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import attrs
import httpx
import pytest
from starlette.applications import Starlette

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app


@attrs.frozen
class Stack:
    """Running servers: the proxy's SCIM base URL and the emulator's live state."""

    scim_url: str
    jumpcloud_url: str
    emulator: EmulatorState
    proxy: Starlette


@pytest.fixture(name="stack")
def _stack() -> Iterator[Stack]:
    """A fresh emulator and a proxy in front of it, both on real loopback sockets."""
    emulator_app = create_emulator_app(EmulatorConfig())
    with serve_in_thread(emulator_app) as jc_url:
        settings = Settings(jumpcloud_url=jc_url, retry_backoff=0.01, retry_backoff_max=0.05)
        proxy = create_app(settings)
        with serve_in_thread(proxy) as proxy_url:
            yield Stack(f"{proxy_url}/scim/v2", jc_url, emulator_app.state.emulator, proxy)


@pytest.fixture(name="scim")
async def _scim(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the proxy's SCIM base, carrying the emulator's API key as Entra's Secret Token."""
    async with httpx.AsyncClient(
        base_url=stack.scim_url, timeout=10, headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    ) as client:
        yield client
