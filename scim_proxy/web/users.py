"""/Users: thin handlers. Every rule lives in mapping, filters, patch and jumpcloud."""

from __future__ import annotations

from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.errors import Conflict, InvalidSyntax, NotFound, Throttled, UpstreamUnavailable
from scim_proxy.jumpcloud import budget
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.models import Credentials, JcPage, JcUser
from scim_proxy.scim import filters
from scim_proxy.scim.models import ScimUser
from scim_proxy.scim.patch import parse_patch
from scim_proxy.scim.projection import project
from scim_proxy.scim.resources import parse_user
from scim_proxy.scim.schema import BY_FIELD, ENTERPRISE_USER, LIST_RESPONSE
from scim_proxy.translate import users as mapping
from scim_proxy.translate.converters import make_scim_converter
from scim_proxy.web.requests import (
    ListParams,
    credentials_from,
    jumpcloud_from,
    list_params,
    read_json,
    resource_id,
    scim_base,
    settings_from,
)
from scim_proxy.web.responses import ScimResponse

log = structlog.get_logger("scim_proxy")
_scim = make_scim_converter()


async def list_users(request: Request) -> Response:
    """GET /Users: a filter, or a page of everyone; no match is 200 with an empty list."""
    return await _list(request, list_params(dict(request.query_params)))


async def search_users(request: Request) -> Response:
    """POST /Users/.search: the same as GET /Users, with the parameters in a SearchRequest body."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise InvalidSyntax("A SearchRequest must be a JSON object")
    return await _list(request, list_params(body))


async def _list(request: Request, params: ListParams) -> Response:
    auth = credentials_from(request)
    jc = jumpcloud_from(request)
    from_email = settings_from(request).username_from_email
    # JumpCloud has no "count only" call: ask for one and return none (count=0 wants only the total).
    limit = params.count or 1
    skip = params.start_index - 1
    terms: tuple[filters.Term, ...] = ()
    if params.filter is None:
        page = await jc.list_users(skip=skip, limit=limit, auth=auth)
    else:
        terms = filters.parse_filter(params.filter)
        wanted_id = filters.requested_id(terms)
        if any(not t.value for t in terms):
            # `eq ""`: no stored value is empty-and-set; a search for "" would match every unset field.
            page = JcPage(total_count=0, results=())
        elif wanted_id is None:
            query = filters.to_search_filter(terms, username_from_email=from_email)
            page = await jc.search_users(query, skip=skip, limit=limit, auth=auth)
        else:
            page = await _page_by_id(jc, wanted_id, auth, skip)
    users = [mapping.to_scim_user(u, username_from_email=from_email) for u in page.results]
    # Every hit is checked against SCIM's eq: JumpCloud's regex may match more (a trailing newline),
    # and `id eq` answered by a GET still has its other terms to satisfy.
    matching = [u for u in users if filters.matches(u, terms, username_from_email=from_email)]
    base = scim_base(request)
    resources = [
        project(_resource(u, base), attributes=params.attributes, excluded=params.excluded)
        for u in matching[: params.count]
    ]
    return ScimResponse(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": page.total_count - (len(users) - len(matching)),
            "startIndex": params.start_index,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


async def _page_by_id(jc: JumpCloudClient, wanted_id: str, auth: Credentials, skip: int) -> JcPage:
    """`id eq` is answered with one GET by id (the caller checks the other terms)."""
    if not wanted_id or skip > 0:
        return JcPage(total_count=0, results=())
    try:
        found = await jc.get_user(wanted_id, auth=auth)
    except NotFound:
        return JcPage(total_count=0, results=())
    return JcPage(total_count=1, results=(found,))


async def get_user(request: Request) -> Response:
    """GET /Users/{id}: one JumpCloud call; attributes/excludedAttributes applied here."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))  # a bad parameter is refused before any call
    found = await jumpcloud_from(request).get_user(user_id, auth=auth)
    return _user_response(request, found, params=params)


