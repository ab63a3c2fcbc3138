"""Attacks 3, 5 and 6 on the `--record` file: freezing it, flushing it, bypassing it, feeding it passwords."""

from __future__ import annotations

import asyncio
import json

import httpx

from devtools.attack.registry import Outcome, Target, attack, recording_bytes, statuses

PASSWORD = "Attack-Pa55word-Value"  # noqa: S105 -- a marker searched for in the recording


@attack(3, '"password" x 131,072 (1 MiB, not JSON), no token, x5')
async def recorder_backtracking(target: Target) -> Outcome:
    body = b'"' + b"password" * 131_071
    before = len(recording_bytes(target))
    async with httpx.AsyncClient(base_url=target.url, timeout=120) as client:
        answers = await asyncio.gather(*(client.post("/scim/v2/Users", content=body) for _ in range(5)))
    added = recording_bytes(target)[before:]
    codes = [a.status_code for a in answers]
    stored = b"passwordpassword" in added
    return Outcome(
        f"{statuses(codes)}; recording +{len(added):,} B, body stored: {stored}", set(codes) == {401} and not stored
    )


@attack(5, "flush: 300 x 1 MiB JSON bodies to unknown paths, no token")
async def recording_flush(target: Target) -> Outcome:
    body = json.dumps({"junk": "x" * 1_048_000}).encode()
    before = len(recording_bytes(target))
    codes = []
    async with httpx.AsyncClient(base_url=target.url, timeout=120) as client:
        for start in range(0, 300, 20):
            batch = [client.post(f"/scim/v2/Nowhere{n}", content=body) for n in range(start, start + 20)]
            codes += [a.status_code for a in await asyncio.gather(*batch)]
    grown = len(recording_bytes(target)) - before
    return Outcome(f"{statuses(codes)}; recording +{grown:,} B ({grown // 300} B per request)", grown < 300 * 1_000)


@attack(5, 'authenticated DELETE carrying {"n":"\\ud800"}')
async def surrogate_delete(target: Target) -> Outcome:
    async with target.jumpcloud() as jumpcloud:
        seeded = await jumpcloud.post(
            "/api/systemusers", json={"username": "attack.delete", "email": "a.d@example.com"}
        )
    created = seeded.json()
    async with httpx.AsyncClient(base_url=target.url, timeout=30) as client:
        resp = await client.request(
            "DELETE",
            f"/scim/v2/Users/{created['_id']}",
            content=b'{"n":"\\ud800"}',
            headers={**target.auth, "X-Request-ID": "attack-surrogate-delete"},
        )
    recorded = b'"attack-surrogate-delete"' in recording_bytes(target)
    return Outcome(f"{resp.status_code}; line written: {recorded}", resp.status_code == 204 and recorded)


SHAPES = [
    {"op": "replace", "path": "password ", "value": PASSWORD},
    {"op": "replace", "path": "password\t", "value": PASSWORD},
    {"op": "replace", "path": "pass\u200bword", "value": PASSWORD},
    {"op": "replace", "path": "passwd", "value": PASSWORD},
    {"op": "replace", "value": {"password ": PASSWORD}},
]


@attack(6, "passwords: 5 PATCH shapes, JSON+garbage, form, 2 MiB body")
async def password_shapes(target: Target) -> Outcome:
    url = f"/scim/v2/Users/{target.user_id}"
    async with httpx.AsyncClient(base_url=target.url, timeout=60) as client:
        codes = [(await client.patch(url, json={"Operations": [s]}, headers=target.auth)).status_code for s in SHAPES]
        for content, kind in (
            (json.dumps({"password": PASSWORD}).encode() + b" garbage", "application/json"),
            (f"userName=x&password={PASSWORD}".encode(), "application/x-www-form-urlencoded"),
            (json.dumps({"password": PASSWORD, "pad": "x" * 2_000_000}).encode(), "application/json"),
        ):
            resp = await client.post("/scim/v2/Users", content=content, headers={**target.auth, "Content-Type": kind})
            codes.append(resp.status_code)
    leaked = PASSWORD.encode() in recording_bytes(target)
    return Outcome(f"{statuses(codes)}; password in recording: {leaked}", not leaked)
