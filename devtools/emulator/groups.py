"""v2 user group routes under /api/v2 (reference section 14): bare arrays plus `x-total-count`."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devtools.emulator.errors import BadRequest, NotFound
from devtools.emulator.filters import parse_v2_filter, term_matches
from devtools.emulator.query import (
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    page,
    parse_count,
    project,
    sort_records,
    split_names,
)
from devtools.emulator.web import JcResponse, emulator_of, json_object, org_for, unknown_id, unsorted_seed

MEMBER_OPS = ("add", "remove", "update")


async def list_groups(request: Request) -> Response:
    """GET /api/v2/usergroups: `filter=name:eq:Value` (repeatable or comma-joined, ANDed), sort, fields, paging."""
    org = org_for(request)
    params = request.query_params
    skip, limit = _paging(request)
    metacharacters = emulator_of(request).quirks.v2_filter_metacharacters
    terms = [term for value in params.getlist("filter") for term in parse_v2_filter(value, metacharacters)]
    fields = split_names(params.get("fields"), name="fields")
    seed = unsorted_seed(request, params.get("sort"))
    with emulator_of(request).lock:
        found = sort_records(
            [g for g in org.groups.values() if all(term_matches(g, term) for term in terms)],
            params.get("sort"),
            shuffle_seed=seed,
        )
        results = [project(g, fields, always=("id",)) for g in page(found, skip=skip, limit=limit)]
        return _array(copy.deepcopy(results), total=len(found))


async def create_group(request: Request) -> Response:
    """POST /api/v2/usergroups: 201 with the group; a duplicate name is 409 Already Exists."""
    org = org_for(request)
    body = await json_object(request)
    with emulator_of(request).lock:
        return JcResponse(org.create_group(body), status_code=201)


async def get_group(request: Request) -> Response:
    """GET /api/v2/usergroups/{id} (an unknown id: 404, or 200 and no body)."""
    org = org_for(request)
    with emulator_of(request).lock:
        try:
            return JcResponse(copy.deepcopy(org.get_group(request.path_params["id"])))
        except NotFound:
            return unknown_id(request)


async def update_group(request: Request) -> Response:
    """PUT /api/v2/usergroups/{id}: a full update, `name` required (an unknown id: as GET)."""
    org = org_for(request)
    body = await json_object(request)
    with emulator_of(request).lock:
        try:
            org.get_group(request.path_params["id"])
        except NotFound:
            return unknown_id(request)
        return JcResponse(org.update_group(request.path_params["id"], body))


async def delete_group(request: Request) -> Response:
    """DELETE /api/v2/usergroups/{id}: 200 with the deleted group."""
    org = org_for(request)
    with emulator_of(request).lock:
        return JcResponse(org.delete_group(request.path_params["id"]))


async def list_group_members(request: Request) -> Response:
    """GET /api/v2/usergroups/{id}/members: direct members as GraphConnections."""
    org = org_for(request)
    skip, limit = _paging(request)
    with emulator_of(request).lock:
        member_ids = list(org.members[org.get_group(request.path_params["id"])["id"]])
    return _array([_connection(uid, "user") for uid in page(member_ids, skip=skip, limit=limit)], total=len(member_ids))


async def list_group_membership(request: Request) -> Response:
    """GET /api/v2/usergroups/{id}/membership: all members (no nesting here, so the direct ones)."""
    org = org_for(request)
    skip, limit = _paging(request)
    with emulator_of(request).lock:
        member_ids = list(org.members[org.get_group(request.path_params["id"])["id"]])
    chunk = page(member_ids, skip=skip, limit=limit)
    return _array([_with_paths(uid, "user") for uid in chunk], total=len(member_ids))


async def change_group_members(request: Request) -> Response:
    """POST /api/v2/usergroups/{id}/members `{"op", "type": "user", "id"}`: 204, no body."""
    org = org_for(request)
    body = await json_object(request)
    if body.get("op") not in MEMBER_OPS:
        raise BadRequest(f"op must be one of {', '.join(MEMBER_OPS)}")
    if body.get("type") != "user":
        raise BadRequest("type must be user")
    if not isinstance(body.get("id"), str):
        raise BadRequest("id is required")
    with emulator_of(request).lock:
        org.change_member(request.path_params["id"], op=body["op"], user_id=body["id"])
    return Response(status_code=204)


async def list_user_memberof(request: Request) -> Response:
    """GET /api/v2/users/{id}/memberof: the user's groups as GraphObjectWithPaths."""
    org = org_for(request)
    skip, limit = _paging(request)
    with emulator_of(request).lock:
        group_ids = org.groups_of(request.path_params["id"])
    chunk = page(group_ids, skip=skip, limit=limit)
    return _array([_with_paths(gid, "user_group") for gid in chunk], total=len(group_ids))


def _paging(request: Request) -> tuple[int, int]:
    params = request.query_params
    limit = parse_count(params.get("limit"), name="limit", default=LIST_LIMIT_DEFAULT, maximum=LIST_LIMIT_MAX)
    return parse_count(params.get("skip"), name="skip", default=0), limit


def _array(items: Sequence[Any], *, total: int) -> Response:
    return JcResponse(list(items), headers={"x-total-count": str(total)})


def _connection(object_id: str, object_type: str) -> dict[str, Any]:
    return {"to": {"id": object_id, "type": object_type, "attributes": None}, "attributes": None}


def _with_paths(object_id: str, object_type: str) -> dict[str, Any]:
    # without nested groups every path is the one direct edge to the object
    return {
        "id": object_id,
        "type": object_type,
        "paths": [[_connection(object_id, object_type)]],
        "compiledAttributes": None,
    }


def group_routes() -> list[Route]:
    """The v2 group routes; their names are what fault rules and `EmulatorState.calls` use."""
    member_path = "/api/v2/usergroups/{id}/members"
    return [
        Route("/api/v2/usergroups", list_groups, methods=["GET"], name="list_groups"),
        Route("/api/v2/usergroups", create_group, methods=["POST"], name="create_group"),
        Route("/api/v2/usergroups/{id}", get_group, methods=["GET"], name="get_group"),
        Route("/api/v2/usergroups/{id}", update_group, methods=["PUT"], name="update_group"),
        Route("/api/v2/usergroups/{id}", delete_group, methods=["DELETE"], name="delete_group"),
        Route(member_path, list_group_members, methods=["GET"], name="list_group_members"),
        Route(member_path, change_group_members, methods=["POST"], name="change_group_members"),
        Route(
            "/api/v2/usergroups/{id}/membership",
            list_group_membership,
            methods=["GET"],
            name="list_group_membership",
        ),
        Route("/api/v2/users/{id}/memberof", list_user_memberof, methods=["GET"], name="list_user_memberof"),
    ]
