"""Register rows JC-01 to JC-06, JC-30, JC-31: authentication, transport, error bodies, ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devtools.emulator import FaultRule, Faults

from .ledger import Contract, at_most, matching, one_of
from .support import JSON_TYPE, MALFORMED_ID, NOT_FOUND, UNKNOWN_ID, Target, body_of, error_body

pytestmark = pytest.mark.live

BAD_KEY_BODY = {"error": "Unauthorized", "message": "Unauthorized: api key user not found"}
ISO_MILLIS_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


def test_jc_01_bad_api_key_is_401_api_key_user_not_found(target: Target, contract: Contract) -> None:
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

    contract.relies("a wrong or missing key is 401 on every route", [401] * 5, [r.status_code for r in answers])
    contract.relies("the x-api-key header name is case-insensitive", 200, upper.status_code)
    contract.observes("the 401 body", [BAD_KEY_BODY] * 5, [body_of(r) for r in answers])


def test_jc_02_missing_org_id_for_msp_key_is_401_no_organization_selected(
    msp_target: Target, contract: Contract
) -> None:
    """A multi-tenant key without a valid x-org-id is 401 with the no-organization-selected body."""
    without_org = {k: v for k, v in msp_target.headers.items() if k != "x-org-id"}
    with msp_target.client(headers={}) as client:
        missing = client.get("/api/systemusers", headers=without_org)
        with_org = client.get("/api/systemusers", params={"limit": "1"}, headers=msp_target.headers)

    contract.relies("a multi-tenant key without x-org-id is 401", 401, missing.status_code)
    contract.relies("the same key with its x-org-id is accepted", 200, with_org.status_code)
    contract.observes("the 401 body", {"message": "Unauthorized: no organization selected"}, body_of(missing))


def test_jc_03_created_is_iso_utc_with_milliseconds(
    make_user: Callable[..., dict[str, Any]], jc: httpx.Client, contract: Contract
) -> None:
    """Responses are application/json; charset=utf-8 and `created` is ISO-8601 UTC with milliseconds and Z."""
    user = make_user()
    resp = jc.get(f"/api/systemusers/{user['_id']}")
    created = resp.json()["created"]

    contract.relies("`created` (the proxy's meta.created) is ISO-8601 UTC", matching(ISO_MILLIS_Z), created)
    contract.observes("the content type", JSON_TYPE, resp.headers["content-type"].lower().replace('"', ""))
    age = datetime.now(UTC) - datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    contract.observes("`created` is this machine's now, within minutes", True, abs(age) < timedelta(minutes=10))


@pytest.mark.parametrize(("status", "retry_after"), [(429, 3), (429, None), (503, None)])
def test_jc_04_throttling_is_429_with_optional_retry_after(
    target: Target, faults: Callable[[Faults], None], contract: Contract, status: int, retry_after: int | None
) -> None:
    """Throttling is a 429 (or 503) with a reason-phrase message, carrying Retry-After only sometimes."""
    faults(Faults(rules=[FaultRule(route="list_users", status=status, retry_after=retry_after)]))
    with target.client() as client:
        resp = client.get("/api/systemusers")

    phrase = {429: "Too Many Requests", 503: "Service Unavailable"}[status]
    contract.relies("the throttling status", status, resp.status_code)
    contract.relies(
        "Retry-After, when sent", None if retry_after is None else str(retry_after), resp.headers.get("retry-after")
    )
    contract.observes("the body", {"message": phrase}, body_of(resp))


def test_jc_06_malformed_json_is_400(jc: httpx.Client, contract: Contract) -> None:
    """A request body that is not a JSON object is a 400, not a 500."""
    headers = {"content-type": "application/json"}
    not_json = jc.post("/api/systemusers", content=b"{not json", headers=headers)
    not_object = jc.post("/api/systemusers", content=b"[1, 2]", headers=headers)
    no_patch = jc.patch(f"/api/systemusers/{UNKNOWN_ID}", json={"jobTitle": "x"})
    unknown = jc.get("/api/no-such-route")

    contract.relies(
        "a body that is not a JSON object is a 4xx", [400, 400], [not_json.status_code, not_object.status_code]
    )
    contract.observes("the body for invalid JSON", error_body(400, "request body is not valid JSON"), body_of(not_json))
    contract.observes(
        "the body for a JSON array", error_body(400, "request body must be a JSON object"), body_of(not_object)
    )
    contract.observes(
        "PATCH on a user", (405, {"message": "Method Not Allowed"}), (no_patch.status_code, body_of(no_patch))
    )
    contract.observes("an unknown path", (404, {"message": "Not Found"}), (unknown.status_code, body_of(unknown)))
    contract.relies("no 5xx for any of these", at_most(499), max(r.status_code for r in (no_patch, unknown)))


def test_jc_30_unknown_user_id_is_404(jc: httpx.Client, contract: Contract) -> None:
    """An unknown but well-formed user id is 404 Not Found on GET, PUT and DELETE."""
    answers = [
        jc.get(f"/api/systemusers/{UNKNOWN_ID}"),
        jc.put(f"/api/systemusers/{UNKNOWN_ID}", json={"jobTitle": "x"}),
        jc.delete(f"/api/systemusers/{UNKNOWN_ID}"),
    ]

    contract.relies("GET, PUT and DELETE of an unknown id are 404", [404] * 3, [r.status_code for r in answers])
    contract.observes("the 404 body", [NOT_FOUND] * 3, [body_of(r) for r in answers])


def test_jc_31_malformed_user_id_is_400(jc: httpx.Client, contract: Contract) -> None:
    """A malformed (non-24-hex) user or group id is 400 invalid object id, not 404."""
    answers = [
        jc.get(f"/api/systemusers/{MALFORMED_ID}"),
        jc.put(f"/api/systemusers/{MALFORMED_ID}", json={"jobTitle": "x"}),
        jc.delete(f"/api/systemusers/{MALFORMED_ID}"),
        jc.get(f"/api/v2/usergroups/{MALFORMED_ID}"),
    ]
    statuses = [r.status_code for r in answers]

    contract.relies(
        "a malformed id is refused with 400 or 404 (the proxy reads both as not found)",
        [one_of(400, 404)] * 4,
        statuses,
    )
    contract.observes("the status", [400] * 4, statuses)
    contract.observes("the body", [error_body(400, "invalid object id")] * 4, [body_of(r) for r in answers])
