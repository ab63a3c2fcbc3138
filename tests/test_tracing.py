"""OpenTelemetry tracing: a server span per SCIM request, a client span per JumpCloud exchange, nothing personal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from structlog.testing import capture_logs

from scim_proxy.settings import Settings
from scim_proxy.web.spans import Tracing, scim_path_template

from .helpers import API_KEY, AUTH, JC_URL, USER_ID, in_process, jc_user

ORG_ID = "5f0c0ffee0000000000000aa"
REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
REMOTE_PARENT = "00f067aa0ba902b7"
NEW_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "jdoe",
    "externalId": "ext-0001",
    "name": {"givenName": "Jane", "familyName": "Doe"},
    "emails": [{"value": "jdoe@example.com", "type": "work", "primary": True}],
    "active": True,
}
PERSONAL = ("jdoe", "jdoe@example.com", "Jane", "Doe", "ext-0001")


@pytest.fixture(name="spans")
def _spans() -> Iterator[InMemorySpanExporter]:
    """Every finished span, exported synchronously into memory."""
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


@pytest.fixture(name="traced")
async def _traced(
    jc: respx.Router, settings: Settings, spans: InMemorySpanExporter
) -> AsyncIterator[httpx.AsyncClient]:
    """Our app with tracing into `spans`, its JumpCloud calls answered by `jc`."""
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing = Tracing(provider, jumpcloud_url=JC_URL)
    async with in_process(settings, jc, tracing=tracing, raise_app_exceptions=False) as client:
        yield client
    provider.shutdown()


def _create_recovered_after_a_lost_answer(jc: respx.Router) -> tuple[respx.Route, respx.Route]:
    """JumpCloud: the create's answer is lost (502), the look-up fails once (503) then finds the same user."""
    create = jc.post("/api/systemusers").respond(502)
    search = jc.post("/api/search/systemusers")
    search.side_effect = [
        httpx.Response(503),
        httpx.Response(200, json={"totalCount": 1, "results": [jc_user(external_dn="ext-0001")]}),
    ]
    return create, search


def _server_span(spans: InMemorySpanExporter) -> ReadableSpan:
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    return server


def _client_spans(spans: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT]


async def test_one_server_span_and_a_client_span_per_jumpcloud_exchange(
    traced: httpx.AsyncClient, jc: respx.Router, spans: InMemorySpanExporter
) -> None:
    """A create whose answer was lost, then a look-up retried once: one server span over three client spans."""
    _create_recovered_after_a_lost_answer(jc)

    resp = await traced.post("/scim/v2/Users", json=NEW_USER, headers={**AUTH, "X-Request-ID": "rid-trace-1"})

    assert 201 == resp.status_code
    server = _server_span(spans)
    assert "POST /scim/v2/Users" == server.name
    assert {
        "http.request.method": "POST",
        "url.scheme": "http",
        "url.path": "/scim/v2/Users",
        "http.route": "/scim/v2/Users",
        "http.response.status_code": 201,
        "scim.operation": "create_user",
        "scim.request_id": "rid-trace-1",
        "scim.retries": 1,
        "scim.upstream_calls": 3,
    } == dict(server.attributes or {})
    assert StatusCode.UNSET == server.status.status_code
    assert server.parent is None

    clients = _client_spans(spans)
    assert [
        ("POST /api/systemusers", 502, "502", StatusCode.ERROR),
        ("POST /api/search/systemusers", 503, "503", StatusCode.ERROR),
        ("POST /api/search/systemusers", 200, None, StatusCode.UNSET),
    ] == [
        (
            s.name,
            (s.attributes or {})["http.response.status_code"],
            (s.attributes or {}).get("error.type"),
            s.status.status_code,
        )
        for s in clients
    ]
    server_context = server.get_span_context()
    for client in clients:
        assert client.parent is not None
        assert (server_context.trace_id, server_context.span_id) == (client.parent.trace_id, client.parent.span_id)
        assert {"server.address": "jc.test", "server.port": 443, "http.request.method": "POST"}.items() <= dict(
            client.attributes or {}
        ).items()
        assert server.start_time is not None and server.end_time is not None
        assert client.start_time is not None and client.end_time is not None
        assert server.start_time <= client.start_time <= client.end_time <= server.end_time


