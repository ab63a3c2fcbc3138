"""Logs (one structured event per request, no secrets, no personal data) and Prometheus metrics."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
import respx
from structlog.testing import capture_logs

from scim_proxy.logs import configure_logging, json_line, redact, utc_timestamp
from scim_proxy.settings import Settings

from .helpers import API_KEY, AUTH, USER_ID, jc_user


async def test_one_log_event_per_request_with_upstream_figures(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """A SCIM request logs one scim_request event carrying operation, status, timings and the JumpCloud id."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    with capture_logs() as events:
        await client.get(f"/scim/v2/Users/{USER_ID}", headers={**AUTH, "X-Request-ID": "rid-1"})

    requests = [e for e in events if e["event"] == "scim_request"]
    assert 1 == len(requests)
    event = requests[0]
    assert ("GET", "get_user", 200, 1, USER_ID) == (
        event["method"],
        event["operation"],
        event["status"],
        event["upstream_calls"],
        event["jc_user_id"],
    )
    assert event["duration_ms"] >= event["upstream_ms"] >= 0


async def test_logs_hold_no_token_password_email_or_name(
    client: httpx.AsyncClient, jc: respx.Router, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A create with a password writes log lines, as production renders them, without key, password, email or name."""
    route = jc.post("/api/systemusers").respond(200, json=jc_user())
    configure_logging(settings.log_format, settings.log_level, allow_personal_data=settings.log_personal_data)

    resp = await client.post(
        "/scim/v2/Users",
        headers=AUTH,
        json={
            "userName": "jdoe",
            "password": "Pa55word!",
            "emails": [{"value": "jdoe@example.com"}],
            "phoneNumbers": [{"value": "+1 555"}],
        },
    )

    output = capsys.readouterr().out
    (line,) = [json.loads(x) for x in output.splitlines() if '"scim_request"' in x]
    assert (201, 1) == (resp.status_code, route.call_count)
    assert ("create_user", "[redacted]") == (line["operation"], line["user_name"])  # the name was there to mask
    for secret in (API_KEY, "Pa55word!", "jdoe@example.com", "jdoe"):
        assert secret not in output


def test_redaction_processor_masks_secret_and_personal_keys() -> None:
    """The log processor masks secret keys always and personal keys unless allowed."""
    event = {"event": "x", "authorization": "Bearer k", "password": "p", "email": "a@b.c", "status": 200}

    assert {
        "event": "x",
        "authorization": "[redacted]",
        "password": "[redacted]",
        "email": "[redacted]",
        "status": 200,
    } == redact(False)(None, "info", dict(event))
    assert "a@b.c" == redact(True)(None, "info", dict(event))["email"]


def test_a_log_line_is_one_line_of_ascii_json_holding_the_event() -> None:
    """Events render as one compact ASCII JSON line; non-ASCII text and lone surrogates come escaped."""
    render = json_line()
    plain = {"event": "scim_request", "status": 200, "duration_ms": 0.52, "org_id": None, "ok": True}
    foreign = {"event": "x", "path": "/scim/v2/Users/Zo\u00eb", "title": "a\ud800b"}

    lines = [render(None, "info", dict(event)) for event in (plain, foreign)]

    assert '{"event":"scim_request","status":200,"duration_ms":0.52,"org_id":null,"ok":true}' == lines[0]
    assert [plain, foreign] == [json.loads(line) for line in lines]
    assert all(line.isascii() and "\n" not in line for line in lines)


def test_a_value_json_cannot_hold_is_logged_as_structlog_would() -> None:
    """An object is written as its __structlog__() if it has one, else as its repr."""

    class Custom:
        def __structlog__(self) -> str:
            return "custom form"

    line = json_line()(None, "info", {"event": "x", "custom": Custom(), "error": ValueError("boom")})

    assert {"event": "x", "custom": "custom form", "error": "ValueError('boom')"} == json.loads(line)


@pytest.mark.parametrize("nanos", [1_764_640_000_000_000_000, 1_764_640_000_123_456_789, 1_764_640_059_000_999_999])
def test_timestamps_read_as_structlogs_iso_utc_stamper_writes_them(nanos: int) -> None:
    """The cached-second timestamp is the text datetime's ISO form gives (no fraction when it is zero)."""
    expected = datetime.datetime.fromtimestamp(nanos // 1000 / 1e6, tz=datetime.UTC).isoformat().replace("+00:00", "Z")
    stamp = utc_timestamp(lambda: nanos)

    assert expected == stamp(None, "info", {})["timestamp"]
    assert expected == stamp(None, "info", {})["timestamp"]  # the second call reads the cached second


async def test_metrics_count_requests_upstream_calls_and_throttles(client: httpx.AsyncClient, jc: respx.Router) -> None:
    """/metrics exposes SCIM requests by operation and status, JumpCloud calls by endpoint, throttles and retries."""
    route = jc.get(f"/api/systemusers/{USER_ID}")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(200, json=jc_user()),
    ]
    await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    text = (await client.get("/metrics")).text

    assert 'scim_requests_total{operation="get_user",status="200"} 1.0' in text
    assert 'jumpcloud_calls_total{endpoint="/api/systemusers/{id}",method="GET",status="429"} 1.0' in text
    assert 'jumpcloud_calls_total{endpoint="/api/systemusers/{id}",method="GET",status="200"} 1.0' in text
    assert "jumpcloud_throttled_total 1.0" in text
    assert "jumpcloud_retries_total 1.0" in text
    assert "scim_requests_in_flight 1.0" in text  # the scrape itself
    assert 'scim_request_duration_seconds_count{operation="get_user"} 1.0' in text


@pytest.mark.parametrize("allowed", [False, True])
async def test_user_name_is_logged_only_when_personal_data_is_allowed(
    client: httpx.AsyncClient, jc: respx.Router, allowed: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """The scim_request line names the JumpCloud username only with SCIM_PROXY_LOG_PERSONAL_DATA on."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())
    configure_logging("json", "info", allow_personal_data=allowed)

    await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"scim_request"' in x]
    assert ("jdoe" if allowed else "[redacted]") == line["user_name"]
