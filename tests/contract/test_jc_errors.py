"""Register rows JC-01 to JC-06, JC-30, JC-31: authentication, transport, error bodies, ids."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devtools.emulator import FaultRule, Faults

from .support import JSON_TYPE, MALFORMED_ID, NOT_FOUND, UNKNOWN_ID, Target, error_body, live_stops_here

pytestmark = pytest.mark.live

BAD_KEY_BODY = {"error": "Unauthorized", "message": "Unauthorized: api key user not found"}
ISO_MILLIS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_jc_01_bad_api_key_is_401_api_key_user_not_found(target: Target) -> None:
    """A bad or missing x-api-key is 401 api key user not found; the header name is case-insensitive."""
    wrong = {**target.headers, "x-api-key": "scimproxy-contract-not-a-key"}
    missing = {k: v for k, v in target.headers.items() if k != "x-api-key"}
    with target.client(headers={}) as client:
        answers = [
            client.get("/api/systemusers", headers=wrong),
            client.get("/api/systemusers", headers=missing),
            client.post("/api/search/systemusers", headers=wrong, json={"limit": 1}),
            client.get(f"/api/systemusers/{UNKNOWN_ID}", headers=wrong),
            client.get("/api/v2/usergroups", headers=wrong),
        ]
        upper = client.get("/api/systemusers", params={"limit": "1"}, headers={**missing, "X-API-KEY": target.api_key})

    assert [(401, BAD_KEY_BODY)] * len(answers) == [(r.status_code, r.json()) for r in answers]
    assert 200 == upper.status_code


def test_jc_02_missing_org_id_for_msp_key_is_401_no_organization_selected(msp_target: Target) -> None:
    """A multi-tenant key without a valid x-org-id is 401 with the no-organization-selected body."""
    without_org = {k: v for k, v in msp_target.headers.items() if k != "x-org-id"}
    with msp_target.client(headers={}) as client:
        missing = client.get("/api/systemusers", headers=without_org)
        with_org = client.get("/api/systemusers", params={"limit": "1"}, headers=msp_target.headers)

    assert (401, {"message": "Unauthorized: no organization selected"}) == (missing.status_code, missing.json())
    assert 200 == with_org.status_code


def test_jc_03_created_is_iso_utc_with_milliseconds(make_user: Callable[..., dict[str, Any]], jc: httpx.Client) -> None:
    """Responses are application/json; charset=utf-8 and `created` is ISO-8601 UTC with milliseconds and Z."""
    user = make_user()
    resp = jc.get(f"/api/systemusers/{user['_id']}")

    assert JSON_TYPE == resp.headers["content-type"].lower().replace('"', "")
    assert ISO_MILLIS_Z.match(resp.json()["created"]), resp.json()["created"]
    created = datetime.strptime(resp.json()["created"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=10)


@pytest.mark.parametrize(("status", "retry_after"), [(429, 3), (429, None), (503, None)])
def test_jc_04_throttling_is_429_with_optional_retry_after(
    target: Target, faults: Callable[[Faults], None], status: int, retry_after: int | None
) -> None:
    """Throttling is a 429 (or 503) with a reason-phrase message, carrying Retry-After only sometimes."""
    faults(Faults(rules=[FaultRule(route="list_users", status=status, retry_after=retry_after)]))
    with target.client() as client:
        resp = client.get("/api/systemusers")

    phrase = {429: "Too Many Requests", 503: "Service Unavailable"}[status]
    assert (status, {"message": phrase}) == (resp.status_code, resp.json())
    assert (None if retry_after is None else str(retry_after)) == resp.headers.get("retry-after")


def test_jc_06_malformed_json_is_400(target: Target, jc: httpx.Client) -> None:
    """A request body that is not a JSON object is a 400, not a 500."""
    headers = {"content-type": "application/json"}
    not_json = jc.post("/api/systemusers", content=b"{not json", headers=headers)
    not_object = jc.post("/api/systemusers", content=b"[1, 2]", headers=headers)

    assert (400, 400) == (not_json.status_code, not_object.status_code)
    if live_stops_here(target, "the exact bodies, 404 for unknown paths and 405 for PATCH are the emulator's choice"):
        return
    assert error_body(400, "request body is not valid JSON") == not_json.json()
    assert error_body(400, "request body must be a JSON object") == not_object.json()
    no_patch = jc.patch(f"/api/systemusers/{UNKNOWN_ID}", json={"jobTitle": "x"})
    assert (405, {"message": "Method Not Allowed"}) == (no_patch.status_code, no_patch.json())
    unknown = jc.get("/api/no-such-route")
    assert (404, {"message": "Not Found"}) == (unknown.status_code, unknown.json())


def test_jc_30_unknown_user_id_is_404(jc: httpx.Client) -> None:
    """An unknown but well-formed user id is 404 Not Found on GET, PUT and DELETE."""
    answers = [
        jc.get(f"/api/systemusers/{UNKNOWN_ID}"),
        jc.put(f"/api/systemusers/{UNKNOWN_ID}", json={"jobTitle": "x"}),
        jc.delete(f"/api/systemusers/{UNKNOWN_ID}"),
    ]

    assert [(404, NOT_FOUND)] * 3 == [(r.status_code, r.json()) for r in answers]


def test_jc_31_malformed_user_id_is_400(jc: httpx.Client) -> None:
    """A malformed (non-24-hex) user or group id is 400 invalid object id, not 404."""
    answers = [
        jc.get(f"/api/systemusers/{MALFORMED_ID}"),
        jc.put(f"/api/systemusers/{MALFORMED_ID}", json={"jobTitle": "x"}),
        jc.delete(f"/api/systemusers/{MALFORMED_ID}"),
        jc.get(f"/api/v2/usergroups/{MALFORMED_ID}"),
    ]

    assert [(400, error_body(400, "invalid object id"))] * 4 == [(r.status_code, r.json()) for r in answers]
