"""A proxy built in-process for the failed-auth tests, with a stand-in JumpCloud that knows one key.

Not a conftest: the other modules of tests/security use the shared `jc` fixture of tests/conftest.py.
The failed-auth modules import `jc_fixture` and `proxy_fixture` (the `jc` and `proxy` fixtures);
`proxy_factory()` also serves modules that declare their own stand-in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import respx

from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.jumpcloud.verdicts import KeyVerdicts
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

JC_URL = "https://jc.test"
GOOD_KEY = "tenant-key-0123456789"
SEARCH = "/api/search/systemusers"
FIND = {"filter": 'userName eq "nobody"'}
EMPTY = {"totalCount": 0, "results": []}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jumpcloud_answer(request: httpx.Request) -> httpx.Response:
    """JumpCloud accepts only GOOD_KEY (any org), like the real one answers a wrong key."""
    if request.headers["x-api-key"] == GOOD_KEY:
        return httpx.Response(200, json=EMPTY)
    return httpx.Response(401, json={"message": "Unauthorized: api key user not found"})


@pytest.fixture(name="jc")
def jc_fixture() -> respx.Router:
    """A stand-in JumpCloud whose user search answers as `jumpcloud_answer`: it knows one key."""
    router = respx.Router(base_url=JC_URL, assert_all_mocked=True, assert_all_called=False)
    router.post(SEARCH).mock(side_effect=jumpcloud_answer)
    return router


class Proxy:
    """Our app with its JumpCloud client, reachable from several client addresses."""

    def __init__(self, settings: Settings, jc: respx.Router, *, verdicts: KeyVerdicts | None = None) -> None:
        self.upstream = make_jumpcloud_client(settings, transport=httpx.MockTransport(jc.async_handler))
        if verdicts is not None:
            self.upstream.verdicts = verdicts
        self.app = create_app(settings, jumpcloud=self.upstream)
        self._clients: dict[str, httpx.AsyncClient] = {}

    def at(self, address: str = "198.51.100.7") -> httpx.AsyncClient:
        """A client whose requests come from `address`."""
        if address not in self._clients:
            transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
            self._clients[address] = httpx.AsyncClient(transport=transport, base_url="http://proxy.test")
        return self._clients[address]

    async def rejections(self) -> dict[str, float]:
        """scim_auth_rejections_total by reason, read from /metrics."""
        text = (await self.at().get("/metrics")).text
        found = {}
        for line in text.splitlines():
            if line.startswith("scim_auth_rejections_total{"):
                reason = line.split('reason="', 1)[1].split('"', 1)[0]
                found[reason] = float(line.rsplit(" ", 1)[1])
        return found

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        await self.upstream.http.aclose()


@asynccontextmanager
async def proxy_factory(jc: respx.Router) -> AsyncIterator[Callable[..., Proxy]]:
    """Builds proxies in front of `jc` with settings overrides; closes them at the end."""
    built: list[Proxy] = []

    def build(verdicts: KeyVerdicts | None = None, **overrides: Any) -> Proxy:
        settings = Settings(jumpcloud_url=JC_URL, retry_attempts=1, **overrides)
        built.append(Proxy(settings, jc, verdicts=verdicts))
        return built[-1]

    try:
        yield build
    finally:
        for proxy in built:
            await proxy.aclose()


@pytest.fixture(name="proxy")
async def proxy_fixture(jc: respx.Router) -> AsyncIterator[Callable[..., Proxy]]:
    """Builds proxies in front of `jc` with settings overrides; closes them afterwards."""
    async with proxy_factory(jc) as build:
        yield build