async def test_no_span_holds_the_key_or_personal_data(
    traced: httpx.AsyncClient, jc: respx.Router, spans: InMemorySpanExporter
) -> None:
    """No span name, attribute or event of a create carries the API key, the userName, the email or a name."""
    _create_recovered_after_a_lost_answer(jc)

    await traced.post("/scim/v2/Users", json=NEW_USER, headers=AUTH)

    finished = spans.get_finished_spans()
    assert 4 == len(finished)
    texts = [s.name for s in finished]
    for span in finished:
        texts += [f"{key}={value}" for key, value in (span.attributes or {}).items()]
        texts += [repr(event.attributes) for event in span.events]
    for text in texts:
        for forbidden in (API_KEY, "Bearer", *PERSONAL):
            assert forbidden not in text


async def test_incoming_traceparent_is_continued_and_not_sent_to_jumpcloud(
    traced: httpx.AsyncClient, jc: respx.Router, spans: InMemorySpanExporter
) -> None:
    """A valid W3C traceparent becomes the server span's parent; JumpCloud receives no trace context."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())
    headers = {**AUTH, "traceparent": f"00-{REMOTE_TRACE}-{REMOTE_PARENT}-01", "tracestate": "vendor=opaque"}

    await traced.get(f"/scim/v2/Users/{USER_ID}", headers=headers)

    server = _server_span(spans)
    assert server.parent is not None and server.parent.is_remote
    assert (int(REMOTE_TRACE, 16), int(REMOTE_PARENT, 16)) == (server.parent.trace_id, server.parent.span_id)
    assert int(REMOTE_TRACE, 16) == _client_spans(spans)[0].context.trace_id
    sent = route.calls.last.request.headers
    assert {"traceparent", "tracestate", "baggage"}.isdisjoint(name.lower() for name in sent)


@pytest.mark.parametrize(
    "traceparent",
    [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
        f"00-{REMOTE_TRACE}-{REMOTE_PARENT}-01-extra",  # version 00 has exactly four parts
        f"00-{REMOTE_TRACE.upper()}-{REMOTE_PARENT}-01",  # upper-case hex is invalid
        "00-" + "a" * 600,  # longer than the propagator reads
    ],
)
async def test_invalid_traceparent_starts_a_new_trace(
    traced: httpx.AsyncClient, jc: respx.Router, spans: InMemorySpanExporter, traceparent: str
) -> None:
    """A malformed traceparent is ignored: the request starts its own trace and is answered as usual."""
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    resp = await traced.get(f"/scim/v2/Users/{USER_ID}", headers={**AUTH, "traceparent": traceparent})

    assert 200 == resp.status_code
    server = _server_span(spans)
    assert server.parent is None
    assert int(REMOTE_TRACE, 16) != server.context.trace_id


async def test_paths_are_templated_and_the_org_kept(
    traced: httpx.AsyncClient, jc: respx.Router, spans: InMemorySpanExporter
) -> None:
    """Ids in SCIM and JumpCloud paths become placeholders; a JumpCloud org id is kept as scim.org_id."""
    route = jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())

    await traced.get(f"/orgs/{ORG_ID}/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert ORG_ID == route.calls.last.request.headers["x-org-id"]
    server = _server_span(spans)
    assert "GET /orgs/{org_id}/scim/v2/Users/{id}" == server.name
    assert {
        "url.path": "/orgs/{org_id}/scim/v2/Users/{id}",
        "http.route": "/orgs/{org_id}/scim/v2/Users/{id}",
        "scim.org_id": ORG_ID,
        "scim.operation": "get_user",
    }.items() <= dict(server.attributes or {}).items()
    (client,) = _client_spans(spans)
    assert "GET /api/systemusers/{id}" == client.name
    assert "/api/systemusers/{id}" == (client.attributes or {})["url.template"]


async def test_unrouted_path_keeps_no_segment_of_it(traced: httpx.AsyncClient, spans: InMemorySpanExporter) -> None:
    """A 404 for a path full of personal data gives a span named by the method alone, the path templated."""
    resp = await traced.get("/scim/v2/Users/jdoe@example.com/Jane%20Doe", headers=AUTH)

    assert 404 == resp.status_code
    server = _server_span(spans)
    assert "GET" == server.name
    attributes = dict(server.attributes or {})
    assert "/scim/v2/Users/{id}/{id}" == attributes["url.path"]
    assert "http.route" not in attributes
    assert ("unknown", 404) == (attributes["scim.operation"], attributes["http.response.status_code"])


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/scim/v2/Users", "/scim/v2/Users"),
        ("/scim/v2/Users/.search", "/scim/v2/Users/.search"),
        ("/scim/v2/Groups/64b0c0ffee0000000000abcd", "/scim/v2/Groups/{id}"),
        ("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "/scim/v2/Schemas/{id}"),
        ("/orgs/not-an-id@example.com/scim/v2/Users", "/orgs/{org_id}/scim/v2/Users"),
        ("/scim/v2/users/", "/scim/v2/{id}/"),
        ("/" + "/".join(["Users"] * 50), "/" + "/".join(["Users"] * 9) + "/{id}"),
    ],
)
def test_scim_path_template(path: str, template: str) -> None:
    """Only our routes' own segments survive, at most ten of them; anything else is a placeholder."""
    assert template == scim_path_template(path)


