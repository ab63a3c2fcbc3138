"""What the app exports, read off a live /metrics, and the check that a query reads nothing else.

The export list is never written down here (except for the pending metrics below): the app is
built, driven through requests in-process so every labelled series exists (a JumpCloud 429 then
200, a search, a 404, then every route and method of the SCIM mount once without a key, so each
operation label value shows up as the app really names it), and /metrics is parsed. A renamed
metric, label or operation then breaks the dashboard and alert tests instead of an operator's
dashboard.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Mapping

import attrs
import httpx
import respx
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

from ..helpers import AUTH, JC_URL, USER_ID, jc_user
from .promql import Matcher, parse

# Metrics a parallel branch adds that the dashboard and alerts may use before it lands; empty
# when none is in flight (the failed-auth defence of issue 11 exports its own now).
PENDING_EXPORTS: Mapping[str, frozenset[str]] = {}
AUTH_REJECTION_REASONS = frozenset({"negative_cache", "ip_budget", "jumpcloud"})

# Labels Prometheus adds when it scrapes (job, instance) and the ServiceMonitor's Kubernetes
# discovery adds (namespace, pod); `up` is the series Prometheus itself writes for each target.
TARGET_LABELS = frozenset({"job", "instance", "namespace", "pod"})
SCRAPE_SERIES: Mapping[str, frozenset[str]] = {"up": frozenset()}
JOB = "scim-proxy"
HTTP_STATUSES = frozenset(str(code) for code in range(100, 600))
JUMPCLOUD_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_LEGEND_LABEL = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
_TEMPLATE_LABEL = re.compile(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)")


@attrs.frozen
class Exports:
    """Series names with their label names, and the values of the labels whose values are a closed set."""

    labels: Mapping[str, frozenset[str]]
    values: Mapping[str, frozenset[str]]


@functools.cache
def app_exports() -> Exports:
    """The app's real exports plus the pending ones and Prometheus's own `up`."""
    scraped, seen = _scraped()
    labels = {**SCRAPE_SERIES, **PENDING_EXPORTS, **scraped}
    values = {
        "operation": seen["operation"],
        "status": HTTP_STATUSES | {"error"},  # jumpcloud_calls_total says "error" for no answer
        "method": JUMPCLOUD_METHODS,
        "reason": AUTH_REJECTION_REASONS,
        "job": frozenset({JOB}),
        "le": seen["le"],
    }
    return Exports(labels=labels, values=values)


def scraped_exports() -> Mapping[str, frozenset[str]]:
    """Only what /metrics showed: series name -> label names."""
    return _scraped()[0]


def operations() -> frozenset[str]:
    """Every value of the `operation` label the app produced for its SCIM routes (and "unknown": no route)."""
    return _scraped()[1]["operation"]


@functools.cache
def _scraped() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    return asyncio.run(_scrape())


async def _scrape() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Drive the app through requests that create every series; its /metrics as names -> labels, label -> values."""
    router = respx.Router(base_url=JC_URL, assert_all_mocked=True)
    router.get(f"/api/systemusers/{USER_ID}").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json=jc_user())]
    )
    router.post("/api/search/systemusers").respond(200, json={"totalCount": 0, "results": []})
    settings = Settings(jumpcloud_url=JC_URL, retry_attempts=3, retry_backoff=0.001, retry_backoff_max=0.01)
    upstream = make_jumpcloud_client(settings, transport=httpx.MockTransport(router.async_handler))
    app = create_app(settings, jumpcloud=upstream)
    inbound = httpx.ASGITransport(app=app)
    async with upstream.http, httpx.AsyncClient(transport=inbound, base_url="http://proxy.test") as client:
        statuses = [
            (await client.get(f"/scim/v2/Users/{USER_ID}", headers=AUTH)).status_code,
            (await client.get("/scim/v2/Users", params={"filter": 'userName eq "nobody"'}, headers=AUTH)).status_code,
            (await client.get("/scim/v2/Users/not-a-jumpcloud-id", headers=AUTH)).status_code,
        ]
        assert [200, 200, 404] == statuses
        # Every route and method once, without a key: answered before any JumpCloud call, and
        # labelled with the operation the app reports (group_by_id names its GET/PUT/PATCH/DELETE).
        for path, method in _scim_routes(app):
            await client.request(method, "/scim/v2" + path.replace("{id}", USER_ID).replace("{id:path}", "x"))
        await client.get("/no-such-route")
        text = (await client.get("/metrics")).text
    assert 3 == len(router.calls), "429 + 200 + the search; the keyless requests reach no JumpCloud"
    series: dict[str, set[str]] = {}
    values: dict[str, set[str]] = {"operation": set(), "le": set()}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series.setdefault(sample.name, set()).update(sample.labels)
            for label in values.keys() & sample.labels.keys():
                values[label].add(sample.labels[label])
    return (
        {name: frozenset(labels) for name, labels in series.items()},
        {label: frozenset(found) for label, found in values.items()},
    )


