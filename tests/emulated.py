"""The proxy in front of the JumpCloud emulator, in-process both ways, with every upstream request kept."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import attrs
import httpx

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

EMULATOR_URL = "https://jumpcloud.emulator"


@attrs.frozen
class Sent:
    """One request the proxy sent to the emulator."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any


class _Recording(httpx.AsyncBaseTransport):
    """An ASGITransport to the emulator that remembers each request it carries."""

    def __init__(self, app: Any, sent: list[Sent]) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._sent = sent

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = request.content
        self._sent.append(
            Sent(
                method=request.method,
                path=request.url.path,
                params=dict(request.url.params),
                headers=dict(request.headers),
                body=json.loads(content) if content else None,
            )
        )
        return await self._inner.handle_async_request(request)


@attrs.frozen
class Emulated:
    """A SCIM client for the proxy, the emulator's live state, and what the proxy sent it."""

    scim: httpx.AsyncClient
    emulator: EmulatorState
    sent: list[Sent]

    def calls(self, method: str, path: str) -> list[Sent]:
        """The requests sent with `method` to exactly `path`."""
        return [s for s in self.sent if s.method == method and s.path == path]


@contextlib.asynccontextmanager
async def emulated(config: EmulatorConfig | None = None) -> AsyncIterator[Emulated]:
    """A fresh emulator (default config unless given) and the proxy in front of it."""
    emulator_app = create_emulator_app(config or EmulatorConfig())
    sent: list[Sent] = []
    settings = Settings(jumpcloud_url=EMULATOR_URL, retry_attempts=2, retry_backoff=0.001, retry_backoff_max=0.01)
    jumpcloud = make_jumpcloud_client(settings, transport=_Recording(emulator_app, sent))
    proxy = create_app(settings, jumpcloud=jumpcloud)
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    async with (
        jumpcloud.http,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=proxy), base_url="http://proxy.test/scim/v2", headers=headers
        ) as scim,
    ):
        yield Emulated(scim=scim, emulator=emulator_app.state.emulator, sent=sent)
