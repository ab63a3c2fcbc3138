"""The httpx client every JumpCloud call goes through: no cookies, no redirects, no hooks, one transport.

One client serves every API key, so a cookie JumpCloud set for one admin's key must never ride
along with another's request: CookielessTransport drops `Set-Cookie` from every answer, and the
client's jar never takes one (httpx built urllib stand-ins for every answer, ~25 µs of CPU, to
look for cookies we drop anyway).

Because this client is configured that way (no auth, no event hooks, redirects not followed,
no cookies, one transport), `exchange()` does what `AsyncClient.send()` would do with it, without
the machinery it would not use (~13 µs per call): JumpCloudClient sends through it.
"""

from __future__ import annotations

from typing import Any

import httpx


class _NoCookies(httpx.Cookies):
    """A cookie jar that never takes a cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class CookielessTransport(httpx.AsyncBaseTransport):
    """Drops `Set-Cookie` from JumpCloud's answers before anything else sees them."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if "set-cookie" in response.headers:
            del response.headers["set-cookie"]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class CookielessClient(httpx.AsyncClient):
    """httpx.AsyncClient over one CookielessTransport, its jar always empty, redirects never followed."""

    def __init__(self, transport: CookielessTransport, **options: Any) -> None:
        for refused in ("auth", "event_hooks", "mounts", "cookies", "follow_redirects"):
            if options.pop(refused, None):
                raise ValueError(f"the JumpCloud client takes no {refused}")
        # Redirects never followed: a redirect could lead the API key to another host.
        super().__init__(transport=transport, follow_redirects=False, **options)
        self._only_transport = transport

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        if cookies:
            raise ValueError("the JumpCloud client keeps no cookies")

    async def exchange(self, request: httpx.Request) -> httpx.Response:
        """`send(request)` for this client: the transport's answer, read whole, tied to its request."""
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = await self._only_transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response
