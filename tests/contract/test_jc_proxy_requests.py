"""Register rows JC-28, JC-90 to JC-98 and JC-108: the requests the proxy builds do what it expects.

Bodies come from the proxy's own pure builders (`mapping.update_body`, `search.user_search`)
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
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.translate import users as mapping
from scim_proxy.translate.search import user_search
from scim_proxy.translate.search_rules import user_tables

from .guard import Owned, guarded_proxy_client
from .ledger import Contract, containing, one_of
from .support import Names, Target, body_of, email_of, error_body, get_user, message_of

pytestmark = pytest.mark.live

MakeUser = Callable[..., dict[str, Any]]
Proxy = tuple[JumpCloudUsers, Credentials]


@pytest.fixture(name="proxy")
async def _proxy(target: Target, jc: httpx.Client, owned: Owned) -> AsyncIterator[Proxy]:
    """The proxy's JumpCloud client pointed at the target, behind the same guard as `jc`."""
    async with guarded_proxy_client(target, owned, jc) as client:  # `jc` only probes there (GET)
        yield JumpCloudUsers(client), Credentials(api_key=target.api_key, org_id=target.org_id)


def _put(jc: httpx.Client, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = jc.put(f"/api/systemusers/{user_id}", json=body)
    assert 200 == resp.status_code, resp.text
    user: dict[str, Any] = resp.json()
    return user


async def _lookup(proxy: Proxy, scim_filter: str) -> list[str]:
    """Usernames the proxy's search for a SCIM filter finds."""
    client, auth = proxy
    tables = user_tables(mapping.DEFAULT_MAPPING)
    search = user_search(parse(scim_filter), tables.attributes, tables.rules)
    assert search.exact, scim_filter  # JumpCloud's answer is the answer: no evaluation in the proxy here
    page = await client.search_users(search.query, skip=0, limit=10, auth=auth)
    return sorted(user.username for user in page.results)


async def test_jc_90_external_dn_round_trips_external_id(
    target: Target, make_user: MakeUser, names: Names, proxy: Proxy, contract: Contract
) -> None:
    """SCIM externalId is kept in `external_dn` and found again, exactly, by the proxy's externalId filter."""
    external_id = f"9f1c2b7e-{names.user('ext')}-Entra"  # the run prefix keeps it apart from other runs
    body = mapping.update_body({"external_id": external_id})
    user = make_user(**body)
    make_user(external_dn=external_id.lower())  # a case-variant decoy: externalId is caseExact

    found = await settle_async(target, lambda: _lookup(proxy, f'externalId eq "{external_id}"'), [user["username"]])

    contract.relies("the proxy sends externalId as external_dn", {"external_dn": external_id}, body)
    contract.relies("which is stored as sent", external_id, user["external_dn"])
    contract.relies("and found exactly (not the case-variant decoy)", [user["username"]], found)


async def settle_async(target: Target, probe: Callable[[], Any], expected: Any) -> Any:
    """Await `probe()` until it returns `expected` (once on the emulator, bounded on a live org)."""
    deadline = time.monotonic() + (15.0 if target.live else 0.0)
    while True:
        found = await probe()
        if found == expected or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.5)


