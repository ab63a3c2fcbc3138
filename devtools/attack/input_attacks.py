"""Attacks 1, 7, 8, 10 and 11: hostile requests, sent many at once."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx

from devtools.attack.registry import Outcome, Target, attack, statuses

ISSUE_FILTER = "emails[type eq" + " " * 1_500 + 'x""y] eq "a"'


async def _many(target: Target, count: int, **request: Any) -> list[int]:
    """Send the same request `count` times at once; the statuses that came back."""
    async with httpx.AsyncClient(base_url=target.url, timeout=60) as client:
        answers = await asyncio.gather(*(client.request(**request) for _ in range(count)))
    return [a.status_code for a in answers]


def _all(codes: list[int], *allowed: int) -> Outcome:
    return Outcome(statuses(codes), all(code in allowed for code in codes))


@attack(1, "filter: 1,500 spaces in brackets, x50 at once")
async def filter_backtracking(target: Target) -> Outcome:
    codes = await _many(
        target, 50, method="GET", url="/scim/v2/Users", params={"filter": ISSUE_FILTER}, headers=target.auth
    )
    return _all(codes, 400)


@attack(1, "PATCH path: 2,000 spaces in brackets, x50")
async def patch_path_backtracking(target: Target) -> Outcome:
    path = "emails[type eq" + " " * 2_000 + 'x""y].value'
    body = {"Operations": [{"op": "replace", "path": path, "value": "a@b.co"}]}
    codes = await _many(
        target, 50, method="PATCH", url=f"/scim/v2/Users/{target.user_id}", json=body, headers=target.auth
    )
    return _all(codes, 400)


@attack(1, "POST body: 1 MiB key of spaces in brackets, x5")
async def body_key_backtracking(target: Target) -> Outcome:
    key = "emails[type eq" + " " * 1_000_000 + 'x""y]'
    body = json.dumps({"userName": "attack.key", "emails": [{"value": "attack.key@example.com"}], key: "x"})
    codes = await _many(target, 5, method="POST", url="/scim/v2/Users", content=body.encode(), headers=target.auth)
    return _all(codes, 201, 409, 413)


@attack(7, 'PATCH title "a\\ud800b" (lone surrogate), x20')
async def lone_surrogate(target: Target) -> Outcome:
    raw = b'{"Operations": [{"op": "replace", "path": "title", "value": "a\\ud800b"}]}'
    codes = await _many(
        target, 20, method="PATCH", url=f"/scim/v2/Users/{target.user_id}", content=raw, headers=target.auth
    )
    async with target.jumpcloud() as jumpcloud:
        stored = (await jumpcloud.get(f"/api/systemusers/{target.user_id}")).json().get("jobTitle", "")
    return Outcome(f"{statuses(codes)}; stored title {stored!r}", set(codes) == {400} and "\ud800" not in stored)


@attack(8, "Bearer t\\xe9st (non-ASCII token), x20")
async def non_ascii_token(target: Target) -> Outcome:
    codes = await _many(target, 20, method="GET", url="/scim/v2/Users", headers={"Authorization": b"Bearer t\xe9st"})
    return _all(codes, 401)


@attack(8, "ids + newline: user, group, org, member")
async def newline_ids(target: Target) -> Outcome:
    requests: list[dict[str, Any]] = [
        {"method": "GET", "url": f"/scim/v2/Users/{target.user_id}%0A"},
        {"method": "GET", "url": f"/scim/v2/Groups/{target.group_id}%0A"},
        {"method": "GET", "url": f"/orgs/{target.org_id}%0A/scim/v2/Users"},
        {
            "method": "PATCH",
            "url": f"/scim/v2/Groups/{target.group_id}",
            "json": {"Operations": [{"op": "add", "path": "members", "value": [{"value": f"{target.user_id}\n"}]}]},
        },
    ]
    async with httpx.AsyncClient(base_url=target.url, timeout=30) as client:
        codes = [(await client.request(**r, headers=target.auth)).status_code for r in requests]
    return _all(codes, 400, 404)


@attack(10, "Host: evil.example on a create and a trailing slash")
async def evil_host(target: Target) -> Outcome:
    headers = {**target.auth, "Host": "evil.example", "X-Forwarded-Host": "evil2.example"}
    name = f"attack.host.{uuid.uuid4().hex[:8]}"
    body = {"userName": name, "emails": [{"value": f"{name}@example.com"}]}
    async with httpx.AsyncClient(base_url=target.url, timeout=30) as client:
        created = await client.post("/scim/v2/Users", json=body, headers=headers)
        slash = await client.get("/scim/v2/ServiceProviderConfig/", headers=headers)
    location = created.headers.get("location", "")
    redirect = slash.headers.get("location")
    held = created.status_code == 201 and location.startswith(target.public_url) and redirect is None
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(location))
    return Outcome(f"{created.status_code} Location {origin}; slash {slash.status_code}, no redirect", held)


@attack(11, "NaN, -Infinity and 1e999 as employeeNumber")
async def non_finite(target: Target) -> Outcome:
    codes = []
    async with httpx.AsyncClient(base_url=target.url, timeout=30) as client:
        for number in (b"NaN", b"-Infinity", b"1e999"):
            raw = b'{"Operations": [{"op": "replace", "path": "employeeNumber", "value": ' + number + b"}]}"
            resp = await client.patch(f"/scim/v2/Users/{target.user_id}", content=raw, headers=target.auth)
            codes.append(resp.status_code)
    return _all(codes, 400)


@attack(11, 'emails[value eq "x"].value eq "admin@..." filter', max_calls=1)
async def inner_value_filter(target: Target) -> Outcome:
    """Both conditions must hold (RFC 7644's value filter), so the admin, whose one address is not "x",
    is not matched although JumpCloud's search for the address finds them; one search, no more."""
    async with target.jumpcloud() as jumpcloud:  # 400 "already exists" from the second run on
        await jumpcloud.post("/api/systemusers", json={"username": "attack.admin", "email": "admin@example.com"})
    text = 'emails[value eq "x"].value eq "admin@example.com"'
    async with httpx.AsyncClient(base_url=target.url, timeout=30) as client:
        resp = await client.get("/scim/v2/Users", params={"filter": text}, headers=target.auth)
    found = [r.get("userName") for r in resp.json().get("Resources", [])] if resp.status_code == 200 else []
    answer = f"{resp.status_code}, {len(found)} matched" + (f" ({', '.join(found)})" if found else "")
    return Outcome(answer, resp.status_code == 200 and not found)


@attack(11, "HEAD /Users and /Users/{id}, x20 each")
async def head_requests(target: Target) -> Outcome:
    codes = await _many(target, 20, method="HEAD", url="/scim/v2/Users", headers=target.auth)
    codes += await _many(target, 20, method="HEAD", url=f"/scim/v2/Users/{target.user_id}", headers=target.auth)
    return _all(codes, 405)
