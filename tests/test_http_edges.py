"""Auth, upstream failures and retries, hostile bodies, request ids, multi-tenant routes."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from scim_proxy.jumpcloud.cookieless import CookielessClient, CookielessTransport
from scim_proxy.settings import Settings

from .helpers import AUTH, USER_ID, jc_user, sent_json

ORG_ID = "5f0c0ffee0000000000a0b1c"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer two words"},
    ],
)
async def test_missing_or_malformed_auth_is_401_without_call(
    client: httpx.AsyncClient, jc: respx.Router, headers: dict[str, str]
) -> None:
    """No usable bearer token answers 401 with a SCIM body and a challenge, and calls nothing."""
    resp = await client.get("/scim/v2/Users", headers=headers)

    assert 401 == resp.status_code
    assert "401" == resp.json()["status"]
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert 0 == len(jc.calls)


@pytest.mark.parametrize(("upstream", "expected"), [(401, 401), (403, 403), (500, 503), (418, 502)])
async def test_upstream_status_mapping(
    client: httpx.AsyncClient, jc: respx.Router, upstream: int, expected: int
) -> None:
    """JumpCloud 401/403 pass through; a 500 kept after retries is 503, others 502; never the upstream body."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(
        upstream, json={"message": "SECRET-UPSTREAM-DETAIL"}, headers={"x-leak": "no"}
    )

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert expected == resp.status_code
    assert "SECRET-UPSTREAM-DETAIL" not in resp.text
    assert "jc-test-key" not in resp.text


async def test_upstream_timeout_is_504(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A JumpCloud read that keeps timing out answers 504 after the retries."""
    route = jc.get(f"/api/systemusers/{USER_ID}").mock(side_effect=httpx.ReadTimeout("slow"))

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert 504 == resp.status_code
    assert 3 == route.call_count


async def test_idempotent_read_is_retried_after_503(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A GET that meets 503 then 200 succeeds, in two upstream calls."""
    route = jc.get(f"/api/systemusers/{USER_ID}")
    route.side_effect = [httpx.Response(503), httpx.Response(200, json=jc_user())]

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (200, 2) == (resp.status_code, route.call_count)


async def test_retry_after_is_honoured_then_throttle_surfaces_as_429(
    client: httpx.AsyncClient, jc: respx.Router
) -> None:
    """Persistent 429s with Retry-After are retried, then answered as SCIM 429 with Retry-After."""
    route = jc.put(f"/api/systemusers/{USER_ID}").respond(429, headers={"Retry-After": "0"})

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"Operations": [{"op": "replace", "path": "title", "value": "x"}]},
    )

    assert 429 == resp.status_code
    assert "1" == resp.headers["retry-after"]
    assert 3 == route.call_count


async def test_retry_after_beyond_cap_gives_up_at_once(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A Retry-After longer than our cap is not slept through: one call, SCIM 429 carrying the hint."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(429, headers={"Retry-After": "120"})

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (429, 1, "121") == (resp.status_code, route.call_count, resp.headers["retry-after"])


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"", "empty"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'["a list"]', "JSON object"),
    ],
)
async def test_bad_bodies_are_400_invalid_syntax(
    client: httpx.AsyncClient, jc: respx.Router, content: bytes, fragment: str
) -> None:
    """Bodies that are not a JSON object answer 400 invalidSyntax with a SCIM body and call nothing."""
    resp = await client.post(
        "/scim/v2/Users", content=content, headers={**AUTH, "content-type": "application/scim+json"}
    )

    assert 400 == resp.status_code
    assert "invalidSyntax" == resp.json()["scimType"]
    assert fragment in resp.json()["detail"]
    assert 0 == len(jc.calls)