def test_jc_91_reenable_sends_suspended_false_alone(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """The proxy's re-enable body, `suspended: false` alone, reactivates a suspended user and leaves a staged one."""
    body = mapping.update_body({"active": True})
    staged = make_user(state="STAGED")
    suspended = make_user(state="SUSPENDED")

    after = [_put(jc, user["_id"], body) for user in (staged, suspended)]
    disabled = _put(jc, staged["_id"], mapping.update_body({"active": False}))

    contract.relies("the proxy's re-enable body", {"suspended": False}, body)
    contract.relies(
        "leaves STAGED staged and reactivates SUSPENDED",
        [("STAGED", False), ("ACTIVATED", False)],
        [(u["state"], u["suspended"]) for u in after],
    )
    contract.relies(
        "the proxy's disable body suspends", ("SUSPENDED", True), (disabled["state"], disabled["suspended"])
    )


async def test_jc_92_username_lookup_is_case_insensitive_and_literal(
    target: Target, make_user: MakeUser, names: Names, proxy: Proxy, contract: Contract
) -> None:
    """The proxy's userName and email lookups match case-insensitively and literally (`.`, `-`, `+` escaped)."""
    base = names.user("first.last")
    user = make_user(username=base, email=email_of(base).replace("@", "+tag@"))
    make_user(username=base.replace(".", "x"))  # `.` must not match any character
    make_user(username=f"{base}-longer")  # the pattern must be anchored

    by_name = await settle_async(target, lambda: _lookup(proxy, f'userName eq "{base.upper()}"'), [base])
    by_email = await _lookup(proxy, f'emails[type eq "work"].value eq "{user["email"].upper()}"')

    contract.relies("userName eq finds exactly the user, in any case", [base], by_name)
    contract.relies("so does the email lookup", [base], by_email)


def test_jc_93_clearing_attribute_sends_empty_string(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """The proxy clears a SCIM attribute by sending "" for the JumpCloud string, which clears it."""
    user = make_user(jobTitle="Engineer", department="R&D")
    body = mapping.update_body({"title": None, "department": None})

    after = _put(jc, user["_id"], body)

    contract.relies("the proxy's clearing body", {"jobTitle": "", "department": ""}, body)
    contract.relies("clears both", ("", ""), (after["jobTitle"], after["department"]))


def test_jc_94_removing_manager_sends_null(jc: httpx.Client, make_user: MakeUser, contract: Contract) -> None:
    """The proxy removes a manager by sending `manager: null`, which clears it."""
    boss = make_user("boss")
    user = make_user(manager=boss["_id"])
    body = mapping.update_body({"manager": None})

    after = _put(jc, user["_id"], body)

    contract.relies("the proxy's body", {"manager": None}, body)
    contract.relies("clears the manager", one_of(None, ""), after["manager"])


def test_jc_95_username_change_is_put_username(
    jc: httpx.Client, make_user: MakeUser, names: Names, contract: Contract
) -> None:
    """The proxy changes a userName with a PUT of `username`, which renames the user."""
    user = make_user()
    renamed = names.user("renamed")
    body = mapping.update_body({"user_name": renamed})

    after = _put(jc, user["_id"], body)

    contract.relies("the proxy's body", {"username": renamed}, body)
    contract.relies("renames the user", renamed, after["username"])


async def test_jc_97_delete_sends_cascade_manager_null(
    jc: httpx.Client, make_user: MakeUser, proxy: Proxy, contract: Contract
) -> None:
    """The proxy's delete of a user who manages others succeeds, and their reports lose the manager."""
    boss = make_user("boss")
    report = make_user("report", manager=boss["_id"])
    client, auth = proxy

    await client.delete_user(boss["_id"], auth=auth)

    contract.relies("the manager is gone", 404, jc.get(f"/api/systemusers/{boss['_id']}").status_code)
    contract.relies("and the report has no manager", one_of(None, ""), get_user(jc, report["_id"])["manager"])


async def test_jc_98_retried_create_after_dropped_response_is_not_a_conflict(
    target: Target, jc: httpx.Client, names: Names, proxy: Proxy, contract: Contract
) -> None:
    """A create whose answer was lost is committed: its retry is 400 already exists and a lookup finds the user."""
    username = names.user("retried")
    body = {"username": username, "email": email_of(username), "state": "STAGED"}
    if target.emulator is None:  # nothing can drop a real org's answer: the first create's answer is ignored
        jc.post("/api/systemusers", json=body)
    else:  # the emulator commits the create and closes the connection without an answer
        target.emulator.faults = Faults(rules=[FaultRule(route="create_user", drop="after")])
        try:
            with pytest.raises(httpx.RemoteProtocolError):
                jc.post("/api/systemusers", json=body)
        finally:
            target.emulator.faults = Faults()

    retry = jc.post("/api/systemusers", json=body)
    found = await settle_async(target, lambda: _lookup(proxy, f'userName eq "{username}"'), [username])

    contract.relies("the retry is refused as a duplicate", one_of(400, 409), retry.status_code)
    if retry.status_code == 400:  # the proxy reads duplicates from a look-up, not from the words (JC-35)
        contract.observes("naming it", containing("already exist"), message_of(retry))
    contract.relies("and the proxy's lookup finds the committed user", [username], found)
    contract.observes("the refusal", (400, error_body(400, "User already exists")), (retry.status_code, body_of(retry)))


async def test_jc_28_filter_translation_finds_what_scim_says(
    target: Target, make_user: MakeUser, names: Names, proxy: Proxy, contract: Contract
) -> None:
    """Filters the proxy translates exactly (co/sw/ew, not, or, pr, dates, active) find exactly SCIM's answer."""
    tag = names.user("flt")
    guide = make_user(username=f"{tag}-guide", lastname="Employee", jobTitle="Guide", external_dn="B-2")
    plain = make_user(username=f"{tag}-plain", lastname="Other", state="SUSPENDED")
    both = sorted([guide["username"], plain["username"]])
    mine = f'userName sw "{tag}"'

    def among(scim_filter: str) -> str:
        return f"{mine} and ({scim_filter})"

    found = await settle_async(
        target, lambda: _lookup(proxy, among('name.familyName eq "EMPLOYEE"')), [guide["username"]]
    )

    contract.relies("case-insensitive eq (anchored regex)", [guide["username"]], found)
    expectations = [
        ("ew (regex anchored at the end)", 'userName ew "-GUIDE"', [guide["username"]]),
        ("co (unanchored regex)", 'userName co "-"', both),
        ('not pr ($in of "" and null)', "not (title pr)", [plain["username"]]),
        ("not eq on a caseExact value ($ne)", 'not (externalId eq "B-2")', [plain["username"]]),
        ("or of an order and a null test", 'externalId gt "A" or title eq null', both),
        ("active rebuilt from suspended, state, password_expired", "active eq true", [guide["username"]]),
        ("meta.created as created with ISO strings", 'meta.created gt "2000-01-01T00:00:00Z"', both),
        ("an offset date is converted to UTC", 'meta.lastModified lt "2000-01-01T00:00:00+01:00"', []),
    ]
    for name, scim_filter, wanted in expectations:
        contract.relies(name, wanted, await _lookup(proxy, among(scim_filter)))


async def test_jc_108_username_look_up_right_after_a_create_finds_the_user(
    jc: httpx.Client, names: Names, proxy: Proxy, contract: Contract
) -> None:
    """The proxy's username look-up, sent as soon as a create is answered, finds the user without settling."""
    username = names.user("fresh")
    created = jc.post("/api/systemusers", json={"username": username, "email": email_of(username), "state": "STAGED"})

    found = await _lookup(proxy, f'userName eq "{username}"')  # deliberately no settle(): that is the question

    contract.relies("the create is answered", 200, created.status_code)
    contract.relies("the look-up right after it finds the user", [username], found)
