"""Register rows JC-90 to JC-98 and JC-100: the requests the proxy really builds, sent to the target, do as expected.

Bodies come from the proxy's own pure builders (`mapping.update_body`, `filters.to_search_filter`)
and calls go through its `JumpCloudClient`, so a live run checks the proxy's requests themselves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from devtools.emulator import FaultRule, Faults
from scim_proxy.jumpcloud.client import JumpCloudClient, RetryPolicy
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.scim.filters import parse_filter, to_search_filter
from scim_proxy.translate import users as mapping

from .support import Guard, Names, Owned, Target, email_of, error_body

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]
Proxy = tuple[JumpCloudUsers, Credentials]


@pytest.fixture(name="proxy")
async def _proxy(target: Target, jc: httpx.Client, owned: Owned) -> AsyncIterator[Proxy]:
    """The proxy's JumpCloud client pointed at the target, behind the same guard as `jc`."""
    guard = Guard(owned, jc)  # `jc` only probes here (GET), and its own guard lets reads through

    async def check(request: httpx.Request) -> None:
        guard.check(request)

    http = httpx.AsyncClient(
        base_url=target.base_url, timeout=target.timeout, event_hooks={"request": [check], "response": []}
    )
    client = JumpCloudClient(http, retry=RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.05))
    async with http:
        yield JumpCloudUsers(client), Credentials(api_key=target.api_key, org_id=target.org_id)


def _put(jc: httpx.Client, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = jc.put(f"/api/systemusers/{user_id}", json=body)
    assert 200 == resp.status_code, resp.text
    user: dict[str, Any] = resp.json()
    return user


async def _lookup(proxy: Proxy, scim_filter: str) -> list[str]:
    """Usernames the proxy's search for a SCIM filter finds."""
    client, auth = proxy
    page = await client.search_users(to_search_filter(parse_filter(scim_filter)), skip=0, limit=10, auth=auth)
    return sorted(user.username for user in page.results)


async def test_jc_90_external_dn_round_trips_external_id(
    target: Target, jc: httpx.Client, make_user: MakeUser, names: Names, proxy: Proxy
) -> None:
    """SCIM externalId is kept in `external_dn` and found again, exactly, by the proxy's externalId filter."""
    external_id = f"9f1c2b7e-{names.user('ext')[-6:]}-Entra"
    body = mapping.update_body({"external_id": external_id})
    user = make_user(**body)
    make_user(external_dn=external_id.lower())  # a case-variant decoy: externalId is caseExact

    found = await settle_async(target, lambda: _lookup(proxy, f'externalId eq "{external_id}"'), [user["username"]])

    assert {"external_dn": external_id} == body
    assert external_id == user["external_dn"]
    assert [user["username"]] == found


async def settle_async(target: Target, probe: Callable[[], Any], expected: Any) -> Any:
    """Await `probe()` until it returns `expected` (once on the emulator, bounded on a live org)."""
    deadline = time.monotonic() + (15.0 if target.live else 0.0)
    while True:
        found = await probe()
        if found == expected or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.5)


def test_jc_91_reenable_sends_suspended_false_alone(jc: httpx.Client, make_user: MakeUser) -> None:
    """The proxy's re-enable body, `suspended: false` alone, reactivates a suspended user and leaves a staged one."""
    body = mapping.update_body({"active": True})
    staged = make_user(state="STAGED")
    suspended = make_user(state="SUSPENDED")

    after = [_put(jc, user["_id"], body) for user in (staged, suspended)]
    disabled = _put(jc, staged["_id"], mapping.update_body({"active": False}))

    assert {"suspended": False} == body
    assert [("STAGED", False), ("ACTIVATED", False)] == [(u["state"], u["suspended"]) for u in after]
    assert ("SUSPENDED", True) == (disabled["state"], disabled["suspended"])


