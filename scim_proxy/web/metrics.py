"""Prometheus metrics, one registry per app (tests and workers never share global state)."""

from __future__ import annotations

from collections.abc import Callable
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
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.web.middleware import PROBE_PATHS

AUTH_REJECTION_REASONS = ("negative_cache", "ip_budget", "jumpcloud")
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
        self.auth_rejections = Counter(
            "scim_auth_rejections_total",
            "SCIM requests refused for their API key: negative_cache (JumpCloud rejected it moments ago), "
            "ip_budget (429: the address ran out of failed keys), jumpcloud (a 401 from JumpCloud)",
            ["reason"],
            registry=self.registry,
        )
        for reason in AUTH_REJECTION_REASONS:
            self.auth_rejections.labels(reason)  # every series exists from the start, for rate() in alerts
        self.calls_in_flight = Gauge(
            "jumpcloud_calls_in_flight", "JumpCloud calls in flight, all API keys", registry=self.registry
        )
        self.unverified_calls_in_flight = Gauge(
            "jumpcloud_unverified_calls_in_flight",
            "JumpCloud calls in flight with API keys JumpCloud has not accepted yet",
            registry=self.registry,
        )
        self.auth_table_entries = Gauge(
            "scim_auth_table_entries",
            "Entries in the bounded failed-auth tables: rejected_keys, accepted_keys, client_addresses",
            ["table"],
            registry=self.registry,
        )
        # The labelled series each request touches, looked up once: `labels()` validates and locks on
        # every call. The keys are bounded: operation names and endpoint templates come from our code,
        # statuses are three digits.
        self._request_series: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._call_series: dict[tuple[str, str, int | None], tuple[Any, Any]] = {}

    def watch_auth(self, client: Callable[[], JumpCloudClient | None], addresses: Callable[[], int]) -> None:
        """Read the in-flight calls and the table sizes when scraped (nothing to do per request)."""

        def read(pick: Callable[[JumpCloudClient], int]) -> Callable[[], float]:
            def value() -> float:
                current = client()
                return float(pick(current)) if current is not None else 0.0

            return value

        self.calls_in_flight.set_function(read(lambda c: c.calls.in_flight))
        self.unverified_calls_in_flight.set_function(read(lambda c: c.calls.unverified_in_flight))
        self.auth_table_entries.labels("rejected_keys").set_function(read(lambda c: c.verdicts.sizes()[0]))
        self.auth_table_entries.labels("accepted_keys").set_function(read(lambda c: c.verdicts.sizes()[1]))
        self.auth_table_entries.labels("client_addresses").set_function(lambda: float(addresses()))

    def auth_rejected(self, reason: str) -> None:
        self.auth_rejections.labels(reason).inc()

    def request_started(self) -> None:
        self.in_flight.inc()

    def request_finished(self, summary: dict[str, Any]) -> None:
        self.in_flight.dec()
        if summary["path"] in PROBE_PATHS:
            return
        key = (summary["operation"], summary["status"])
        series = self._request_series.get(key)
        if series is None:
            operation, status = key
            series = self._request_series[key] = (
                self.requests.labels(operation, str(status)),
                self.latency.labels(operation),
            )
        series[0].inc()
        series[1].observe(summary["duration_ms"] / 1000)
        if summary["retries"]:
            self.retries.inc(summary["retries"])

    def upstream_call(self, method: str, path: str, status: int | None, seconds: float) -> None:
        key = (method, endpoint_label(path), status)
        series = self._call_series.get(key)
        if series is None:
            _, endpoint, _ = key
            series = self._call_series[key] = (
                self.upstream_calls.labels(method, endpoint, str(status) if status else "error"),
                self.upstream_latency.labels(method, endpoint),
            )
        series[0].inc()
        series[1].observe(seconds)
        if status == 429:
            self.throttles.inc()

    async def endpoint(self, request: Request) -> Response:
        """GET /metrics in the Prometheus text format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
