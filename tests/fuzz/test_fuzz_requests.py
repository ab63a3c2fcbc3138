"""Fuzz: generated and mutated SCIM requests never get a 5xx from the proxy, always a SCIM body,
and never reach JumpCloud when they are invalid.

`make test` runs a small number of examples; `make fuzz` runs FUZZ_EXAMPLES (default 5,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

from ..helpers import AUTH, JC_URL, USER_ID, jc_user

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CLIENT_ERRORS = {400, 401, 403, 404, 405, 409, 413}
STATS = {"requests": 0, "server_errors": 0, "upstream_on_error": 0}
ALLOWED_UPSTREAM = re.compile(
    r"^/api/(systemusers(/[0-9a-f]{24})?|search/systemusers|v2/usergroups(/[0-9a-f]{24}(/members)?)?)$"
)
GROUP = {
    "id": "64b0c0ffee0000000000beef",
    "name": "Engineering",
    "description": "",
    "email": "",
    "type": "user_group",
    "attributes": None,
}

VALID_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
    "externalId": "e-1",
    "userName": "jane.doe",
    "active": "True",
    "displayName": "Jane",
    "name": {"givenName": "Jane", "familyName": "Doe"},
    "emails": [{"value": "jane@contoso.com", "type": "work", "primary": True}],
    ENT: {"department": "R&D", "manager": {"value": "64b0c0ffee0000000000aaaa"}},
}
VALID_PATCH = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "replace", "value": {"name.givenName": "K", f"{ENT}:department": "D"}},
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "x@y.zz"},
    ],
}

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["True", "False", "", "@", "a@b.c", "\x00", "é"]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """A valid Entra body with keys dropped, values replaced, or wrong types injected."""
    body = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        target = body
        keys = list(target) if isinstance(target, dict) else []
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        choice = draw(st.integers(0, 3))
        if choice == 0:
            del target[key]
        elif choice == 1:
            target[key] = draw(json_value)
        elif choice == 2 and isinstance(target[key], list) and target[key]:
            target[key][0] = draw(json_value)
        else:
            target[draw(st.sampled_from(["UserName", "ACTIVE", "Operations", "emails", "password"]))] = draw(json_value)
    return body


filters_text = st.one_of(
    st.text(alphabet=string.printable, max_size=60),
    st.builds(
        lambda a, op, v: f'{a} {op} "{v}"',
        st.sampled_from(
            [
                "userName",
                "externalId",
                'emails[type eq "work"].value',
                "id",
                "active",
                "meta.created",
                "displayName",
                "name.familyName",
                "x",
            ]
        ),
        st.sampled_from(["eq", "co", "sw", "pr", "gt", "EQ"]),
        st.text(max_size=20),
    ),
)
ids = st.one_of(st.just(USER_ID), st.text(max_size=30), st.sampled_from(["..%2F..%2Fapi", "%00", "a" * 24]))
bodies = st.one_of(
    mutated(VALID_USER),
    mutated(VALID_PATCH),
    json_value,
    st.binary(max_size=64).map(lambda b: {"__raw__": b.hex()}),
)
headers = st.sampled_from([AUTH, {}, {"Authorization": "Bearer"}, {"Authorization": "Basic x"}, AUTH])


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], Any, dict[str, str]]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
    path = draw(
        st.sampled_from(
            [
                "/Users",
                "/Users/{id}",
                "/Users/.search",
                "/Groups",
                "/Groups/{id}",
                "/Schemas",
                "/x",
                "/ServiceProviderConfig",
                "/ResourceTypes/{id}",
            ]
        )
    )
    path = "/scim/v2" + path.replace("{id}", quote(draw(ids), safe=""))
    params = draw(
        st.dictionaries(
            st.sampled_from(["filter", "startIndex", "count", "attributes", "excludedAttributes", "junk"]),
            st.one_of(filters_text, st.integers().map(str)),
            max_size=3,
        )
    )
    return method, path, params, draw(bodies), draw(headers)


def _upstream() -> respx.Router:
    """A JumpCloud that always answers plausibly, counting calls."""
    router = respx.Router(base_url=JC_URL, assert_all_called=False)
    router.post("/api/search/systemusers").respond(200, json={"totalCount": 1, "results": [jc_user()]})
    router.get("/api/systemusers").respond(200, json={"totalCount": 1, "results": [jc_user()]})
    router.route(path__regex=r"^/api/systemusers(/[0-9a-f]{24})?$").respond(200, json=jc_user())
    router.get("/api/v2/usergroups").respond(200, json=[GROUP], headers={"x-total-count": "1"})
    router.post("/api/v2/usergroups").respond(201, json=GROUP)
    router.get(path__regex=r"^/api/v2/usergroups/[0-9a-f]{24}/members$").respond(200, json=[])
    router.post(path__regex=r"^/api/v2/usergroups/[0-9a-f]{24}/members$").respond(204)
    router.route(path__regex=r"^/api/v2/usergroups/[0-9a-f]{24}$").respond(200, json=GROUP)
    return router


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """Write the figures where `make fuzz` prints them from (FUZZ_REPORT)."""
    yield
    target = os.environ.get("FUZZ_REPORT")
    if target:
        Path(target).write_text(
            f"fuzz: {STATS['requests']} requests, {STATS['server_errors']} 5xx, "
            f"{STATS['upstream_on_error']} upstream calls on client errors\n"
        )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(requests())
def test_no_request_gets_a_proxy_5xx(request: tuple[str, str, dict[str, str], Any, dict[str, str]]) -> None:
    """Whatever arrives, the answer is < 500 with a SCIM body, and client errors cost no upstream call."""
    asyncio.run(_one(*request))


async def _one(method: str, path: str, params: dict[str, str], body: Any, headers: dict[str, str]) -> None:
    router = _upstream()
    settings_ = Settings(jumpcloud_url=JC_URL, retry_attempts=1)
    jc = make_jumpcloud_client(settings_, transport=httpx.MockTransport(router.async_handler))
    app = create_app(settings_, jumpcloud=jc)
    content = (
        bytes.fromhex(body["__raw__"]) if isinstance(body, dict) and "__raw__" in body else (json.dumps(body).encode())
    )
    async with (
        jc.http,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as client,
    ):
        resp = await client.request(
            method,
            path,
            params=params,
            content=content if method in {"POST", "PUT", "PATCH"} else None,
            headers={**headers, "content-type": "application/scim+json"},
        )
    STATS["requests"] += 1
    for call in router.calls:  # nothing may steer us off the configured JumpCloud API
        assert "jc.test" == call.request.url.host
        assert ALLOWED_UPSTREAM.match(call.request.url.path), call.request.url
    if resp.status_code >= 500:
        STATS["server_errors"] += 1
    assert resp.status_code < 500, (method, path, params, body, resp.text)
    if resp.status_code >= 400:
        error = resp.json()
        assert str(resp.status_code) == error["status"]
        assert isinstance(error["detail"], str) and error["detail"]
        if resp.status_code in CLIENT_ERRORS and resp.status_code != 409:
            STATS["upstream_on_error"] += len(router.calls)
            assert 0 == len(router.calls), (method, path, params, body, resp.text)
