"""POST /.search at the root (RFC 7644 section 3.4.3): one SearchRequest over Users, then Groups.

Results are the users matching the filter followed by the groups matching it (when groups
are served), paged across both: `startIndex` and `count` count the concatenation and
`totalResults` is the sum. An attribute one resource type lacks reads as unassigned for it
(`userName sw "a" or displayName sw "S"` finds users by either and groups by displayName);
an attribute no type has is invalidFilter, naming it. `sortBy` is refused: users and groups
share no sortable attribute JumpCloud stores, so there is no order across both; sort within
/Users/.search or /Groups/.search.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol

import attrs
from starlette.requests import Request
from starlette.responses import Response

from scim_proxy.errors import InvalidFilter, InvalidValue
from scim_proxy.scim.filter_schema import FilterAttributes, group_filter_attributes, unknown_paths
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.scim.listing import ListParams
from scim_proxy.translate.search_rules import user_tables
from scim_proxy.web.groups import group_listing
from scim_proxy.web.requests import search_request, settings_from, user_mapping_from
from scim_proxy.web.responses import list_response
from scim_proxy.web.users import user_listing


class Listing(Protocol):
    def __call__(
        self, request: Request, params: ListParams, *, lenient: bool = False
    ) -> Awaitable[tuple[int, list[dict[str, Any]]]]: ...


async def search_all(request: Request) -> Response:
    """POST /.search: users, then groups, each matching the SearchRequest's filter."""
    params = await search_request(request)
    if params.sort_by is not None:
        raise InvalidValue("sortBy is not supported across resource types; use /Users/.search or /Groups/.search")
    types: list[tuple[Listing, FilterAttributes]] = [(user_listing, user_tables(user_mapping_from(request)).attributes)]
    if settings_from(request).groups_enabled:
        types.append((group_listing, group_filter_attributes()))
    tree = None if params.filter is None else parse(params.filter)
    lacking = [set() if tree is None else unknown_paths(tree, attributes) for _, attributes in types]
    nowhere = set.intersection(*lacking)
    if nowhere:
        raise InvalidFilter(f"'{min(nowhere)}' is not an attribute of any resource type JumpCloud keeps")
    total = 0
    resources: list[dict[str, Any]] = []
    for (listing, _), missing in zip(types, lacking, strict=True):
        skip = max(0, params.start_index - 1 - total)  # how far into this type's results the page starts
        wanted = attrs.evolve(params, start_index=skip + 1, count=params.count - len(resources))
        found, page = await listing(request, wanted, lenient=bool(missing))
        total += found
        resources.extend(page)
    return list_response(total, params.start_index, resources)
