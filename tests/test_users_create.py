"""POST /Users when JumpCloud fails or refuses: when a create is sent again, recovered, or a conflict.

A 429 is resent (JumpCloud did nothing); after a 5xx, a timeout or a dropped connection the
user is looked up first and the create resent only if it was not applied; a 400 or 409 is
read by asking JumpCloud who holds the unique values, never by its wording.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from scim_proxy.settings import Settings

from .helpers import AUTH, JC_URL, USER_ID, jc_user, sent_json
from .test_users_write import ENTRA_CREATE

CREATE = "/api/systemusers"
SEARCH = "/api/search/systemusers"
EXTERNAL_ID = ENTRA_CREATE["externalId"]
NOBODY: dict[str, Any] = {"totalCount": 0, "results": []}


def found(**overrides: Any) -> dict[str, Any]:
    """A search answer holding one user."""
    return {"totalCount": 1, "results": [jc_user(**overrides)]}


def searched(route: respx.Route) -> list[dict[str, Any]]:
    """The filter terms of every search `route` received, in order."""
    return [json.loads(call.request.content)["filter"]["and"][0] for call in route.calls]


def regex(value: str) -> dict[str, str]:
    return {"$regex": f"(?i)(^{value}$)"}


def sequence(jc: respx.Router) -> list[str]:
    """The JumpCloud calls made, as "create" and "search", in order."""
    return ["create" if call.request.url.path == CREATE else "search" for call in jc.calls]


async def test_create_throttled_is_resent_after_retry_after(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A 429 on create is resent without a look-up (JumpCloud did nothing) and the user is created once: 201."""
    create = jc.post(CREATE)
    create.side_effect = [httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json=jc_user())]

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (201, USER_ID) == (resp.status_code, resp.json()["id"])
    assert ["create", "create"] == sequence(jc)
    assert create.calls[0].request.content == create.calls[1].request.content


