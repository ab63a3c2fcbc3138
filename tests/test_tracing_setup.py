"""Tracing's switch: the OTEL_* variables, the log line at start, OTLP export, and no OpenTelemetry when off."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from structlog.testing import capture_logs

import scim_proxy.web
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.settings import Settings, TracingSettings
from scim_proxy.web.app import create_app
from scim_proxy.web.auth_guard import AuthGuardMiddleware
from scim_proxy.web.middleware import (
    ForwardedHeadersMiddleware,
    RequestContextMiddleware,
    TrailingSlashMiddleware,
    UpstreamClientGate,
)
from scim_proxy.web.tracing import DEFAULT_ENDPOINT, export_plan, start_tracing

from .helpers import AUTH, JC_URL, USER_ID, jc_user

ROOT = Path(__file__).resolve().parent.parent

BASE_MIDDLEWARE = [
    ForwardedHeadersMiddleware,
    TrailingSlashMiddleware,
    RequestContextMiddleware,
    UpstreamClientGate,
    AuthGuardMiddleware,
]


@pytest.mark.parametrize(
    ("environ", "exporters", "endpoint"),
    [
        ({}, (), DEFAULT_ENDPOINT),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, ("otlp",), DEFAULT_ENDPOINT),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/"}, ("otlp",), "http://otel:4318/v1/traces"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://otel/in"}, ("otlp",), "https://otel/in"),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:1/t"},
            ("otlp",),
            "http://b:1/t",
        ),
        ({"OTEL_TRACES_EXPORTER": " Console , otlp,console"}, ("console", "otlp"), DEFAULT_ENDPOINT),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}, (), None),
        ({"OTEL_TRACES_EXPORTER": "", "OTEL_EXPORTER_OTLP_ENDPOINT": ""}, (), DEFAULT_ENDPOINT),
        ({"OTEL_SDK_DISABLED": "TRUE", "OTEL_TRACES_EXPORTER": "otlp"}, (), DEFAULT_ENDPOINT),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}, ("otlp",), DEFAULT_ENDPOINT),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, ("console",), None),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, ("otlp",), None),
    ],
)
def test_variables_decide_exporters_and_endpoint(
    environ: dict[str, str], exporters: tuple[str, ...], endpoint: str | None
) -> None:
    """The OTEL_* variables pick exporters and the OTLP endpoint as the OpenTelemetry specification says."""
    plan = export_plan(Settings.from_env(environ).tracing)

    assert exporters == plan.exporters
    if endpoint is not None:
        assert endpoint == plan.endpoint


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"OTEL_TRACES_EXPORTER": "jaeger"}, "unknown exporter 'jaeger'"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL="),
        ({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json", "OTEL_TRACES_EXPORTER": "otlp"}, "'http/json'"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "http:// or https://"),
        ({"OTEL_SDK_DISABLED": "yes"}, "neither true nor false"),
    ],
)
def test_variables_we_cannot_follow_are_named(environ: dict[str, str], problem: str) -> None:
    """A value the extra cannot follow leaves tracing off (for that exporter) and says what to set instead."""
    plan = export_plan(Settings.from_env(environ).tracing)

    assert () == plan.exporters
    assert [problem] == [problem for text in plan.problems if problem in text]


def test_tracing_off_adds_no_layer_and_no_observer() -> None:
    """Without OTEL_* variables the app has exactly the middleware and JumpCloud observers it had before tracing."""
    upstream = make_jumpcloud_client(Settings(jumpcloud_url=JC_URL))
    app = create_app(Settings(jumpcloud_url=JC_URL), jumpcloud=upstream)

    assert BASE_MIDDLEWARE == [m.cls for m in app.user_middleware]
    assert [app.state.metrics.upstream_call] == upstream._call_observers


_PROBE = """
import asyncio, json, sys, httpx
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app
from structlog.testing import capture_logs

async def serve_one(environ):
    app = create_app(Settings.from_env(environ))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy.test") as client:
        return (await client.get("/scim/v2/ServiceProviderConfig")).status_code

with capture_logs():
    statuses = [asyncio.run(serve_one(environ)) for environ in json.loads(sys.argv[1])]
print(json.dumps([statuses, sorted(m for m in sys.modules if m.partition(".")[0] == "opentelemetry")]))
"""


def _modules_after_serving(*environs: dict[str, str]) -> list[str]:
    """The opentelemetry modules a fresh interpreter holds after one app per `environs` served a request."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    command = [sys.executable, "-c", _PROBE, json.dumps(environs)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)  # noqa: S603 -- this interpreter, a fixed script
    assert 0 == result.returncode, result.stderr
    statuses, modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert [200] * len(environs) == statuses
    return list(modules)


def test_opentelemetry_is_not_imported_when_tracing_is_off() -> None:
    """Apps built with tracing off (no variables, the SDK disabled, exporter none) import no opentelemetry module."""
    endpoint = "http://127.0.0.1:9"
    off = (
        {},
        {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint},
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint},
    )

    assert [] == _modules_after_serving(*off)


