"""Bare pass-through forwarders: Starlette in front, one pooled HTTP client behind, no translation.

They forward method, path, query, body and the JumpCloud headers verbatim and send back
status, body and content type: the cost of the server stack plus the HTTP client, which is
the floor the proxy's translation is measured against. Four clients:

- `httpx`: httpx.AsyncClient with its default transport (httpcore), configured as the proxy's;
- `httpx-aiohttp`: the same httpx.AsyncClient over `httpx_aiohttp.AiohttpTransport`;
- `httpx-httptools`: the same over the proxy's own transport (scim_proxy/jumpcloud/http11.py);
- `aiohttp`: aiohttp's own ClientSession (no httpx at all).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CLIENTS = ("httpx", "httpx-aiohttp", "httpx-httptools", "aiohttp")
_FORWARDED = ("x-api-key", "x-org-id", "content-type", "accept")
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50)


def httpx_transport(kind: str) -> httpx.AsyncBaseTransport | None:
    """The transport an httpx client should use for `kind` (None: httpx's default)."""
    if kind == "httpx":
        return None
    if kind == "httpx-aiohttp":
        from httpx_aiohttp import AiohttpTransport

        return AiohttpTransport(limits=_LIMITS)
    if kind == "httpx-httptools":
        from scim_proxy.jumpcloud.http11 import Http11Transport

        return Http11Transport(limits=_LIMITS)
    raise ValueError(f"not an httpx client kind: {kind}")


def create_forwarder(upstream: str, client: str) -> Starlette:
    """A forwarder of every path to `upstream` through `client` (one of CLIENTS)."""
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}; known: {', '.join(CLIENTS)}")
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if client == "aiohttp":
            import aiohttp

            connector = aiohttp.TCPConnector(limit=100)
            state["session"] = aiohttp.ClientSession(base_url=upstream, connector=connector)
        else:
            state["http"] = httpx.AsyncClient(
                base_url=upstream, transport=httpx_transport(client), limits=_LIMITS, timeout=10.0
            )
        try:
            yield
        finally:
            if "session" in state:
                await state["session"].close()
            if "http" in state:
                await state["http"].aclose()

    async def forward(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k in _FORWARDED}
        body = await request.body()
        path = request.url.path
        query = request.url.query
        if "session" in state:
            target = f"{path}?{query}" if query else path
            async with state["session"].request(
                request.method, target, data=body or None, headers=headers, allow_redirects=False
            ) as answer:
                content = await answer.read()
                status, media = answer.status, answer.headers.get("content-type")
        else:
            answer = await state["http"].request(
                request.method, httpx.URL(path, query=query.encode()), content=body or None, headers=headers
            )
            content, status, media = answer.content, answer.status_code, answer.headers.get("content-type")
        return Response(content, status_code=status, headers={"content-type": media} if media else None)

    async def healthz(request: Request) -> Response:
        return Response("ok")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(
        routes=[Route("/healthz", healthz), Route("/{path:path}", forward, methods=methods)], lifespan=lifespan
    )
