"""v1 systemuser routes under /api (reference sections 3-8 and 11)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devtools.emulator.errors import BadRequest, NotFound
from devtools.emulator.filters import query_predicate
from devtools.emulator.query import (
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    SEARCH_LIMIT_MAX,
    page,
    parse_count,
    project,
    sort_records,
    split_names,
)
from devtools.emulator.search import body_predicate
from devtools.emulator.web import (
    JcResponse,
    emulator_of,
    header_is_true,
    json_object,
    org_for,
    unknown_id,
    unsorted_seed,
)

ALWAYS_RETURNED = ("_id", "id")


async def list_users(request: Request) -> Response:
    """GET /api/systemusers: filter, sort, page and project."""
    org = org_for(request)
    params = request.query_params
    if "search" in params:
        raise BadRequest("the search query parameter is not supported; use POST /api/search/systemusers")
    limit = parse_count(params.get("limit"), name="limit", default=LIST_LIMIT_DEFAULT, maximum=LIST_LIMIT_MAX)
    skip = parse_count(params.get("skip"), name="skip", default=0)
    fields = split_names(params.get("fields"), name="fields")
    matches = query_predicate(
        params.multi_items(), eventually_consistent=header_is_true(request, "x-eventually-consistent")
    )
    sort = params.get("sort")
    seed = unsorted_seed(request, sort)
    with emulator_of(request).lock:
        return _listing(list(org.users.values()), matches, sort=sort, skip=skip, limit=limit, fields=fields, seed=seed)


async def search_users(request: Request) -> Response:
    """POST /api/search/systemusers: filter objects, `$regex`, searchFilter; paging in body or query."""
    org = org_for(request)
    body = await json_object(request, empty_ok=True)
    params = request.query_params
    limit = parse_count(
        body.get("limit", params.get("limit")),
        name="limit",
        default=LIST_LIMIT_DEFAULT,
        maximum=SEARCH_LIMIT_MAX,
    )
    skip = parse_count(body.get("skip", params.get("skip")), name="skip", default=0)
    fields = split_names(body.get("fields", params.get("fields")), name="fields")
    matches = body_predicate(body)
    sort = body.get("sort", params.get("sort"))
    seed = unsorted_seed(request, sort)
    with emulator_of(request).lock:
        users = list(org.users.values())
        return _listing(users, matches, sort=sort, skip=skip, limit=limit, fields=fields, seed=seed)


async def get_user(request: Request) -> Response:
    """GET /api/systemusers/{id}, with optional `fields` (an unknown id: 404, or 200 and no body)."""
    org = org_for(request)
    fields = split_names(request.query_params.get("fields"), name="fields")
    with emulator_of(request).lock:
        try:
            user = org.get_user(request.path_params["id"])
        except NotFound:
            return unknown_id(request)
        return JcResponse(copy.deepcopy(project(user, fields, always=ALWAYS_RETURNED)))


async def create_user(request: Request) -> Response:
    """POST /api/systemusers: 200 (not 201) with the full user."""
    org = org_for(request)
    body = await json_object(request)
    with emulator_of(request).lock:
        return JcResponse(org.create_user(body))


async def update_user(request: Request) -> Response:
    """PUT /api/systemusers/{id}: partial update, 200 with the full user (an unknown id: as GET)."""
    org = org_for(request)
    body = await json_object(request)
    with emulator_of(request).lock:
        try:
            org.get_user(request.path_params["id"])
        except NotFound:
            return unknown_id(request)
        return JcResponse(org.update_user(request.path_params["id"], body))


async def delete_user(request: Request) -> Response:
    """DELETE /api/systemusers/{id}[?cascade_manager=null|<id>]: 200 with the deleted user."""
    org = org_for(request)
    raw = request.query_params.get("cascade_manager")
    cascade = None if raw is None else raw or "null"  # an empty value clears, like "null"
    with emulator_of(request).lock:
        return JcResponse(org.delete_user(request.path_params["id"], cascade_manager=cascade))


async def activate_user(request: Request) -> Response:
    """POST /api/systemusers/{id}/state/activate: STAGED -> ACTIVATED, 200 with `{}`."""
    org = org_for(request)
    body = await json_object(request, empty_ok=True)
    email = body.get("email", True)
    if not isinstance(email, bool | str):
        raise BadRequest("email must be a boolean or an email address")
    with emulator_of(request).lock:
        org.activate_user(request.path_params["id"])
    return JcResponse({})


def _listing(
    users: list[dict[str, Any]],
    matches: Callable[[Mapping[str, Any]], bool],
    *,
    sort: Any,
    skip: int,
    limit: int,
    fields: list[str],
    seed: int | None,
) -> Response:
    found = sort_records([user for user in users if matches(user)], sort, shuffle_seed=seed)
    results = [project(user, fields, always=ALWAYS_RETURNED) for user in page(found, skip=skip, limit=limit)]
    return JcResponse({"totalCount": len(found), "results": copy.deepcopy(results)})


def user_routes() -> list[Route]:
    """The v1 user routes; their names are what fault rules and `EmulatorState.calls` use."""
    return [
        Route("/api/systemusers", list_users, methods=["GET"], name="list_users"),
        Route("/api/systemusers", create_user, methods=["POST"], name="create_user"),
        Route("/api/search/systemusers", search_users, methods=["POST"], name="search_users"),
        Route("/api/systemusers/{id}", get_user, methods=["GET"], name="get_user"),
        Route("/api/systemusers/{id}", update_user, methods=["PUT"], name="update_user"),
        Route("/api/systemusers/{id}", delete_user, methods=["DELETE"], name="delete_user"),
        Route("/api/systemusers/{id}/state/activate", activate_user, methods=["POST"], name="activate_user"),
    ]
