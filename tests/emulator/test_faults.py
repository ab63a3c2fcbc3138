"""Fault injection: statuses, latency, dropped connections (in-process and over a real socket), seeds."""

from __future__ import annotations

import time

import httpx
import pytest
from starlette.applications import Starlette

from devtools.emulator import (
    ROUTE_NAMES,
    EmulatorConfig,
    EmulatorState,
    FaultRule,
    Faults,
    create_emulator_app,
)
from devtools.servers import serve_in_thread

from .support import AUTH, BASE_URL, user_body


@pytest.mark.parametrize(("status", "retry_after"), [(429, 7), (503, None), (500, None)])
async def test_status_fault_answers_without_applying(
    client: httpx.AsyncClient, emulator: EmulatorState, status: int, retry_after: int | None
) -> None:
    """A status fault answers that status (with `Retry-After` when set) and the write never happens."""
    emulator.faults = Faults(rules=[FaultRule(route="create_user", status=status, retry_after=retry_after)])

    resp = await client.post("/api/systemusers", json=user_body())

    assert status == resp.status_code
    assert "message" in resp.json()
    assert (str(retry_after) if retry_after else None) == resp.headers.get("retry-after")
    assert ([], {f"status_{status}": 1}) == (emulator.users(), dict(emulator.fault_counts))


async def test_latency_fault_delays_then_answers(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """A latency-only fault answers normally, `latency` seconds late."""
    emulator.faults = Faults(rules=[FaultRule(method="GET", path_prefix="/api/systemusers", latency=0.05)])

    started = time.monotonic()
    resp = await client.get("/api/systemusers")

    assert resp.status_code == 200
    assert time.monotonic() - started >= 0.05
    assert dict(emulator.fault_counts) == {"latency": 1}


@pytest.mark.parametrize(("drop", "users_after"), [("before", 0), ("after", 1)])
async def test_drop_in_process_raises_remote_protocol_error(
    client: httpx.AsyncClient, emulator: EmulatorState, drop: str, users_after: int
) -> None:
    """In-process a drop raises httpx.RemoteProtocolError; "after" has applied the write, "before" not."""
    emulator.faults = Faults(rules=[FaultRule(route="create_user", drop=drop)])  # type: ignore[arg-type]

    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/systemusers", json=user_body())

    assert users_after == len(emulator.users())
    assert {f"drop_{drop}": 1} == dict(emulator.fault_counts)


@pytest.mark.parametrize(("drop", "users_after"), [("before", 0), ("after", 1)])
async def test_drop_over_a_real_socket_closes_the_connection(app: Starlette, drop: str, users_after: int) -> None:
    """Under uvicorn a drop closes the socket with no response; the client can reconnect afterwards."""
    emulator: EmulatorState = app.state.emulator
    emulator.faults = Faults(rules=[FaultRule(route="create_user", drop=drop)])  # type: ignore[arg-type]

    with serve_in_thread(app) as url:
        async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=5) as client:
            with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
                await client.post("/api/systemusers", json=user_body())
            emulator.faults = Faults()
            listed = await client.get("/api/systemusers")

    assert users_after == listed.json()["totalCount"] == len(emulator.users())


async def test_rules_select_by_route_method_and_prefix(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """A rule fires only where its route, method and path prefix all match; the first firing rule wins."""
    emulator.faults = Faults(
        rules=[
            FaultRule(route="update_user", status=500),
            FaultRule(method="post", path_prefix="/api/v2/", status=503),
            FaultRule(path_prefix="/api/v2/usergroups", status=429),
        ]
    )

    statuses = [
        (await client.post("/api/systemusers", json=user_body())).status_code,
        (await client.post("/api/v2/usergroups", json={"name": "g"})).status_code,
        (await client.get("/api/v2/usergroups")).status_code,
    ]

    assert statuses == [200, 503, 429]


async def sequence(seed: int, *, requests: int = 40) -> list[int]:
    """Statuses seen by `requests` searches against a fresh emulator faulting half the time with `seed`."""
    faults = Faults(seed=seed, rules=[FaultRule(route="search_users", rate=0.5, status=503)])
    app = create_emulator_app(EmulatorConfig(faults=faults))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=AUTH) as client:
        return [(await client.post("/api/search/systemusers", json={})).status_code for _ in range(requests)]


async def test_same_seed_same_faults() -> None:
    """Two runs with the same seed fault the same requests; another seed faults others; rate is respected."""
    first, again, other = await sequence(1), await sequence(1), await sequence(2)

    assert first == again
    assert first != other
    assert 10 <= first.count(503) <= 30


async def test_faults_switch_at_runtime_and_reset_restarts_the_sequence(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    """Assigning `faults` turns them on and off; `reset()` restarts the seeded sequence and clears counts."""
    emulator.faults = Faults(seed=3, rules=[FaultRule(route="list_users", rate=0.5, status=429)])
    before = [(await client.get("/api/systemusers")).status_code for _ in range(10)]
    emulator.reset()
    after_reset = [(await client.get("/api/systemusers")).status_code for _ in range(10)]
    emulator.faults = Faults()
    off = [(await client.get("/api/systemusers")).status_code for _ in range(5)]

    assert before == after_reset
    assert off == [200] * 5
    assert emulator.calls("list_users") == 15


def test_route_names_cover_every_route() -> None:
    """ROUTE_NAMES lists the names fault rules can use, one per method and path."""
    users = [
        "list_users",
        "create_user",
        "search_users",
        "get_user",
        "update_user",
        "delete_user",
        "activate_user",
    ]
    groups = ["list_groups", "create_group", "get_group", "update_group", "delete_group"]
    members = ["list_group_members", "change_group_members", "list_group_membership", "list_user_memberof"]

    assert sorted(ROUTE_NAMES) == sorted([*users, *groups, *members, "list_organizations"])


@pytest.mark.parametrize(
    "kwargs",
    [{"rate": 1.5}, {"status": 404}, {"status": 503, "drop": "before"}, {"drop": "sideways"}],
)
def test_invalid_rules_are_refused(kwargs: dict[str, object]) -> None:
    """A rate outside 0..1, a non-fault status, an unknown drop, or status plus drop raise ValueError."""
    with pytest.raises(ValueError):
        FaultRule(**kwargs)  # type: ignore[arg-type]


async def test_request_counters_use_route_templates(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    """Requests are counted per (method, route template), unknown paths under "<unmatched>"."""
    user_id = emulator.create_user(user_body())["_id"]
    await client.get(f"/api/systemusers/{user_id}")
    await client.get(f"/api/systemusers/{user_id}")
    await client.get("/api/nothing")

    assert dict(emulator.requests) == {("GET", "/api/systemusers/{id}"): 2, ("GET", "<unmatched>"): 1}
