"""The bench's pure pieces: the canned upstream's config, the profile's cost centres, the tenant keys,
the verdicts and the capacity arithmetic (the whole bench runs in test_bench_smoke.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import canned, loadgen, profiling, scenarios, targets

SITE = "/venv/lib/python3.11/site-packages"
OURS = "/repo/scim_proxy"


def test_canned_config_answers_the_recorded_user_under_the_requested_id(tmp_path: Path) -> None:
    """The nginx config carries the recorded user compact, a one-hit search, and the id slot as a named capture."""
    text = canned.config(8999, tmp_path)
    user = json.dumps(canned.user_body(), separators=(",", ":"))

    assert "listen 127.0.0.1:8999" in text
    assert f"return 200 '{user}';" in text
    assert '{"totalCount":1,"results":[' + user + "]}" in text
    assert '(?<user_id>[0-9a-f]{24})$"' in text
    assert '"_id":"$user_id","id":"$user_id"' in text
    assert f"access_log {tmp_path}/access.log calls;" in text


@pytest.mark.parametrize("body", [{"a": "it's"}, {"a": "$host"}, {"a": "back\\slash"}])
def test_canned_body_with_characters_nginx_would_read_is_refused(body: dict[str, Any]) -> None:
    """A quote, a dollar sign or a backslash in a canned body is refused rather than silently mangled."""
    with pytest.raises(ValueError, match="nginx would read them"):
        canned._literal(body)


@pytest.mark.parametrize(
    ("method", "uri", "route"),
    [
        ("POST", "/api/search/systemusers", "search_users"),
        ("POST", "/api/systemusers", "create_user"),
        ("GET", "/api/systemusers", "list_users"),
        ("GET", "/api/systemusers/64b0c0ffee0000000000abcd", "get_user"),
        ("PUT", "/api/systemusers/64b0c0ffee0000000000abcd", "update_user"),
        ("DELETE", "/api/systemusers/64b0c0ffee0000000000abcd", "delete_user"),
        ("GET", "/api/systemusers/not-an-id", "other"),
        ("GET", "/api/v2/usergroups", "other"),
    ],
)
def test_canned_access_log_lines_get_the_emulators_route_names(method: str, uri: str, route: str) -> None:
    """An access-log line counts under the same route name the emulator uses."""
    assert route == canned.route_name(method, uri)


def test_tenant_keys_are_distinct_and_carried_the_way_each_form_sends_them() -> None:
    """With keys=3 the SCIM form gets three distinct bearer tokens and the JumpCloud form three x-api-keys."""
    scim = loadgen._key_headers({"form": "scim", "headers": {"authorization": "Bearer one"}, "keys": 3})
    jc = loadgen._key_headers({"form": "jc", "headers": {"accept": "application/json"}, "keys": 3})
    single = loadgen._key_headers({"form": "scim", "headers": {"authorization": "Bearer one"}, "keys": 0})

    assert [f"Bearer {loadgen.tenant_key(i)}" for i in range(3)] == [h["authorization"] for h in scim]
    assert 3 == len({h["x-api-key"] for h in jc})
    assert all("application/json" == h["accept"] for h in jc)
    assert [{"authorization": "Bearer one"}] == single


def _collapsed(*stacks: tuple[list[str], int]) -> str:
    return "\n".join(";".join(frames) + f" {count}" for frames, count in stacks) + "\n"


def test_profile_charges_samples_to_what_our_innermost_frame_called() -> None:
    """A sample under httpx called from jumpcloud.py is charged to httpx's entry point (in detail: and the
    package it went on into), one in our own leaf to that function, and one with no scim_proxy frame to
    its first frame below the event loop."""
    outer = "run (/py/lib/python3.11/asyncio/runners.py:1)"
    handler = f"get_user ({OURS}/endpoints/users.py:102)"
    client = f"_once ({OURS}/jumpcloud.py:191)"
    collapsed = _collapsed(
        (
            [
                outer,
                handler,
                client,
                f"request ({SITE}/httpx/_client.py:1)",
                "__init__ (/py/lib/python3.11/urllib/request.py:1)",
            ],
            6,
        ),
        ([outer, handler, client], 3),
        ([outer, f"data_received ({SITE}/uvicorn/protocols/http/httptools_impl.py:1)"], 1),
    )

    result = profiling.analyse(collapsed)

    assert 10 == result["samples"]
    assert [
        ("httpx request <- scim_proxy/jumpcloud.py _once", 60.0),
        ("scim_proxy/jumpcloud.py _once (own code)", 30.0),
        ("uvicorn data_received (no scim_proxy frame)", 10.0),
    ] == [(c["name"], c["percent"]) for c in result["cost_centres"]]
    assert "httpx request -> urllib __init__ <- scim_proxy/jumpcloud.py _once" == result["details"][0]["name"]
    assert {"urllib": 60.0, "scim_proxy": 30.0, "uvicorn": 10.0} == {
        p["name"]: p["percent"] for p in result["packages"]
    }


def test_merged_rounds_add_wall_and_cpu_and_keep_every_sample() -> None:
    """Rounds of one way merge into one result: samples joined, wall and CPU seconds added."""
    first = {"client": "aiohttp", "wall_s": 1.0, "cpu_s": {"server": 0.5}, "samples": [["post", 1.0, 201]]}
    second = {"client": "aiohttp", "wall_s": 2.0, "cpu_s": {"server": 0.25}, "samples": [["patch", 2.0, 200]]}

    merged = scenarios.merge([first, second])

    assert 3.0 == merged["wall_s"]
    assert {"server": 0.75} == merged["cpu_s"]
    assert [["post", 1.0, 201], ["patch", 2.0, 200]] == merged["samples"]


def _run(cpu: float | None, p50: float, p99: float, rps: float = 1000.0) -> dict[str, Any]:
    return {"server_cpu_ms_per_req": cpu, "p50_ms": p50, "p99_ms": p99, "throughput_rps": rps, "rss_mb": 50.0}


def _results() -> dict[str, Any]:
    levels = [
        {"concurrency": c, "runs": {"direct": _run(None, 0.2, 0.4), "proxy-aiohttp": _run(1.0, 0.6, 2.0 + c),
                                     "fwd-httpx-aiohttp": _run(0.8, 0.5, 1.0)}}
        for c in (1, 10)
    ]  # fmt: skip
    multitenant = {"tenants": 1000, "single": _run(1.0, 1, 1, 1000.0), "multi": _run(1.05, 1, 1, 880.0)}
    pairs = [{"throughput_ratio": 0.8, "cpu_ratio": 1.2}, {"throughput_ratio": 0.88, "cpu_ratio": 1.05}]
    multitenant |= {"pairs": pairs, "median_throughput_ratio": 0.88, "median_cpu_ratio": 1.05}
    section = {"levels": levels, "calls_per_op": {"proxy-aiohttp": {"post": 1.0}}, "multitenant": multitenant}
    section["soak"] = {"tenants": 1000, "growth_per_100k_mb": 4.0, "growth_mb": 2.0, "measured_requests": 50_000}
    return {
        "config": {"proxy_way": "proxy-aiohttp"},
        "modes": {"canned": section},
        "startup": {"median_s": 0.6, "max_s": 0.7, "median_cpu_s": 0.5},
    }


def test_each_target_is_judged_against_its_limit() -> None:
    """125 % CPU fails 115 %, +0.4 ms p50 at c=1 passes 0.5 ms, +11.6 ms p99 at c=10 fails 5 ms, 88 %
    throughput fails 90 %, 105 % CPU passes 110 %, 4 MB growth passes 10 MB, 0.6 s start-up fails 0.5 s."""
    verdicts = {row["target"]: (row["measured"], row["verdict"]) for row in targets.evaluate(_results())}

    assert ("1.000 vs 0.800 ms = 125 %", "FAIL") == verdicts["CPU per SCIM request vs fwd-httpx-aiohttp, c=10 (canned)"]
    assert ("0.40 ms", "PASS") == verdicts["proxy-added p50 at c=1 (canned)"]
    assert ("11.60 ms", "FAIL") == verdicts["proxy-added p99 at c=10 (canned)"]
    assert "FAIL" == verdicts["1,000 keys vs 1: throughput"][1]
    assert verdicts["1,000 keys vs 1: CPU per request"][0].startswith("105 % (median of 2 back-to-back pairs")
    assert "PASS" == verdicts["1,000 keys vs 1: CPU per request"][1]
    assert "PASS" == verdicts["1,000 keys vs 1: RSS after the run"][1]
    assert "PASS" == verdicts["RSS growth per 100,000 requests (1,000 keys)"][1]
    assert "FAIL" == verdicts["start-up to /healthz 200, median"][1]
    assert "PASS" == verdicts["JumpCloud calls per SCIM operation (canned)"][1]


def test_capacity_follows_from_the_cpu_per_request() -> None:
    """1 ms CPU per request at c=10 is 1,000 req/s per core; 1,000 tenants all syncing at 25 req/s are
    25 cores: 143 replicas held at 175m, 36 at 700m; ten tenants one in ten syncing still get two."""
    cap = targets.capacity(_results())
    rows = {(row["tenants"], row["syncing"]): row for row in cap["rows"]}

    assert (1000, "c=10") == (cap["rps_per_core"], cap["source"])
    assert (25_000, 25.0) == (rows[1000, 1.0]["rps"], rows[1000, 1.0]["cores"])
    assert {"250m": 143, "1 CPU": 36} == rows[1000, 1.0]["replicas"]
    assert {"250m": 15, "1 CPU": 4} == rows[1000, 0.1]["replicas"]
    assert {"250m": 2, "1 CPU": 2} == rows[10, 0.1]["replicas"]


def test_cpu_is_judged_against_the_issues_yardstick_and_shown_against_the_same_client() -> None:
    """The target compares the proxy with the httpx-over-aiohttp forwarder; a proxy on another client is
    also shown (not judged) against the forwarder on its own client."""
    results = _results()
    for level in results["modes"]["canned"]["levels"]:
        level["runs"]["proxy-httptools"] = _run(0.9, 0.6, 2.0)
        level["runs"]["fwd-httpx-httptools"] = _run(0.6, 0.5, 1.0)
    results["config"]["proxy_way"] = "proxy-httptools"

    rows = {row["target"]: row for row in targets.evaluate(results)}

    judged = rows["CPU per SCIM request vs fwd-httpx-aiohttp, c=10 (canned)"]
    shown = rows["CPU per SCIM request vs fwd-httpx-httptools (the same client), c=10 (canned): not the target"]
    assert ("0.900 vs 0.800 ms = 112 %", "PASS") == (judged["measured"], judged["verdict"])
    assert ("0.900 vs 0.600 ms = 150 %", "info") == (shown["measured"], shown["verdict"])


def test_start_up_is_judged_on_the_image_like_install_and_the_checkout_is_shown() -> None:
    """With both timed, the image-like install's median is judged and the checkout's is an info row."""
    results = _results()
    image = {"install": "image-like install", "median_s": 0.3, "max_s": 0.4, "median_cpu_s": 0.25}
    results["startup"] = {**image, "median_ready_s": 0.32}
    results["startup_checkout"] = {
        "install": "this checkout's .venv",
        "median_s": 0.7,
        "median_cpu_s": 0.6,
        "median_ready_s": 0.72,
    }

    rows = {row["target"]: row for row in targets.evaluate(results)}

    judged = rows["start-up to /healthz 200, median (image-like install)"]
    assert ("0.30 s (max 0.40; CPU 0.25 s; /readyz 0.32 s)", "PASS") == (judged["measured"], judged["verdict"])
    assert "info" == rows["start-up to /healthz 200, median (this checkout's .venv): not the target"]["verdict"]


def test_forwarded_tenants_each_come_from_their_own_address() -> None:
    """With `forwarded`, each tenant key comes with its own X-Forwarded-For; the one-key case with one address."""
    spec = {"headers": {"accept": "application/scim+json"}, "form": "scim", "forwarded": True}

    many = loadgen._key_headers({**spec, "keys": 3})
    one = loadgen._key_headers({**spec, "keys": 0})
    plain = loadgen._key_headers({**spec, "keys": 2, "forwarded": False})

    assert [("Bearer bench-tenant-00000", "10.0.0.0"), ("Bearer bench-tenant-00002", "10.0.0.2")] == [
        (h["authorization"], h["x-forwarded-for"]) for h in (many[0], many[2])
    ]
    assert [{"accept": "application/scim+json", "x-forwarded-for": "10.0.0.0"}] == one
    assert all("x-forwarded-for" not in h for h in plain)
    assert "10.1.2.3" == loadgen.tenant_address(0x010203)
