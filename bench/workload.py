"""The Entra-shaped workload: a deterministic list of operations, each in two forms.

Every operation carries the SCIM request Entra would send to the proxy *and* the one
JumpCloud request the proxy translates it into (built with the proxy's own pure modules,
so "direct" and the forwarders replay exactly what the proxy sends upstream). Both forms
are computed here, ahead of time, so the load generator spends no CPU translating.

State: the emulator is reset and seeded before every (way, level) run with a *live* pool
(looked up, patched, read) and a *doomed* pool (one user per DELETE), so no request of a
run depends on the completion order of another: every one of them succeeds.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlencode

from devtools.entra_sim import PATCH_OP, DirectoryUser
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.patch import parse_patch
from scim_proxy.scim.resources import parse_user
from scim_proxy.translate import users as mapping
from scim_proxy.translate.search import user_search
from scim_proxy.translate.search_rules import user_tables
from scim_proxy.translate.users import DEFAULT_MAPPING

OPERATIONS = ("get_filter", "post", "patch", "get_id", "delete")
DEFAULT_MIX = {"get_filter": 45, "post": 20, "patch": 25, "get_id": 5, "delete": 5}
SCIM_PREFIX = "/scim/v2"
_DEPARTMENTS = ("Sales", "Engineering", "Finance", "Support", "Legal")


def parse_mix(text: str | None) -> dict[str, float]:
    """`get_filter=45,post=20,...` -> weights; missing operations weigh 0."""
    if not text:
        return dict(DEFAULT_MIX)
    mix = dict.fromkeys(OPERATIONS, 0.0)
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in mix:
            raise ValueError(f"unknown operation {name!r} in --mix; known: {', '.join(OPERATIONS)}")
        mix[name] = float(weight)
    if sum(mix.values()) <= 0:
        raise ValueError("--mix weighs nothing")
    return mix


def seed_user(index: int, *, tag: str) -> dict[str, Any]:
    """A JumpCloud create body for a seeded user (the emulator's own validation applies)."""
    name = f"{tag}{index:06d}"
    return {
        "username": name,
        "email": f"{name}@example.com",
        "firstname": "Seed",
        "lastname": f"User{index}",
        "displayname": f"Seed User{index}",
        "external_dn": f"00000000-0000-4000-8000-{index:012d}",
        "department": _DEPARTMENTS[index % len(_DEPARTMENTS)],
    }


def plan(mix: dict[str, float], total: int, *, seed: int) -> list[str]:
    """The operation kinds of one run, in order (same seed, same list)."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible workload, not crypto
    names = [name for name in OPERATIONS if mix.get(name, 0) > 0]
    weights = [mix[name] for name in names]
    return rng.choices(names, weights=weights, k=total)


def build(
    kinds: list[str], *, live: list[dict[str, Any]], doomed: list[dict[str, Any]], run_tag: str, seed: int
) -> list[dict[str, Any]]:
    """One request per kind: `{"op", "scim": {...}, "jc": {...}}`, each {method, path, body?, headers}.

    `live` and `doomed` are the seeded users as the emulator returned them (`_id`, `username`).
    """
    rng = random.Random(seed + 1)  # noqa: S311 -- a reproducible workload, not crypto
    doomed_iter = iter(doomed)
    ops: list[dict[str, Any]] = []
    for number, kind in enumerate(kinds):
        target = next(doomed_iter) if kind == "delete" else live[rng.randrange(len(live))]
        ops.append({"op": kind, **_forms(kind, target, number, run_tag, rng)})
    return ops


def _forms(kind: str, target: dict[str, Any], number: int, run_tag: str, rng: random.Random) -> dict[str, Any]:
    user_id = target["_id"]
    scim_json = {"content-type": "application/scim+json; charset=utf-8"}
    if kind == "get_filter":
        text = f'userName eq "{target["username"]}"'
        tables = user_tables(DEFAULT_MAPPING)
        query = user_search(parse(text), tables.attributes, tables.rules).query
        return {
            "scim": _req("GET", f"{SCIM_PREFIX}/Users?{urlencode({'filter': text})}"),
            "jc": _req("POST", "/api/search/systemusers", {"filter": query, "skip": 0, "limit": 100}),
        }
    if kind == "post":
        name = f"{run_tag}n{number:06d}"
        user = DirectoryUser(
            object_id=f"10000000-0000-4000-8000-{number:012d}",
            mail_nickname=name,
            upn=f"{name}@example.com",
            given_name="New",
            surname=f"Hire{number}",
            job_title="Engineer",
            department=_DEPARTMENTS[number % len(_DEPARTMENTS)],
        )
        scim_body = user.scim()
        jc_body = mapping.create_body(parse_user(scim_body).as_dict())
        return {
            "scim": _req("POST", f"{SCIM_PREFIX}/Users", scim_body, scim_json),
            "jc": _req("POST", "/api/systemusers", jc_body),
        }
    if kind == "patch":
        operations = [
            {"op": "Replace", "path": "title", "value": f"Title {rng.randrange(1000)}"},
            {"op": "Replace", "path": "active", "value": "True"},
        ]
        scim_body = {"schemas": [PATCH_OP], "Operations": operations}
        jc_body = mapping.update_body(parse_patch(scim_body).as_dict())
        return {
            "scim": _req("PATCH", f"{SCIM_PREFIX}/Users/{user_id}", scim_body, scim_json),
            "jc": _req("PUT", f"/api/systemusers/{user_id}", jc_body),
        }
    if kind == "get_id":
        return {"scim": _req("GET", f"{SCIM_PREFIX}/Users/{user_id}"), "jc": _req("GET", f"/api/systemusers/{user_id}")}
    if kind == "delete":
        return {
            "scim": _req("DELETE", f"{SCIM_PREFIX}/Users/{user_id}"),
            "jc": _req("DELETE", f"/api/systemusers/{user_id}?cascade_manager=null"),
        }
    raise ValueError(kind)


def _req(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"method": method, "path": path, "headers": dict(headers or {})}
    if body is not None:
        out["body"] = json.dumps(body)
        out["headers"].setdefault("content-type", "application/json")
    return out


def counts(kinds: list[str]) -> dict[str, int]:
    """How many of each operation a plan holds."""
    return {name: kinds.count(name) for name in OPERATIONS if name in kinds}
