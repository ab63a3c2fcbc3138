"""`scim-proxy replay FILE --against URL`: resend a cassette's inbound requests to a running proxy.

For staging: the proxy there talks to its own JumpCloud, so only what Entra would see is
compared, the status and the body of each answer (after `scim_proxy.ops.cassette.normalise`).
That JumpCloud hands out its own ids: when a recorded answer said `"id": A` and the live one
says `"id": B`, later requests have A replaced by B, and live answers have B read back as A
before comparing. The bearer token comes from an environment variable, never a flag, and is
never written anywhere. Exit status: 0 all equal, 1 differences, 2 could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any

import httpx

from scim_proxy.ops.cassette import (
    describe,
    inbound_request,
    load,
    normalise,
    recorded_body,
    replayable,
    response_body,
    side_by_side,
)


class IdMap:
    """Recorded ids -> the ids the live system gave the same resources."""

    def __init__(self) -> None:
        self.live: dict[str, str] = {}

    def learn(self, recorded: Any, live: Any) -> None:
        """Walk both answers in step; every `id` that differs is remembered."""
        if isinstance(recorded, dict) and isinstance(live, dict):
            rid, lid = recorded.get("id"), live.get("id")
            if isinstance(rid, str) and isinstance(lid, str) and rid != lid:
                self.live[rid] = lid
            for key, value in recorded.items():
                self.learn(value, live.get(key))
        elif isinstance(recorded, list) and isinstance(live, list):
            for a, b in zip(recorded, live, strict=False):
                self.learn(a, b)

    def to_live(self, value: Any) -> Any:
        return _substitute(value, self.live)

    def to_recorded(self, value: Any) -> Any:
        return _substitute(value, {v: k for k, v in self.live.items()})


def _substitute(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in ids.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_substitute(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, ids) for k, v in value.items()}
    return value


async def replay_against(
    entries: list[dict[str, Any]],
    *,
    base_url: str,
    token: str | None,
    transport: httpx.AsyncBaseTransport | None = None,
    write: Callable[[str], object] = print,
) -> int:
    """Send every entry to the proxy at `base_url`; write a report; return the number of differences."""
    base_url = base_url.rstrip("/").removesuffix("/scim/v2")
    ids = IdMap()
    differences = 0
    async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=60) as http:
        for number, entry in enumerate(entries, 1):
            request = inbound_request(entry, token=token)
            request["url"] = ids.to_live(request["url"])
            if request["content"] is not None:
                request["content"] = ids.to_live(request["content"].decode()).encode()
            try:
                response = await http.request(**request)
            except httpx.HTTPError as exc:
                differences += 1
                write(f"DIFF {number:>3}  {describe(entry)}\n  no answer: {type(exc).__name__}")
                continue
            live = response_body(response.content)
            ids.learn(recorded_body(entry["response"]), live)
            want = {
                "status": entry["response"]["status"],
                "body": normalise(recorded_body(entry["response"])),
            }
            got = {"status": response.status_code, "body": normalise(ids.to_recorded(live))}
            if want == got:
                write(f"ok   {number:>3}  {describe(entry)}")
                continue
            differences += 1
            write(f"DIFF {number:>3}  {describe(entry)}\n{side_by_side(want, got)}")
    write(f"{len(entries)} requests replayed against {base_url}: {differences} with differences")
    return differences


def run(args: argparse.Namespace) -> int:
    """The `replay` command: load the cassette, read the token from the environment, replay."""
    try:
        entries = replayable(load(args.file))  # metadata lines hold nothing to resend
    except (OSError, ValueError) as exc:
        print(f"scim-proxy replay: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    token = os.environ.get(args.token_env, "").strip() or None
    if token is None and any(e["request"].get("auth") == "bearer" for e in entries):
        print(
            f"scim-proxy replay: set {args.token_env} to the bearer token (the JumpCloud API key) "
            "the staging proxy should forward; it is never a flag",
            file=sys.stderr,
        )
        return 2
    differences = asyncio.run(replay_against(entries, base_url=args.against, token=token))
    return 1 if differences else 0