async def test_probes_and_metrics_make_no_span(traced: httpx.AsyncClient, spans: InMemorySpanExporter) -> None:
    """Liveness, readiness and /metrics are polled constantly and stay out of the traces."""
    for path in ("/healthz", "/readyz", "/metrics"):
        assert 200 == (await traced.get(path)).status_code

    assert () == spans.get_finished_spans()


async def test_jumpcloud_timeouts_and_the_504_are_errors(
    traced: httpx.AsyncClient, jc: respx.Router, spans: InMemorySpanExporter
) -> None:
    """Unanswered JumpCloud calls are error spans typed by the transport error; the 504 marks the request span."""
    route = jc.get(f"/api/systemusers/{USER_ID}")
    route.side_effect = httpx.ReadTimeout("slow")

    resp = await traced.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert 504 == resp.status_code
    clients = _client_spans(spans)
    assert route.call_count == len(clients) == 3
    for client in clients:
        assert "httpx.ReadTimeout" == (client.attributes or {})["error.type"]
        assert "http.response.status_code" not in (client.attributes or {})
        assert StatusCode.ERROR == client.status.status_code
    server = _server_span(spans)
    assert ("504", 2) == ((server.attributes or {})["error.type"], (server.attributes or {})["scim.retries"])
    assert StatusCode.ERROR == server.status.status_code


async def test_a_crash_is_typed_without_its_message(
    traced: httpx.AsyncClient, jc: respx.Router, spans: InMemorySpanExporter
) -> None:
    """An unexpected exception marks the span with its class only: its message, which may be personal, stays out."""
    jc.get(f"/api/systemusers/{USER_ID}").mock(side_effect=RuntimeError("jdoe@example.com"))

    with capture_logs():  # the traceback goes to the log, where rendering it would only cost time here
        resp = await traced.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)

    assert 500 == resp.status_code
    server = _server_span(spans)
    assert "builtins.RuntimeError" == (server.attributes or {})["error.type"]
    assert StatusCode.ERROR == server.status.status_code
    assert server.status.description is None
    assert () == tuple(server.events)
    assert "jdoe@example.com" not in repr(dict(server.attributes or {}))
