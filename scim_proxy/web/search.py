"""POST /.search at the root (RFC 7644 section 3.4.3): one SearchRequest over Users, then Groups.

Results are the users matching the filter followed by the groups matching it (when groups
are served), paged across both: `startIndex` and `count` count the concatenation and
`totalResults` is the sum. A filter naming an attribute only one resource type has selects
nothing of the other (the RFC leaves this to the provider); one naming an attribute neither
has is invalidFilter. `sortBy` is refused: users and groups share no sortable attribute
JumpCloud stores, so no order across both exists; sort within /Users/.search or /Groups/.search.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.errors import InvalidFilter, InvalidSyntax, InvalidValue
from scim_proxy.scim.listing import ListParams, list_params
from scim_proxy.web.groups import group_listing
from scim_proxy.web.requests import read_json, settings_from
from scim_proxy.web.responses import list_response
from scim_proxy.web.users import user_listing

Listing = Callable[[Request, ListParams], Awaitable[tuple[int, list[dict[str, Any]]]]]


async def search_all(request: Request) -> Response:
    """POST /.search: users, then groups, each matching the SearchRequest's filter."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise InvalidSyntax("A SearchRequest must be a JSON object")
    params = list_params(body)
    if params.sort_by is not None:
        raise InvalidValue("sortBy is not supported across resource types; use /Users/.search or /Groups/.search")
    listings: list[Listing] = [user_listing]
    if settings_from(request).groups_enabled:
        listings.append(group_listing)
    total = 0
    resources: list[dict[str, Any]] = []
    refusals: list[InvalidFilter] = []
    for listing in listings:
        skip = max(0, params.start_index - 1 - total)  # how far into this type's results the page starts
        wanted = attrs.evolve(params, start_index=skip + 1, count=params.count - len(resources))
        try:
            found, page = await listing(request, wanted)
        except InvalidFilter as exc:
            refusals.append(exc)
            continue
        total += found
        resources.extend(page)
    if len(refusals) == len(listings):
        raise refusals[0]
    return list_response(total, params.start_index, resources)