async def create_user(request: Request) -> Response:
    """POST /Users: 201 with Location; a create JumpCloud may have committed is never re-sent."""
    auth = credentials_from(request)
    settings = settings_from(request)
    parsed = parse_user(await read_json(request))
    _log_ignored(parsed.ignored)
    values = parsed.as_dict()
    body = mapping.create_body(values, username_from_email=settings.username_from_email)
    jc = jumpcloud_from(request)
    try:
        created = await jc.create_user(body, auth=auth)
    except Throttled:
        raise  # JumpCloud refused before doing anything
    except UpstreamUnavailable:
        # Timeout, dropped connection or 5xx: the user may exist now. Look before answering.
        recovered = await _committed_create(jc, body, auth, allow_email_match=True)
        if recovered is None:
            raise
        log.info("create_recovered", reason="unanswered_create")
        created = recovered
    except Conflict:
        # Entra re-sending a create that succeeded (its first answer was lost) ends the same way.
        recovered = await _committed_create(jc, body, auth, allow_email_match=False)
        if recovered is None:
            raise
        log.info("create_recovered", reason="already_exists_same_external_id")
        created = recovered
    return _user_response(request, created, status=201)


async def _committed_create(
    jc: JumpCloudClient, body: dict[str, Any], auth: Credentials, *, allow_email_match: bool
) -> JcUser | None:
    """The user our create asked for, if it exists and is the same person; else None.

    Same person: the same externalId; when the request had none and our own create went
    unanswered, the same email. An existing user that differs raises 409 (uniqueness).
    """
    try:
        page = await jc.search_users(filters.to_search_filter(_username_term(body)), skip=0, limit=2, auth=auth)
    except UpstreamUnavailable:
        return None
    if not page.results:
        return None
    existing = page.results[0]
    wanted_external = body.get("external_dn")
    if wanted_external:
        same = existing.external_dn == wanted_external
    else:
        same = allow_email_match and existing.email.casefold() == str(body.get("email", "")).casefold()
    if not same:
        raise Conflict(f"userName {body['username']!r} already exists in JumpCloud as a different user")
    return existing


def _username_term(body: dict[str, Any]) -> tuple[filters.Term, ...]:
    return (filters.Term(BY_FIELD["user_name"], str(body["username"])),)


async def replace_user(request: Request) -> Response:
    """PUT /Users/{id}: every mapped attribute set; absent ones cleared; one JumpCloud call."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    parsed = parse_user(await read_json(request))
    _log_ignored(parsed.ignored)
    body = mapping.replace_body(parsed.as_dict(), username_from_email=settings_from(request).username_from_email)
    updated = await jumpcloud_from(request).update_user(user_id, body, auth=auth)
    return _user_response(request, updated)


async def patch_user(request: Request) -> Response:
    """PATCH /Users/{id}: both Entra dialects become one PUT of the changed fields; 200 + resource."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    params = list_params(dict(request.query_params))
    parsed = parse_patch(await read_json(request))
    _log_ignored(parsed.ignored)
    body = mapping.update_body(parsed.as_dict(), username_from_email=settings_from(request).username_from_email)
    jc = jumpcloud_from(request)
    if body:
        result = await jc.update_user(user_id, body, auth=auth)
    else:
        result = await jc.get_user(user_id, auth=auth)  # nothing we keep changed: answer the current state
    return _user_response(request, result, params=params)


async def delete_user(request: Request) -> Response:
    """DELETE /Users/{id}: 204; a manager's reports lose their manager instead of blocking it."""
    user_id = resource_id(request)
    auth = credentials_from(request)
    budget.current().user_id = user_id
    await jumpcloud_from(request).delete_user(user_id, auth=auth)
    return Response(status_code=204)


def _user_response(request: Request, found: JcUser, *, status: int = 200, params: ListParams | None = None) -> Response:
    stats = budget.current()
    stats.user_id, stats.user_name = found.id, found.username
    user = mapping.to_scim_user(found, username_from_email=settings_from(request).username_from_email)
    resource = _resource(user, scim_base(request))
    if params is not None:
        resource = project(resource, attributes=params.attributes, excluded=params.excluded)
    headers = {"Location": resource["meta"]["location"]} if status == 201 else None
    return ScimResponse(resource, status_code=status, headers=headers)


def _resource(user: ScimUser, base: str) -> dict[str, Any]:
    resource: dict[str, Any] = _scim.unstructure(user)
    if user.manager:
        resource[ENTERPRISE_USER]["manager"]["$ref"] = f"{base}/Users/{user.manager}"
    resource["meta"] = {
        "resourceType": "User",
        "created": user.created,
        "lastModified": user.last_modified,
        "location": f"{base}/Users/{user.id}",
    }
    return resource


def _log_ignored(paths: tuple[str, ...]) -> None:
    if paths:
        log.info("attributes_ignored", paths=list(paths)[:20])
