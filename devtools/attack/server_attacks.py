"""Attacks 8 (aborted uploads) and 9 (slowloris, idle connections, huge heads) over raw connections."""

from __future__ import annotations

import asyncio
import time

from devtools.attack.registry import Outcome, Target, attack, log_size

HALF_HEAD = b"GET /scim/v2/Users HTTP/1.1\r\nHost: proxy\r\nX-Slow: "


async def _open(target: Target, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    host, port = target.url.removeprefix("http://").split(":")
    connections = []
    for start in range(0, count, 250):
        batch = [asyncio.open_connection(host, int(port)) for _ in range(start, min(count, start + 250))]
        connections += [c for c in await asyncio.gather(*batch, return_exceptions=True) if isinstance(c, tuple)]
    return connections


async def _closed_by_server(reader: asyncio.StreamReader, deadline: float) -> bool:
    """Whether the server closed the connection before `deadline` (monotonic time)."""
    try:
        while True:
            if not await asyncio.wait_for(reader.read(65_536), max(0.01, deadline - time.monotonic())):
                return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def _hold(target: Target, count: int, first_bytes: bytes) -> Outcome:
    began = time.monotonic()
    connections = await _open(target, count)
    for _, writer in connections:
        if first_bytes:
            writer.write(first_bytes)
    deadline = time.monotonic() + target.header_timeout + 5
    closed = await asyncio.gather(*(_closed_by_server(reader, deadline) for reader, _ in connections))
    for _, writer in connections:
        writer.close()
    spent = time.monotonic() - began
    answer = f"{sum(closed):,} of {len(connections):,} closed by the proxy within {spent:.1f} s"
    return Outcome(answer, len(connections) == count and all(closed))


@attack(9, "slowloris: 3,000 half-sent request heads")
async def slowloris(target: Target) -> Outcome:
    return await _hold(target, 3_000, HALF_HEAD)


@attack(9, "5,000 idle connections (nothing sent)")
async def idle_connections(target: Target) -> Outcome:
    return await _hold(target, 5_000, b"")


@attack(9, "request heads of 1 MiB, x20")
async def huge_heads(target: Target) -> Outcome:
    connections = await _open(target, 20)
    answers = []
    for _, writer in connections:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: p\r\nX-Big: " + b"a" * 1_048_576 + b"\r\n\r\n")
    for reader, writer in connections:
        try:
            answers.append(await asyncio.wait_for(reader.read(64), 30))
        except (TimeoutError, ConnectionError):
            answers.append(b"(reset)")
        writer.close()
    refused = sum(a.startswith(b"HTTP/1.1 431") or a == b"(reset)" for a in answers)
    return Outcome(f"{refused} of 20 refused (431 or reset)", refused == 20)


@attack(8, "1,000 uploads aborted mid-body (2,000/s)")
async def aborted_uploads(target: Target) -> Outcome:
    before = log_size(target)
    head = (
        b"POST /scim/v2/Users HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer "
        + target.token.encode()
        + b"\r\nContent-Length: 8192\r\n\r\n{"
    )
    for _ in range(10):
        connections = await _open(target, 100)
        for _, writer in connections:
            writer.write(head)
        await asyncio.sleep(0.05)
        for _, writer in connections:
            writer.transport.abort()
    await asyncio.sleep(0.5)
    added = target.log.read_bytes()[before:]
    tracebacks = added.count(b"Traceback")
    per = len(added) / 1_000
    answer = f"log +{len(added):,} B ({per:.0f} B each), {tracebacks} tracebacks"
    return Outcome(answer, tracebacks == 0 and per < 1_000)