async def test_oversized_body_is_413(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A body over the limit answers 413 before it is parsed."""
    resp = await client.post("/scim/v2/Users", content=b"{" + b" " * 1_100_000 + b"}", headers=AUTH)

    assert 413 == resp.status_code
    assert 0 == len(jc.calls)


async def test_request_id_is_honoured_and_echoed(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A sane X-Request-ID comes back unchanged; an absent one is generated."""
    resp = await client.get("/scim/v2/ServiceProviderConfig", headers={"X-Request-ID": "entra-abc-123"})
    generated = await client.get("/scim/v2/ServiceProviderConfig")

    assert "entra-abc-123" == resp.headers["x-request-id"]
    assert 32 == len(generated.headers["x-request-id"])


async def test_org_route_forwards_org_id(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """/orgs/{orgId}/scim/v2 sends x-org-id to JumpCloud and builds locations under that prefix."""
    route = jc.post("/api/systemusers").respond(200, json=jc_user())

    resp = await client.post(
        f"/orgs/{ORG_ID}/scim/v2/Users",
        headers=AUTH,
        json={"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}]},
    )

    assert ORG_ID == route.calls.last.request.headers["x-org-id"]
    assert f"http://proxy.test/orgs/{ORG_ID}/scim/v2/Users/{USER_ID}" == resp.headers["location"]
    assert "jdoe" == sent_json(route)["username"]


async def test_single_tenant_route_sends_no_org_id(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """The plain /scim/v2 route sends no x-org-id header."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert "x-org-id" not in route.calls.last.request.headers


async def test_malformed_org_id_is_404_without_call(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """An org id that cannot be a JumpCloud org answers 404 and calls nothing."""
    resp = await client.get("/orgs/not-an-org/scim/v2/Users", headers=AUTH)

    assert 404 == resp.status_code
    assert 0 == len(jc.calls)


async def test_healthz_makes_no_upstream_call(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Liveness and readiness answer 200 without calling JumpCloud."""
    assert 200 == (await client.get("/healthz")).status_code
    assert 200 == (await client.get("/readyz")).status_code
    assert 0 == len(jc.calls)


@pytest.mark.parametrize("settings", [Settings(jumpcloud_url="https://jc.test", groups_enabled=False)])
async def test_groups_disabled_until_supported(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """With groups turned off, GET /Groups answers an empty list (no quarantine); writes explain what to do."""
    listed = await client.get("/scim/v2/Groups?filter=displayName+eq+%22x%22", headers=AUTH)
    created = await client.post("/scim/v2/Groups", headers=AUTH, json={"displayName": "x"})

    assert (200, 0) == (listed.status_code, listed.json()["totalResults"])
    assert 403 == created.status_code
    assert "Provision Microsoft Entra ID Groups" in created.json()["detail"]


async def test_retried_delete_meeting_404_is_204(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A DELETE whose first attempt went unanswered and whose retry meets 404 did delete: 204."""
    route = jc.delete(f"/api/systemusers/{USER_ID}")
    route.side_effect = [httpx.ReadTimeout("lost answer"), httpx.Response(404, json={"message": "Not Found"})]

    resp = await client.delete(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (204, 2) == (resp.status_code, route.call_count)


@pytest.mark.parametrize("upstream", [500, 502, 503, 504])
async def test_exhausted_retries_on_5xx_answer_503_with_retry_after(
    client: httpx.AsyncClient, jc: respx.Router, upstream: int
) -> None:
    """A read that keeps meeting 500, 502, 503 or 504 is retried, then answered 503 with Retry-After."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(upstream)

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (503, "503", 3) == (resp.status_code, resp.json()["status"], route.call_count)
    assert int(resp.headers["retry-after"]) >= 1


async def test_cookies_from_jumpcloud_never_ride_along(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A cookie JumpCloud sets while serving one API key is not sent with the next request (any key)."""
    route = jc.get(f"/api/systemusers/{USER_ID}")
    route.side_effect = [
        httpx.Response(200, json=jc_user(), headers={"set-cookie": "session=admin-a; Path=/"}),
        httpx.Response(200, json=jc_user()),
    ]

    await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)
    await client.get(f"/scim/v2/Users/{USER_ID}", headers={"Authorization": "Bearer another-admin-key"})

    assert 2 == route.call_count  # the second request did reach JumpCloud, without the cookie
    assert "cookie" not in route.calls.last.request.headers


async def test_upstream_500_on_a_read_is_retried(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A GET meeting a JumpCloud 500 is retried and succeeds: 200 in two calls."""
    route = jc.get(f"/api/systemusers/{USER_ID}")
    route.side_effect = [httpx.Response(500, json={"message": "boom"}), httpx.Response(200, json=jc_user())]

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (200, 2) == (resp.status_code, route.call_count)


async def test_upstream_500_on_an_update_is_retried(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A PATCH whose PUT meets a 500 is retried with the same body: 200, the title changed once."""
    route = jc.put(f"/api/systemusers/{USER_ID}")
    route.side_effect = [httpx.Response(500), httpx.Response(200, json=jc_user(jobTitle="Lead"))]

    resp = await client.patch(
        f"/scim/v2/Users/{USER_ID}",
        headers=AUTH,
        json={"Operations": [{"op": "replace", "path": "title", "value": "Lead"}]},
    )

    assert (200, "Lead", 2) == (resp.status_code, resp.json()["title"], route.call_count)
    assert [{"jobTitle": "Lead"}] * 2 == [json.loads(call.request.content) for call in route.calls]


async def test_upstream_500_on_a_search_is_retried(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """Entra's userName filter meeting a 500 on the search is retried: 200 with the user."""
    route = jc.post("/api/search/systemusers")
    route.side_effect = [
        httpx.Response(500),
        httpx.Response(200, json={"totalCount": 1, "results": [jc_user()]}),
    ]

    resp = await client.get("/scim/v2/Users", params={"filter": 'userName eq "jdoe"'}, headers=AUTH)

    assert (200, 1, 2) == (resp.status_code, resp.json()["totalResults"], route.call_count)


async def test_a_redirect_from_jumpcloud_is_not_followed(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A 302 from JumpCloud is not followed (it could lead the API key to another host): 502, one call."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(302, headers={"location": "https://elsewhere.test/steal"})

    resp = await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert (502, 1) == (resp.status_code, route.call_count)


def test_the_jumpcloud_client_takes_no_cookies_hooks_or_redirects() -> None:
    """The client JumpCloud calls go through refuses the options its direct send path would ignore."""
    transport = CookielessTransport(httpx.MockTransport(lambda request: httpx.Response(200)))
    for option in ({"cookies": {"a": "b"}}, {"event_hooks": {"request": [print]}}, {"follow_redirects": True}):
        with pytest.raises(ValueError, match="takes no"):
            CookielessClient(transport, **option)
