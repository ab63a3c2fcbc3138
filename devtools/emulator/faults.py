"""The outermost ASGI layer: counts requests per route and injects the configured faults.

It sits outside Starlette's ServerErrorMiddleware, so a drop is a real drop and not a 500.
Dropping works by starting the response with an impossible status: uvicorn marks the response
started, fails before writing a byte, and on our return closes the socket; the client sees a
connection closed without a response. In-process (httpx.ASGITransport) the same start is
accepted, so we raise what httpx raises over a socket: `httpx.RemoteProtocolError`.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus

import httpx
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devtools.emulator.config import FaultRule
from devtools.emulator.state import UNMATCHED_ROUTE, EmulatorState
from devtools.emulator.wording import error_body

_IMPOSSIBLE_STATUS = 0


class FaultMiddleware:
    """Count, then maybe delay, answer an error status, or drop before/after applying the request."""

    def __init__(self, app: ASGIApp, *, emulator: EmulatorState, routes: list[Route]) -> None:
        self.app = app
        self.emulator = emulator
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        route_name, template = self._route_of(scope)
        self.emulator.record_request(method=method, template=template, route_name=route_name)
        rule = self.emulator.pick_fault(method=method, path=path, route_name=route_name)
        if rule is None:
            await self.app(scope, receive, send)
            return
        await self._misbehave(rule, route_name, scope, receive, send)

    async def _misbehave(
        self, rule: FaultRule, route_name: str | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if rule.latency > 0:
            self.emulator.count_fault("latency", route_name)
            await asyncio.sleep(rule.latency)
        if rule.status is not None:
            self.emulator.count_fault(f"status_{rule.status}", route_name)
            body = _status_body(self.emulator, rule.status)
            await _answer_status(send, status=rule.status, body=body, retry_after=rule.retry_after)
        elif rule.drop == "before":
            self.emulator.count_fault("drop_before", route_name)
            await _drain(receive)  # closing with unread bytes would be a TCP reset, not a clean close
            await _drop(send)
        elif rule.drop == "after":
            self.emulator.count_fault("drop_after", route_name)
            await self.app(scope, receive, _discard)  # the write is applied; its answer is lost
            await _drop(send)
        else:
            await self.app(scope, receive, send)

    def _route_of(self, scope: Scope) -> tuple[str | None, str]:
        partial: Route | None = None
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route.name, route.path
            if match is Match.PARTIAL and partial is None:
                partial = route  # right path, wrong method: Starlette will answer 405
        return (None, partial.path) if partial else (None, UNMATCHED_ROUTE)


def _status_body(emulator: EmulatorState, status: int) -> bytes:
    phrase = HTTPStatus(status).phrase
    body = error_body(emulator.config.wording, status=status, register_body={"message": phrase}, message="try later")
    return json.dumps(body).encode()


async def _answer_status(send: Send, *, status: int, body: bytes, retry_after: int | None) -> None:
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Send) -> None:
    try:
        await send({"type": "http.response.start", "status": _IMPOSSIBLE_STATUS, "headers": []})
    except Exception:  # uvicorn refused it after marking the response started, so it will close
        return
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _discard(message: Message) -> None:
    pass
