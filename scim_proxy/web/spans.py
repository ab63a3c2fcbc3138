"""OpenTelemetry spans: one server span per SCIM request, one client span per JumpCloud exchange.

Imported only when tracing is on (`tracing.start_tracing`): the product runs without the extra.
Names and attributes follow the HTTP semantic conventions where they fit, plus `scim.*`.
Spans carry no personal data and no secret: paths are templated (`/scim/v2/Users/{id}`),
never a header, a body, a query, a userName or an email. Org ids are JumpCloud ids.

The server span wraps RequestContextMiddleware, so the request's summary (its observers)
and every JumpCloud call (the client's call observers) happen while it is the current span.
A JumpCloud exchange is reported after the fact with its duration, so its span is built with
explicit start and end times. No `traceparent` is sent to JumpCloud (see README, Tracing).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from scim_proxy import __version__
from scim_proxy.ids import is_object_id
from scim_proxy.web.metrics import endpoint_label
from scim_proxy.web.middleware import PROBE_PATHS
from scim_proxy.web.tracing import ExportPlan

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
# Path segments of our routes; any other segment is an id (or junk) and becomes a placeholder.
_ROUTE_SEGMENTS = frozenset(
    {"", "scim", "v2", "orgs", "Users", "Groups", ".search", "ServiceProviderConfig", "Schemas", "ResourceTypes"}
)
_MAX_SEGMENTS = 10
_PROPAGATOR = TraceContextTextMapPropagator()  # W3C only, length-capped (512) by the propagator itself


def exporting_provider(plan: ExportPlan) -> TracerProvider:
    """A tracer provider of our own (not the global one) batching spans to the planned exporters.

    The SDK reads its own variables here: OTEL_TRACES_SAMPLER, OTEL_BSP_*, the exporter's
    headers, TLS files, timeout and compression, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES.
    """
    provider = TracerProvider(resource=_resource(), shutdown_on_exit=False)  # the lifespan shuts it down
    for name in plan.exporters:
        exporter: SpanExporter = OTLPSpanExporter(endpoint=plan.endpoint) if name == "otlp" else ConsoleSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _resource() -> Resource:
    """service.name `scim-proxy` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise."""
    ours = Resource.create({"service.name": "scim-proxy", "service.version": __version__})
    return ours.merge(OTELResourceDetector().detect())


def scim_path_template(path: str) -> str:
    """`/orgs/<org>/scim/v2/Users/<anything>` -> `/orgs/{org_id}/scim/v2/Users/{id}`: bounded, nothing personal."""
    segments = path.split("/", _MAX_SEGMENTS)
    template = []
    for index, segment in enumerate(segments):
        if segment in _ROUTE_SEGMENTS and index < _MAX_SEGMENTS:
            template.append(segment)
        elif index == 2 and segments[1] == "orgs":
            template.append("{org_id}")
        else:
            template.append("{id}")
    return "/".join(template)


class Tracing:
    """The proxy's tracer: the server-span middleware and the observers that finish the spans."""

    def __init__(self, provider: TracerProvider, *, jumpcloud_url: str) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("scim_proxy", __version__)
        upstream = urlsplit(jumpcloud_url)
        self._server: dict[str, str | int] = {
            "server.address": upstream.hostname or "",
            "server.port": upstream.port or (443 if upstream.scheme == "https" else 80),
        }

    def middleware(self) -> Middleware:
        """The ASGI layer that opens the server span; it goes outside RequestContextMiddleware."""
        return Middleware(ServerSpanMiddleware, tracing=self)

    def request_finished(self, summary: Mapping[str, Any]) -> None:
        """RequestContextMiddleware observer: name the server span and give it the outcome."""
        span = trace.get_current_span()
        if not span.is_recording():
            return
        status = int(summary["status"])
        operation = str(summary["operation"])
        attributes: dict[str, str | int] = {
            "http.response.status_code": status,
            "scim.operation": operation,
            "scim.request_id": str(summary["request_id"]),
            "scim.retries": int(summary["retries"]),
            "scim.upstream_calls": int(summary["upstream_calls"]),
        }
        if is_object_id(summary.get("org_id")):
            attributes["scim.org_id"] = str(summary["org_id"])
        if operation != "unknown":  # a route matched: its template is the low-cardinality name
            route = scim_path_template(str(summary["path"]))
            attributes["http.route"] = route
            span.update_name(f"{_method(str(summary['method']))} {route}")
        if status >= 500:
            attributes["error.type"] = str(status)
            span.set_status(StatusCode.ERROR)
        span.set_attributes(attributes)

    def upstream_call(self, method: str, path: str, status: int | None, seconds: float) -> None:
        """JumpCloudClient call observer: a finished client span, child of the request's span."""
        if not trace.get_current_span().is_recording():
            return
        ended = time.time_ns()
        template = endpoint_label(path)
        attributes: dict[str, str | int] = {
            "http.request.method": _method(method),
            "url.template": template,
            **self._server,
        }
        if status is not None:
            attributes["http.response.status_code"] = status
        error = _error_type(status)
        if error:
            attributes["error.type"] = error
        span = self.tracer.start_span(
            f"{_method(method)} {template}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=ended - int(seconds * 1e9),
        )
        if error:
            span.set_status(StatusCode.ERROR)
        span.end(end_time=ended)

    def shutdown(self) -> None:
        """Export what is still queued, then stop the exporters (blocking: call it off the event loop)."""
        self.provider.shutdown()


class ServerSpanMiddleware:
    """Opens the SERVER span of a SCIM request, continuing an incoming W3C `traceparent` if valid."""

    def __init__(self, app: ASGIApp, *, tracing: Tracing) -> None:
        self.app = app
        self.tracer = tracing.tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        method = _method(scope["method"])
        with self.tracer.start_as_current_span(
            method,
            context=_PROPAGATOR.extract(_trace_headers(scope)),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.scheme": scope.get("scheme", "http"),
                "url.path": scim_path_template(scope["path"]),
            },
            # An exception's message could hold anything (a userName in a KeyError): its class only.
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:
                span.set_attribute("error.type", f"{type(exc).__module__}.{type(exc).__qualname__}")
                span.set_status(StatusCode.ERROR)
                raise


def _trace_headers(scope: Scope) -> dict[str, list[str]]:
    """Only the two W3C trace context headers: baggage and everything else stay out of the span."""
    carrier: dict[str, list[str]] = {}
    for name, value in scope.get("headers", []):
        if name in (b"traceparent", b"tracestate"):
            carrier.setdefault(name.decode(), []).append(value.decode("latin-1"))
    return carrier


def _method(method: str) -> str:
    """The method, or `_OTHER` for one HTTP does not define (semantic conventions: bounded names)."""
    return method if method in _METHODS else "_OTHER"


def _error_type(status: int | None) -> str | None:
    """4xx and 5xx as the status; no answer as the transport error's class, read while it is handled."""
    if status is not None:
        return str(status) if status >= 400 else None
    # The client reports an unanswered exchange from inside its `except httpx.TransportError`.
    failure = sys.exc_info()[0]
    return f"{failure.__module__}.{failure.__qualname__}" if failure is not None else "_OTHER"