async def test_jc_92_username_lookup_is_case_insensitive_and_literal(
    target: Target, make_user: MakeUser, names: Names, proxy: Proxy
) -> None:
    """The proxy's userName and email lookups match case-insensitively and literally (`.`, `-`, `+` escaped)."""
    base = names.user("first.last")
    user = make_user(username=base, email=email_of(base).replace("@", "+tag@"))
    make_user(username=base.replace(".", "x"))  # `.` must not match any character
    make_user(username=f"{base}-longer")  # the pattern must be anchored

    by_name = await settle_async(target, lambda: _lookup(proxy, f'userName eq "{base.upper()}"'), [base])
    by_email = await _lookup(proxy, f'emails[type eq "work"].value eq "{user["email"].upper()}"')

    assert ([base], [base]) == (by_name, by_email)


def test_jc_93_clearing_attribute_sends_empty_string(jc: httpx.Client, make_user: MakeUser) -> None:
    """The proxy clears a SCIM attribute by sending "" for the JumpCloud string, which clears it."""
    user = make_user(jobTitle="Engineer", department="R&D")
    body = mapping.update_body({"title": None, "department": None})

    after = _put(jc, user["_id"], body)

    assert {"jobTitle": "", "department": ""} == body
    assert ("", "") == (after["jobTitle"], after["department"])


def test_jc_94_removing_manager_sends_null(jc: httpx.Client, make_user: MakeUser) -> None:
    """The proxy removes a manager by sending `manager: null`, which clears it."""
    boss = make_user("boss")
    user = make_user(manager=boss["_id"])
    body = mapping.update_body({"manager": None})

    after = _put(jc, user["_id"], body)

    assert {"manager": None} == body
    assert None is after["manager"]


def test_jc_95_username_change_is_put_username(jc: httpx.Client, make_user: MakeUser, names: Names) -> None:
    """The proxy changes a userName with a PUT of `username`, which renames the user."""
    user = make_user()
    renamed = names.user("renamed")
    body = mapping.update_body({"user_name": renamed})

    after = _put(jc, user["_id"], body)

    assert {"username": renamed} == body
    assert renamed == after["username"]


async def test_jc_97_delete_sends_cascade_manager_null(jc: httpx.Client, make_user: MakeUser, proxy: Proxy) -> None:
    """The proxy's delete of a user who manages others succeeds, and their reports lose the manager."""
    boss = make_user("boss")
    report = make_user("report", manager=boss["_id"])
    client, auth = proxy

    await client.delete_user(boss["_id"], auth=auth)

    assert 404 == jc.get(f"/api/systemusers/{boss['_id']}").status_code
    assert None is jc.get(f"/api/systemusers/{report['_id']}").json()["manager"]


async def test_jc_98_retried_create_after_dropped_response_is_not_a_conflict(
    target: Target, jc: httpx.Client, names: Names, proxy: Proxy
) -> None:
    """A create whose answer was lost is committed: its retry is 400 already exists and a lookup finds the user."""
    username = names.user("retried")
    body = {"username": username, "email": email_of(username), "state": "STAGED"}
    if target.live:  # no way to drop a real answer: the first create's answer is simply ignored
        assert 200 == jc.post("/api/systemusers", json=body).status_code
    else:
        emulator = target.emulator
        assert emulator is not None
        emulator.faults = Faults(rules=[FaultRule(route="create_user", drop="after")])
        try:
            with pytest.raises(httpx.RemoteProtocolError):
                jc.post("/api/systemusers", json=body)
        finally:
            emulator.faults = Faults()

    retry = jc.post("/api/systemusers", json=body)
    found = await settle_async(target, lambda: _lookup(proxy, f'userName eq "{username}"'), [username])

    assert (400, error_body(400, "User already exists")) == (retry.status_code, retry.json())
    assert [username] == found


async def test_jc_100_username_look_up_right_after_a_create_finds_the_user(
    jc: httpx.Client, names: Names, proxy: Proxy
) -> None:
    """The proxy's username look-up, sent as soon as a create is answered, finds the user without settling."""
    username = names.user("fresh")
    created = jc.post("/api/systemusers", json={"username": username, "email": email_of(username), "state": "STAGED"})

    found = await _lookup(proxy, f'userName eq "{username}"')  # deliberately no settle(): that is the question

    assert 200 == created.status_code, created.text
    assert [username] == found
