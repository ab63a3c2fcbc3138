"""Prometheus metrics, one registry per app (tests and workers never share global state)."""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.ids import is_object_id

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0)


def endpoint_label(path: str) -> str:
    """`/api/systemusers/64b0…` -> `/api/systemusers/{id}`: bounded label cardinality."""
    return "/".join("{id}" if is_object_id(segment) else segment for segment in path.split("/"))


class Metrics:
    """The proxy's metrics: SCIM requests, JumpCloud calls, retries, throttles, in-flight requests."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "scim_requests_total", "SCIM requests answered", ["operation", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "scim_request_duration_seconds",
            "SCIM request latency",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge("scim_requests_in_flight", "SCIM requests being handled", registry=self.registry)
        self.upstream_calls = Counter(
            "jumpcloud_calls_total",
            "JumpCloud HTTP calls",
            ["method", "endpoint", "status"],
            registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "jumpcloud_call_duration_seconds",
            "JumpCloud call latency",
            ["method", "endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.retries = Counter("jumpcloud_retries_total", "JumpCloud calls retried", registry=self.registry)
        self.throttles = Counter("jumpcloud_throttled_total", "JumpCloud 429 answers", registry=self.registry)

    def request_started(self) -> None:
        self.in_flight.inc()

    def request_finished(self, summary: dict[str, Any]) -> None:
        self.in_flight.dec()
        if summary["path"] in {"/metrics", "/healthz", "/readyz"}:
            return
        self.requests.labels(summary["operation"], str(summary["status"])).inc()
        self.latency.labels(summary["operation"]).observe(summary["duration_ms"] / 1000)
        if summary["retries"]:
            self.retries.inc(summary["retries"])

    def upstream_call(self, method: str, path: str, status: int | None, seconds: float) -> None:
        endpoint = endpoint_label(path)
        self.upstream_calls.labels(method, endpoint, str(status) if status else "error").inc()
        self.upstream_latency.labels(method, endpoint).observe(seconds)
        if status == 429:
            self.throttles.inc()

    async def endpoint(self, request: Request) -> Response:
        """GET /metrics in the Prometheus text format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