def test_the_import_probe_sees_opentelemetry_when_tracing_is_on() -> None:
    """The same probe with the console exporter finds the SDK loaded: the check above can fail."""
    assert "opentelemetry.sdk.trace" in _modules_after_serving({"OTEL_TRACES_EXPORTER": "console"})


def test_start_logs_where_spans_go_without_credentials() -> None:
    """Tracing on logs one tracing_on line with the exporter and the endpoint, its user and password left out."""
    tracing_settings = TracingSettings(endpoint="https://user:s3cret@127.0.0.1:4318/?token=t0k")
    with capture_logs() as events:
        tracing = start_tracing(Settings(tracing=tracing_settings))
    assert tracing is not None
    tracing.shutdown()

    assert [{"event": "tracing_on", "log_level": "info", "exporters": "otlp", "endpoint": ""}] == [
        {**e, "endpoint": ""} for e in events
    ]
    assert "https://127.0.0.1:4318/v1/traces" == events[0]["endpoint"]
    assert "s3cret" not in repr(events) and "t0k" not in repr(events)


def test_missing_extra_is_logged_and_the_proxy_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables asking for traces without the extra installed log tracing_unavailable with the fix; no tracing."""
    for name in [m for m in sys.modules if m.partition(".")[0] == "opentelemetry"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # what an interpreter without the extra finds
    monkeypatch.delitem(sys.modules, "scim_proxy.web.spans", raising=False)
    monkeypatch.delattr(scim_proxy.web, "spans", raising=False)  # a package keeps its imported submodules
    settings = Settings(jumpcloud_url=JC_URL, tracing=TracingSettings(traces_exporter="otlp"))

    with capture_logs() as events:
        app = create_app(settings, jumpcloud=make_jumpcloud_client(settings))

    assert [("tracing_unavailable", "warning", "opentelemetry")] == [
        (e["event"], e["log_level"], e["missing"]) for e in events
    ]
    assert "scim-proxy[tracing]" in events[0]["fix"]
    assert BASE_MIDDLEWARE == [m.cls for m in app.user_middleware]


def test_variables_we_cannot_follow_are_logged() -> None:
    """A refused protocol and an SDK switched off each log a line at start, and tracing stays off."""
    grpc = TracingSettings(traces_exporter="otlp", protocol="grpc")
    disabled = TracingSettings(sdk_disabled="true", endpoint="http://127.0.0.1:4318")

    with capture_logs() as events:
        assert start_tracing(Settings(tracing=grpc)) is None
        assert start_tracing(Settings(tracing=disabled)) is None

    assert [("tracing_setting_ignored", "warning"), ("tracing_off", "info")] == [
        (e["event"], e["log_level"]) for e in events
    ]
    assert "http/protobuf" in events[0]["problem"]


class _Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver on loopback: keeps each export's path, headers and body."""

    received: list[tuple[str, dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(min(int(self.headers.get("content-length", "0")), 10_000_000))
        self.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(name="collector")
def _collector() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    """A loopback OTLP collector for one test: its base URL and what it received."""
    received: list[tuple[str, dict[str, str], bytes]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


async def test_spans_reach_an_otlp_collector(
    collector: tuple[str, list[tuple[str, dict[str, str], bytes]]], jc: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With OTEL_EXPORTER_OTLP_ENDPOINT set, the request's spans arrive over OTLP/HTTP when the app stops."""
    url, received = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-collector-token=abc")  # read by the SDK itself
    monkeypatch.setenv("OTEL_SERVICE_NAME", "scim-proxy-staging")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    settings = Settings.from_env({"SCIM_PROXY_JUMPCLOUD_URL": JC_URL, "OTEL_EXPORTER_OTLP_ENDPOINT": url})
    jc.get(f"/api/systemusers/{USER_ID}").respond(200, json=jc_user())
    upstream = make_jumpcloud_client(settings, transport=httpx.MockTransport(jc.async_handler))
    app = create_app(settings, jumpcloud=upstream)

    async with app.router.lifespan_context(app), upstream.http:
        inbound = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=inbound, base_url="http://proxy.test") as client:
            assert 200 == (await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)).status_code
        assert [] == received  # batched: nothing is sent on the request's path

    exported = ExportTraceServiceRequest()
    for path, headers, body in received:
        assert ("/v1/traces", "abc") == (path, headers["x-collector-token"])
        exported.MergeFromString(body)
    (resource_spans,) = exported.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert "scim-proxy-staging" == resource["service.name"]
    names = sorted(span.name for scope in resource_spans.scope_spans for span in scope.spans)
    assert ["GET /api/systemusers/{id}", "GET /scim/v2/Users/{id}"] == names
    assert "jc-test-key" not in json.dumps([body.decode("latin-1") for _, _, body in received])