def _scim_routes(app: Starlette) -> list[tuple[str, str]]:
    """(path, method) of every route under the /scim/v2 mount.

    HEAD (which Starlette adds to every GET route) is left out: it names the same operation as
    GET, and HEAD /Groups/{id} currently fails with a 500 (group_by_id has no HEAD handler).
    """
    (mount,) = [route for route in app.routes if isinstance(route, Mount) and route.path == "/scim/v2"]
    return [
        (route.path, method)
        for route in mount.routes
        if isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"})
    ]


def unknown_references(expr: str, exports: Exports, *, also_labels: frozenset[str] = frozenset()) -> list[str]:
    """What `expr` (and the labels in `also_labels`, e.g. a legend's) reads that the app does not export.

    Checked: each metric name; each matcher's label on that metric; each matcher's value where the
    label's values are a closed set (a regex alternative that matches no real value is a typo);
    each grouping label and each of `also_labels` on at least one selected metric. Empty: all real.
    """
    parsed = parse(expr)
    problems: list[str] = []
    readable = set(TARGET_LABELS)
    for selector in parsed.selectors:
        labels = exports.labels.get(selector.metric)
        if labels is None:
            problems.append(f"{selector.metric} is not a metric the app exports")
            continue
        readable |= labels
        for matcher in selector.matchers:
            if matcher.label not in labels | TARGET_LABELS:
                problems.append(f"{selector.metric} has no label {matcher.label!r}")
            elif not _value_is_real(matcher, exports.values.get(matcher.label)):
                problems.append(
                    f"{selector.metric}{{{matcher.label}{matcher.op}{matcher.value!r}}} matches no real value"
                )
    problems.extend(
        f"no metric in the query has label {label!r}"
        for label in sorted((parsed.grouping_labels | also_labels) - readable)
    )
    return problems


def legend_labels(legend: str) -> frozenset[str]:
    """The labels a Grafana legend (`{{operation}} {{status}}`) or an alert template (`$labels.job`) names."""
    return frozenset(_LEGEND_LABEL.findall(legend)) | frozenset(_TEMPLATE_LABEL.findall(legend))


def _value_is_real(matcher: Matcher, universe: frozenset[str] | None) -> bool:
    """Whether the matcher's value names real values; always true for open labels and Grafana variables."""
    if universe is None or "$" in matcher.value or matcher.value == "":
        return True
    if matcher.op in {"=", "!="}:
        return matcher.value in universe
    try:
        return all(
            any(re.fullmatch(alternative, value) for value in universe) for alternative in alternatives(matcher.value)
        )
    except re.error:
        return False


def alternatives(regex: str) -> list[str]:
    """The top-level `|` branches of a regex (not those inside parentheses or escaped)."""
    branches, depth, start, escaped = [], 0, 0, False
    for index, char in enumerate(regex):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(regex[start:index])
            start = index + 1
    branches.append(regex[start:])
    return branches
