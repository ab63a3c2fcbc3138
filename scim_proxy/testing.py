"""`scim_proxy.testing`: replay a recorded cassette against this build of the proxy, in-process.

    pytest_plugins = ["scim_proxy.testing"]          # root conftest.py: provides the `replay` fixture

    async def test_incident_4711(replay):
        await replay("tests/cassettes/incident-4711.jsonl")

Each recorded inbound request goes to `create_app(...)` through `httpx.ASGITransport`; the
app's JumpCloud client is answered, call by call, from the recorded upstream responses by a
`respx.Router` behind `httpx.MockTransport`. The proxy must make the same JumpCloud calls in
the same order (method, path, query, body) and give the same responses (status, body),
compared after `scim_proxy.ops.cassette.normalise`. The first divergence raises
`ReplayMismatch`, an AssertionError showing that exchange side by side.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from itertools import zip_longest
from typing import Any

import attrs
import httpx
import pytest
import respx

from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.ops.cassette import (
    NO_CALL,
    Cassette,
    describe,
    inbound_request,
    load,
    normalise,
    recorded_body,
    replayable,
    side_by_side,
)
from scim_proxy.ops.cassette import response_body as live_body
from scim_proxy.ops.recording import redact
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

REPLAY_JUMPCLOUD = "https://jumpcloud.replay.invalid"
REPLAY_TOKEN = "replay-api-key"  # noqa: S105 -- a placeholder the recorded JumpCloud never checks


class ReplayMismatch(AssertionError):
    """The proxy did not do what the cassette recorded; the message shows where, side by side."""


@attrs.frozen
class ReplayResult:
    """What a replay that passed covered."""

    requests: int
    upstream_calls: int


def replay_settings(settings: Settings | None = None) -> Settings:
    """Settings for a replay: yours (mapping options matter), never recording, quick retries."""
    base = settings or Settings(jumpcloud_url=REPLAY_JUMPCLOUD)
    return attrs.evolve(base, record_path="", retry_backoff=0.001, retry_backoff_max=0.01)


class RecordedJumpCloud:
    """Answers JumpCloud calls from one entry's recorded upstream list, in order; keeps what was asked."""

    def __init__(self) -> None:
        self.expected: list[dict[str, Any]] = []
        self.actual: list[dict[str, Any]] = []
        self.timeouts = False

    def begin(self, expected: list[dict[str, Any]], *, timeouts: bool) -> None:
        self.expected, self.actual, self.timeouts = list(expected), [], timeouts

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.actual.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query.decode(),
                "body": redact(body),
            }
        )
        if len(self.actual) > len(self.expected):
            return httpx.Response(501, json={"message": "scim_proxy.testing: this call is not in the cassette"})
        recorded = self.expected[len(self.actual) - 1]
        if recorded["status"] is None:  # the recorded call got no answer
            if self.timeouts:
                raise httpx.ReadTimeout("recorded timeout", request=request)
            raise httpx.ConnectError("recorded connection failure", request=request)
        answer = recorded.get("response_body")
        if answer is None:
            return httpx.Response(recorded["status"])
        if isinstance(answer, str):
            return httpx.Response(recorded["status"], text=answer)
        return httpx.Response(recorded["status"], json=answer)


async def replay(cassette: Cassette, *, settings: Settings | None = None) -> ReplayResult:
    """Replay `cassette` (a path, JSON lines or entries) in-process; raise ReplayMismatch on a difference."""
    entries = replayable(load(cassette))  # metadata lines hold nothing to resend
    settings = replay_settings(settings)
    jumpcloud = RecordedJumpCloud()
    router = respx.Router(assert_all_mocked=True, assert_all_called=False)
    router.route().mock(side_effect=jumpcloud)
    client = make_jumpcloud_client(settings, transport=httpx.MockTransport(router.async_handler))
    app = create_app(settings, jumpcloud=client)
    calls = 0
    async with (
        client.http,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replay.test") as http,
    ):
        for number, entry in enumerate(entries, 1):
            jumpcloud.begin(entry.get("upstream") or [], timeouts=entry["response"]["status"] == 504)
            response = await http.request(**inbound_request(entry, token=REPLAY_TOKEN))
            problem = first_difference(entry, jumpcloud.actual, response.status_code, live_body(response.content))
            if problem is not None:
                raise ReplayMismatch(
                    f"Replay diverged at request {number} of {len(entries)}: {describe(entry)}\n{problem}"
                )
            calls += len(jumpcloud.actual)
    return ReplayResult(requests=len(entries), upstream_calls=calls)


def first_difference(entry: dict[str, Any], calls: list[dict[str, Any]], status: int, body: Any) -> str | None:
    """None when the run matches the entry; else a report of the first call or answer that differs."""
    expected_calls = entry.get("upstream") or []
    for index, (recorded, actual) in enumerate(zip_longest(expected_calls, calls), 1):
        want = NO_CALL if recorded is None else _call(recorded)
        got = NO_CALL if actual is None else _call(actual)
        if want != got:
            what = _what_differs(want, got)
            counts = f"{len(expected_calls)} recorded, {len(calls)} made"
            return f"JumpCloud call {index} ({counts}) differs: {what}\n" + side_by_side(want, got)
    recorded_response = entry["response"]
    want_answer = {"status": recorded_response["status"], "body": normalise(recorded_body(recorded_response))}
    got_answer = {"status": status, "body": normalise(body)}
    if want_answer != got_answer:
        what = "status" if want_answer["status"] != got_answer["status"] else "body"
        return f"The proxy's response differs: {what}\n" + side_by_side(want_answer, got_answer)
    return None


def _call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": call["method"],
        "path": call["path"],
        "query": httpx.QueryParams(call.get("query") or "").multi_items(),
        "body": normalise(call.get("body")),
    }


def _what_differs(want: Any, got: Any) -> str:
    if want == NO_CALL:
        return "an extra call the recording does not have"
    if got == NO_CALL:
        return "a recorded call the proxy did not make"
    return ", ".join(k for k in ("method", "path", "query", "body") if want[k] != got[k])


Replayer = Callable[..., Awaitable[ReplayResult]]


@pytest.fixture(name="replay")
def replay_fixture() -> Replayer:
    """`await replay(cassette, settings=None)`: replay a cassette against this build (see module doc)."""
    return replay