async def test_create_throttled_beyond_the_cap_is_429_at_once(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A Retry-After longer than our cap is not slept through: one send, SCIM 429 carrying the hint."""
    jc.post(CREATE).respond(429, headers={"Retry-After": "120"})

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (429, "121") == (resp.status_code, resp.headers["retry-after"])
    assert ["create"] == sequence(jc)


@pytest.mark.parametrize(
    "settings", [Settings(jumpcloud_url=JC_URL, retry_attempts=3, retry_after_cap=10.0, request_deadline=2.0)]
)
async def test_create_throttled_past_the_deadline_is_429_at_once(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A Retry-After that would end after the request's deadline is not waited for: one send, SCIM 429."""
    jc.post(CREATE).respond(429, headers={"Retry-After": "5"})

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (429, "6") == (resp.status_code, resp.headers["retry-after"])
    assert ["create"] == sequence(jc)


@pytest.mark.parametrize("failure", [httpx.Response(500), httpx.Response(503), httpx.ReadTimeout("lost")])
async def test_create_not_applied_is_looked_up_then_resent(
    client: httpx.AsyncClient, jc: respx.Router, failure: httpx.Response | Exception
) -> None:
    """After a 5xx or a timeout the username is looked up; not there, the same create is sent again: 201."""
    create = jc.post(CREATE)
    create.side_effect = [failure, httpx.Response(200, json=jc_user(username="jane.doe"))]
    search = jc.post(SEARCH).respond(200, json=NOBODY)

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (201, USER_ID) == (resp.status_code, resp.json()["id"])
    assert ["create", "search", "create"] == sequence(jc)
    assert [{"username": regex(r"jane\.doe")}] == searched(search)
    assert create.calls[0].request.content == create.calls[1].request.content


async def test_create_applied_with_its_answer_lost_is_201_not_resent(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """A dropped answer whose create was applied (same externalId) is answered 201 with that user, sent once."""
    jc.post(CREATE).mock(side_effect=httpx.RemoteProtocolError("Server disconnected without sending a response."))
    jc.post(SEARCH).respond(200, json=found(username="jane.doe", external_dn=EXTERNAL_ID))

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (201, USER_ID) == (resp.status_code, resp.json()["id"])
    assert ["create", "search"] == sequence(jc)


async def test_create_without_external_id_is_recovered_by_email(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """With no externalId in the request, an applied create is recognised by its email."""
    jc.post(CREATE).respond(502)
    jc.post(SEARCH).respond(200, json=found(username="jdoe", email="JDoe@Example.com"))

    resp = await client.post(
        "/scim/v2/Users", json={"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}]}, headers=AUTH
    )

    assert (201, USER_ID) == (resp.status_code, resp.json()["id"])
    assert ["create", "search"] == sequence(jc)


async def test_unanswered_create_whose_name_another_user_holds_is_409(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """An unanswered create whose username turns out to belong to someone else is 409, not resent."""
    jc.post(CREATE).mock(side_effect=httpx.ReadTimeout("slow"))
    jc.post(SEARCH).respond(200, json=found(username="jane.doe", external_dn="someone-else"))

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert f"userName 'jane.doe' is already taken in JumpCloud by user {USER_ID}" == resp.json()["detail"]
    assert ["create", "search"] == sequence(jc)


async def test_resend_meeting_already_exists_looks_again_and_recovers(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """A resend after an unanswered create that meets 400 is our own user (a lagging look-up): 201, one user."""
    create = jc.post(CREATE)
    create.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(400, json={"message": "User already exists"})]
    search = jc.post(SEARCH)
    search.side_effect = [
        httpx.Response(200, json=NOBODY),
        httpx.Response(200, json=found(username="jane.doe", external_dn=EXTERNAL_ID)),
    ]

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (201, USER_ID) == (resp.status_code, resp.json()["id"])
    assert ["create", "search", "create", "search"] == sequence(jc)


async def test_create_failing_every_time_stops_at_the_attempt_budget(
    client: httpx.AsyncClient, jc: respx.Router, settings: Settings
) -> None:
    """A create that keeps meeting 503 is sent retry_attempts times, one at a time, each followed by a look-up."""
    jc.post(CREATE).respond(503)
    jc.post(SEARCH).respond(200, json=NOBODY)

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (503, "503") == (resp.status_code, resp.json()["status"])
    assert int(resp.headers["retry-after"]) >= 1
    assert ["create", "search"] * settings.retry_attempts == sequence(jc)


async def test_create_whose_look_up_fails_is_answered_as_it_is(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """When the look-up after a 503 fails too, nobody can tell whether the create was applied: 503, sent once."""
    jc.post(CREATE).respond(503)
    jc.post(SEARCH).respond(503)

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert 503 == resp.status_code
    assert 1 == sequence(jc).count("create")


async def test_repeated_post_of_the_same_user_is_409_uniqueness(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A client's POST repeating a user it created (same externalId) is 409 naming userName (RFC 7644 §3.3)."""
    create = jc.post(CREATE).respond(400, json={"message": "User already exists"})
    jc.post(SEARCH).respond(200, json=found(username="jane.doe", external_dn=EXTERNAL_ID))

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (409, "409", "uniqueness") == (resp.status_code, resp.json()["status"], resp.json()["scimType"])
    assert f"userName 'jane.doe' is already taken in JumpCloud by user {USER_ID}" == resp.json()["detail"]
    assert 1 == create.call_count


@pytest.mark.parametrize("refusal", [(400, "Bad Request"), (409, "Conflict"), (400, "User already exists")])
async def test_refusal_is_read_by_who_holds_the_email(
    client: httpx.AsyncClient, jc: respx.Router, refusal: tuple[int, str]
) -> None:
    """A 400 or 409 on create, whatever its words, is 409 naming emails when another user holds the address."""
    jc.post(CREATE).respond(refusal[0], json={"message": refusal[1]})
    search = jc.post(SEARCH)
    search.side_effect = [
        httpx.Response(200, json=NOBODY),
        httpx.Response(200, json=found(email="jane.doe@contoso.com")),
    ]

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert "emails 'jane.doe@contoso.com' is already taken" in resp.json()["detail"]
    assert [{"username": regex(r"jane\.doe")}, {"email": regex(r"jane\.doe\@contoso\.com")}] == searched(search)


async def test_employee_number_held_by_another_user_is_409_naming_it(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """A create refused for its employee number is 409 naming employeeNumber, after username and email are free."""
    jc.post(CREATE).respond(400, json={"message": "User already exists"})
    search = jc.post(SEARCH)
    search.side_effect = [
        httpx.Response(200, json=NOBODY),
        httpx.Response(200, json=NOBODY),
        httpx.Response(200, json=found(employeeIdentifier="701984")),
    ]

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (409, "uniqueness") == (resp.status_code, resp.json()["scimType"])
    assert "employeeNumber '701984' is already taken" in resp.json()["detail"]


async def test_400_nobody_explains_stands_as_invalid_value(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A 400 on create with no user holding the username, email or employee number stays 400 invalidValue."""
    jc.post(CREATE).respond(400, json={"message": "User already exists"})
    search = jc.post(SEARCH).respond(200, json=NOBODY)

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (400, "invalidValue") == (resp.status_code, resp.json()["scimType"])
    assert "JumpCloud rejected create_user: User already exists" == resp.json()["detail"]
    assert 3 == search.call_count


async def test_look_up_ignores_a_regex_near_miss(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A search hit whose username only matches JumpCloud's `$` before a newline is nobody: the 400 stands."""
    jc.post(CREATE).respond(400, json={"message": "invalid"})
    jc.post(SEARCH).respond(200, json=found(username="jane.doe\n", email="x@y.z", employeeIdentifier=None))

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert (400, "invalidValue") == (resp.status_code, resp.json()["scimType"])


async def test_create_body_is_what_was_sent_each_time(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Every send of one create carries the same mapped body (no state, no password)."""
    create = jc.post(CREATE)
    create.side_effect = [httpx.Response(504), httpx.Response(429), httpx.Response(200, json=jc_user())]
    jc.post(SEARCH).respond(200, json=NOBODY)

    resp = await client.post("/scim/v2/Users", json=ENTRA_CREATE, headers=AUTH)

    assert 201 == resp.status_code
    assert ["create", "search", "create", "create"] == sequence(jc)
    assert "jane.doe" == sent_json(create)["username"]
    assert {"state", "suspended", "password"}.isdisjoint(sent_json(create))
    assert 1 == len({call.request.content for call in create.calls})
