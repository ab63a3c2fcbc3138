"""Attack 10: no URL we send names a host the client chose, unless a trusted proxy vouched for it."""

from __future__ import annotations

import httpx
import pytest
import respx

from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

from ..helpers import AUTH, JC_URL, USER_ID, jc_user

CREATE = {"userName": "jdoe", "emails": [{"value": "jdoe@example.com"}]}


async def _create(jc: respx.Router, settings: Settings, headers: dict[str, str], *, client_ip: str) -> httpx.Response:
    """POST /Users from `client_ip` (the connecting address) with `headers`; JumpCloud answers the create."""
    jc.post("/api/systemusers").respond(200, json=jc_user())
    upstream = make_jumpcloud_client(settings, transport=httpx.MockTransport(jc.async_handler))
    app = create_app(settings, jumpcloud=upstream)
    transport = httpx.ASGITransport(app=app, client=(client_ip, 50_000))
    async with upstream.http, httpx.AsyncClient(transport=transport, base_url="http://proxy.test") as client:
        return await client.post("/scim/v2/Users", json=CREATE, headers={**AUTH, **headers})


async def test_public_url_wins_over_every_header(jc: respx.Router) -> None:
    """With SCIM_PROXY_PUBLIC_URL set, Location and meta.location use it, whatever Host and X-Forwarded-* say."""
    settings = Settings(jumpcloud_url=JC_URL, public_url="https://scim.example.com/")
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil2.example", "X-Forwarded-Proto": "http"}

    resp = await _create(jc, settings, evil, client_ip="127.0.0.1")

    expected = f"https://scim.example.com/scim/v2/Users/{USER_ID}"
    assert (201, expected, expected) == (resp.status_code, resp.headers["location"], resp.json()["meta"]["location"])


async def test_forwarded_host_from_a_trusted_proxy_is_used(jc: respx.Router) -> None:
    """From a trusted proxy, X-Forwarded-Proto and the last X-Forwarded-Host shape the Location."""
    settings = Settings(jumpcloud_url=JC_URL, forwarded_allow_ips="10.1.2.3")
    headers = {
        "Host": "internal:8080",
        "X-Forwarded-Host": "spoofed.example, scim.example.com",
        "X-Forwarded-Proto": "https",
    }

    resp = await _create(jc, settings, headers, client_ip="10.1.2.3")

    assert f"https://scim.example.com/scim/v2/Users/{USER_ID}" == resp.headers["location"]


async def test_forwarded_headers_from_anyone_else_are_ignored(jc: respx.Router) -> None:
    """From an address that is not a trusted proxy, X-Forwarded-Host and -Proto change nothing."""
    settings = Settings(jumpcloud_url=JC_URL, forwarded_allow_ips="10.1.2.3")
    headers = {"Host": "scim.example.com", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}

    resp = await _create(jc, settings, headers, client_ip="198.51.100.7")

    assert f"http://scim.example.com/scim/v2/Users/{USER_ID}" == resp.headers["location"]


@pytest.mark.parametrize("host", ["evil.example/x?y=", "user@evil.example", "evil.example:80:80", "[::1", "a b"])
async def test_malformed_host_is_not_copied_into_urls(jc: respx.Router, host: str) -> None:
    """A Host header that is not a host[:port] is never pasted into a URL; the listening address is used."""
    settings = Settings(jumpcloud_url=JC_URL, forwarded_allow_ips="10.1.2.3")

    resp = await _create(jc, settings, {"Host": host}, client_ip="198.51.100.7")

    assert f"http://proxy.test/scim/v2/Users/{USER_ID}" == resp.headers["location"]  # the server's own name


@pytest.mark.parametrize("path", ["/scim/v2/Users/", f"/scim/v2/Users/{USER_ID}/", "/scim/v2/Nowhere/"])
async def test_trailing_slash_is_never_a_redirect(client: httpx.AsyncClient, jc: respx.Router, path: str) -> None:
    """A trailing slash is served (or 404) where it stands: no redirect, so no URL built from the Host header."""
    if USER_ID in path:
        route = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())
    elif "Users" in path:
        route = jc.get("/api/systemusers").respond(200, json={"totalCount": 0, "results": []})

    resp = await client.get(path, headers={**AUTH, "Host": "evil.example"})

    assert resp.status_code == (404 if "Nowhere" in path else 200)
    assert "location" not in resp.headers
    assert (0 if "Nowhere" in path else 1) == len(jc.calls)
    if "Nowhere" not in path:
        assert 1 == route.call_count


async def test_trailing_slash_create_keeps_its_body(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """POST /Users/ creates the user (a redirect would have lost the body with some clients)."""
    route = jc.post("/api/systemusers").respond(200, json=jc_user())

    resp = await client.post("/scim/v2/Users/", json=CREATE, headers=AUTH)

    assert (201, 1) == (resp.status_code, route.call_count)


async def test_discovery_under_an_invalid_org_is_404(client: httpx.AsyncClient) -> None:
    """A discovery document under /orgs/<not an id>/ is 404 rather than echoing the text into its URLs."""
    resp = await client.get("/orgs/<script>/scim/v2/ServiceProviderConfig")

    assert 404 == resp.status_code
    assert b"<script>" not in resp.content
