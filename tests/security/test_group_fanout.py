"""Group member fan-out is bounded: a member cap at parse time, a few workers, a stop at the first rejection.

Issue 11, item 2: one PATCH adding 25,641 random member ids with a wrong token sent 25,641
calls to JumpCloud. Here JumpCloud is a respx router behind the app's real client.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.security.auth_app import JC_URL, proxy_factory

GOOD = {"Authorization": "Bearer tenant-key-0123456789"}
WRONG = {"Authorization": "Bearer wrong-key-0123456789"}
GID = "6026da081f24755306c2ee0d"
GROUP_URL = f"/scim/v2/Groups/{GID}"
MEMBERS = f"/api/v2/usergroups/{GID}/members"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
JC_GROUP = {"id": GID, "name": "Sales", "type": "user_group", "description": "", "attributes": None}

AppFactory = Callable[..., httpx.AsyncClient]


def member_ids(count: int, *, start: int = 0) -> list[str]:
    return [f"{n:024x}" for n in range(start, start + count)]


def add_members(ids: list[str]) -> dict[str, Any]:
    """An Entra-shaped PATCH adding `ids` in one operation."""
    return {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": i} for i in ids]}],
    }


def key_of(request: httpx.Request) -> str:
    return request.headers["x-api-key"]


@pytest.fixture(name="jc")
def _jc() -> respx.Router:
    """A stand-in JumpCloud: routes are declared by each test."""
    return respx.Router(base_url=JC_URL, assert_all_mocked=True, assert_all_called=False)


@pytest.fixture(name="proxy")
async def _proxy(jc: respx.Router) -> AsyncIterator[AppFactory]:
    """Builds our app in-process with settings overrides, its JumpCloud calls answered by `jc`."""
    async with proxy_factory(jc) as build:
        yield lambda **overrides: build(**overrides).at()


# -- the member cap, checked before any upstream call ---------------------------------------------


async def test_a_one_mebibyte_patch_of_member_ids_is_refused_before_any_call(
    proxy: AppFactory, jc: respx.Router
) -> None:
    """25,641 member ids (about 1 MiB) in one PATCH answer 400 invalidValue naming the limit; JumpCloud sees nothing."""
    client = proxy()
    body = json.dumps(add_members(member_ids(25_641))).encode()
    assert 1_000_000 < len(body) <= 1_048_576

    resp = await client.patch(GROUP_URL, content=body, headers={**WRONG, "content-type": "application/scim+json"})

    assert 400 == resp.status_code
    assert "invalidValue" == resp.json()["scimType"]
    assert "25641 members" in resp.json()["detail"]
    assert "at most 1000" in resp.json()["detail"]
    assert 0 == len(jc.calls)


async def test_the_member_cap_counts_every_operation_of_a_patch(proxy: AppFactory, jc: respx.Router) -> None:
    """Members spread over several operations (values and member filters) count together against the cap."""
    client = proxy(max_group_members=4)
    ids = member_ids(5)
    body = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Add", "path": "members", "value": [{"value": i} for i in ids[:2]]},
            {"op": "Remove", "path": "members", "value": [{"value": ids[2]}, {"value": ids[3]}]},
            {"op": "remove", "path": f'members[value eq "{ids[4]}"]'},
        ],
    }

    resp = await client.patch(GROUP_URL, json=body, headers=GOOD)

    assert (400, "invalidValue") == (resp.status_code, resp.json()["scimType"])
    assert "names 5 members; at most 4" in resp.json()["detail"]
    assert 0 == len(jc.calls)


@pytest.mark.parametrize("method", ["PUT", "POST"])
async def test_put_and_post_bodies_are_capped_too(proxy: AppFactory, jc: respx.Router, method: str) -> None:
    """A PUT or POST naming more members than the cap answers 400 with no JumpCloud call."""
    client = proxy(max_group_members=3)
    body = {"displayName": "Sales", "members": [{"value": i} for i in member_ids(4)]}
    url = GROUP_URL if method == "PUT" else "/scim/v2/Groups"

    resp = await client.request(method, url, json=body, headers=GOOD)

    assert (400, "invalidValue") == (resp.status_code, resp.json()["scimType"])
    assert "4 members" in resp.json()["detail"]
    assert 0 == len(jc.calls)


async def test_a_patch_at_the_cap_is_applied(proxy: AppFactory, jc: respx.Router) -> None:
    """Exactly `max_group_members` members are accepted: one JumpCloud call each, answer 204."""
    client = proxy(max_group_members=3)
    route = jc.post(MEMBERS).respond(204)

    resp = await client.patch(GROUP_URL, json=add_members(member_ids(3)), headers=GOOD)

    assert 204 == resp.status_code
    assert sorted(member_ids(3)) == sorted(json.loads(c.request.content)["id"] for c in route.calls)


# -- a rejected key stops the fan-out --------------------------------------------------------------


async def test_a_patch_with_a_wrong_key_costs_one_call(proxy: AppFactory, jc: respx.Router) -> None:
    """1,000 members with a key JumpCloud rejects: one member call, then 401 for the request, nothing else sent."""
    client = proxy()
    route = jc.post(MEMBERS).respond(401, json={"message": "Unauthorized: api key user not found"})

    resp = await client.patch(GROUP_URL, json=add_members(member_ids(1000)), headers=WRONG)

    assert 401 == resp.status_code
    assert "JumpCloud rejected the API key" in resp.json()["detail"]
    assert 'Bearer realm="scim-proxy"' == resp.headers["www-authenticate"]
    assert 1 == route.call_count
    assert 1 == len(jc.calls)


async def test_a_put_with_a_wrong_key_costs_one_call(proxy: AppFactory, jc: respx.Router) -> None:
    """A PUT replacing 1,000 members with a rejected key stops at its first call (the group read): one call, 401."""
    client = proxy()
    jc.get(f"/api/v2/usergroups/{GID}").respond(401, json={"message": "Unauthorized"})
    body = {"displayName": "Sales", "members": [{"value": i} for i in member_ids(1000)]}

    resp = await client.put(GROUP_URL, json=body, headers=WRONG)

    assert 401 == resp.status_code
    assert 1 == len(jc.calls)


async def test_a_post_with_a_wrong_key_costs_one_call(proxy: AppFactory, jc: respx.Router) -> None:
    """A POST with 1,000 members and a rejected key stops at the name look-up: one call, 401."""
    client = proxy()
    jc.get("/api/v2/usergroups").respond(401, json={"message": "Unauthorized"})
    body = {"displayName": "Sales", "members": [{"value": i} for i in member_ids(1000)]}

    resp = await client.post("/scim/v2/Groups", json=body, headers=WRONG)

    assert 401 == resp.status_code
    assert 1 == len(jc.calls)


async def test_a_one_mebibyte_patch_with_a_wrong_key_costs_one_call_even_without_the_cap(
    proxy: AppFactory, jc: respx.Router
) -> None:
    """With the cap lifted, 25,641 members and a wrong key still cost one JumpCloud call."""
    client = proxy(max_group_members=30_000)
    route = jc.post(MEMBERS).respond(401, json={"message": "Unauthorized"})

    resp = await client.patch(GROUP_URL, json=add_members(member_ids(25_641)), headers=WRONG)

    assert 401 == resp.status_code
    assert 1 == route.call_count


async def test_a_403_stops_the_fan_out_after_the_calls_in_flight(proxy: AppFactory, jc: respx.Router) -> None:
    """A key JumpCloud accepts but whose role may not change members: 403, and at most the five calls in flight."""
    client = proxy()
    jc.get(f"/api/v2/usergroups/{GID}").respond(200, json=JC_GROUP)  # makes the key known to work
    route = jc.post(MEMBERS).respond(403, json={"message": "Forbidden"})
    assert 200 == (await client.get(GROUP_URL, params={"excludedAttributes": "members"}, headers=GOOD)).status_code

    resp = await client.patch(GROUP_URL, json=add_members(member_ids(500)), headers=GOOD)

    assert 403 == resp.status_code
    assert "may not allow it" in resp.json()["detail"]
    assert 1 <= route.call_count <= 5


async def test_a_key_revoked_during_the_fan_out_stops_it(proxy: AppFactory, jc: respx.Router) -> None:
    """JumpCloud starts answering 401 after three member changes: the request answers 401, at most five calls later."""
    client = proxy()
    answers = iter([httpx.Response(204)] * 3)
    route = jc.post(MEMBERS).mock(side_effect=lambda request: next(answers, httpx.Response(401, json={})))
    jc.get(f"/api/v2/usergroups/{GID}").respond(200, json=JC_GROUP)
    assert 200 == (await client.get(GROUP_URL, params={"excludedAttributes": "members"}, headers=GOOD)).status_code

    resp = await client.patch(GROUP_URL, json=add_members(member_ids(500)), headers=GOOD)

    assert 401 == resp.status_code
    assert 4 <= route.call_count <= 3 + 5


# -- a bounded pool of workers, and a bounded number of calls per request -------------------------


async def test_member_changes_run_on_a_few_workers_not_one_task_each(proxy: AppFactory, jc: respx.Router) -> None:
    """2,000 member additions all reach JumpCloud while never more than a handful of tasks exist at once."""
    client = proxy(max_group_members=2000, max_calls_per_request=3000)
    tasks_seen: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        tasks_seen.append(len(asyncio.all_tasks()))
        return httpx.Response(204)

    route = jc.post(MEMBERS).mock(side_effect=answer)

    resp = await client.patch(GROUP_URL, json=add_members(member_ids(2000)), headers=GOOD)

    assert 204 == resp.status_code
    assert 2000 == route.call_count
    assert set(member_ids(2000)) == {json.loads(c.request.content)["id"] for c in route.calls}
    assert max(tasks_seen) <= 10  # the test's own task, the request's, five workers


async def test_a_request_stops_at_its_call_budget_and_keeps_what_it_did(proxy: AppFactory, jc: respx.Router) -> None:
    """With a budget of 10 calls, a 30-member PATCH sends exactly 10 and answers 503 naming the setting."""
    client = proxy(max_calls_per_request=10)
    route = jc.post(MEMBERS).respond(204)

    resp = await client.patch(GROUP_URL, json=add_members(member_ids(30)), headers=GOOD)

    assert 503 == resp.status_code
    assert "SCIM_PROXY_MAX_CALLS_PER_REQUEST" in resp.json()["detail"]
    assert "1" == resp.headers["retry-after"]
    assert 10 == route.call_count
    assert all(key_of(call.request) == "tenant-key-0123456789" for call in route.calls)


async def test_member_calls_are_recorded_in_the_order_they_were_sent(
    proxy: AppFactory, jc: respx.Router, tmp_path: Path
) -> None:
    """The recording lists a fan-out's calls as sent, not as answered, so a replay makes them in the same order."""
    client = proxy(record_path=str(tmp_path / "rec.jsonl"))
    first_answered = asyncio.Event()
    ids = member_ids(3)

    async def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["id"] == ids[0]:
            await first_answered.wait()  # the first member's answer comes last
        else:
            first_answered.set()
        return httpx.Response(204)

    jc.post(MEMBERS).mock(side_effect=answer)
    jc.get(f"/api/v2/usergroups/{GID}").respond(200, json=JC_GROUP)  # the key works: no call waits for a verdict
    assert 200 == (await client.get(GROUP_URL, params={"excludedAttributes": "members"}, headers=GOOD)).status_code

    resp = await client.patch(GROUP_URL, json=add_members(ids), headers=GOOD)

    _, line = [json.loads(text) for text in (tmp_path / "rec.jsonl").read_text().splitlines()]
    assert 204 == resp.status_code
    assert ids == [call["body"]["id"] for call in line["upstream"]]
    assert [204, 204, 204] == [call["status"] for call in line["upstream"]]
