"""`scim-proxy check`: what Entra's Test Connection will meet, checked before Entra does it.

The API key comes from an environment variable (never a flag: flags land in shell
history and process lists). Each step prints PASS or FAIL with the fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import attrs

from scim_proxy.errors import Forbidden, NotFound, ProxyError, Unauthorized, UpstreamUnavailable
from scim_proxy.jumpcloud.client import JumpCloudClient
from scim_proxy.jumpcloud.groups import JumpCloudGroups
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.organizations import JumpCloudOrganizations
from scim_proxy.jumpcloud.users import JumpCloudUsers
from scim_proxy.scim.filter_syntax import parse
from scim_proxy.translate.search import user_search
from scim_proxy.translate.search_rules import user_tables
from scim_proxy.translate.users import DEFAULT_MAPPING


@attrs.frozen
class Step:
    name: str
    ok: bool
    detail: str


async def run_checks(client: JumpCloudClient, auth: Credentials, *, url: str, groups: bool = True) -> list[Step]:
    """Key accepted, org visible, Test Connection's GUID probe empty, one user readable, groups readable."""
    steps: list[Step] = []
    try:
        page = await JumpCloudUsers(client).list_users(skip=0, limit=1, auth=auth)
    except Unauthorized:
        steps.append(
            Step(
                "api key",
                False,
                "JumpCloud rejected the key. Fix: copy a current admin API key from "
                "the JumpCloud console (your initials > API Settings); a reset key invalidates the old "
                "one. Multi-tenant admins: pass --org-id.",
            )
        )
        return steps
    except Forbidden:
        steps.append(
            Step(
                "api key",
                False,
                "The key is valid but its admin may not manage users. Fix: use a "
                "key of an Administrator, Admin with Billing or Manager.",
            )
        )
        return steps
    except UpstreamUnavailable as exc:
        steps.append(
            Step(
                "reach JumpCloud",
                False,
                f"{exc}. Fix: check SCIM_PROXY_JUMPCLOUD_URL ({url}), DNS and that HTTPS egress to it is allowed.",
            )
        )
        return steps
    except ProxyError as exc:
        steps.append(Step("api key", False, str(exc)))
        return steps
    steps.append(Step("api key", True, f"accepted by {url}; the org has {page.total_count} user(s)"))
    steps.append(await _org(client, auth))
    steps.append(await _probe(client, auth))
    if groups:
        steps.append(await _groups(client, auth))
    if page.results:
        user = page.results[0]
        steps.append(Step("read a user", True, f"id {user.id}, state {user.state or 'unknown'}"))
    else:
        steps.append(Step("read a user", True, "the org has no users yet"))
    return steps


async def _org(client: JumpCloudClient, auth: Credentials) -> Step:
    try:
        organizations = await JumpCloudOrganizations(client).list(auth=auth)
    except NotFound:
        return Step("organization", True, "not listed by this JumpCloud (skipped)")
    except ProxyError as exc:
        return Step("organization", True, f"could not be listed ({exc}); not needed by the proxy")
    names = [f"{o.name} ({o.id})" for o in organizations]
    return Step("organization", True, ", ".join(names) or "no organization listed")


async def _groups(client: JumpCloudClient, auth: Credentials) -> Step:
    try:
        page = await JumpCloudGroups(client).list_groups(auth=auth, skip=0, limit=1)
    except Forbidden:
        return Step(
            "user groups",
            False,
            "the key's admin may not manage user groups. Fix: use a key of an "
            "Administrator, or turn group provisioning off (SCIM_PROXY_GROUPS_ENABLED=false, and "
            "'Provision Microsoft Entra ID Groups' = No in Entra).",
        )
    except ProxyError as exc:
        return Step("user groups", False, f"listing user groups failed: {exc}")
    count = page.total if page.total is not None else len(page.groups)
    return Step("user groups", True, f"readable ({count} group(s)); Entra groups will be provisioned")


async def _probe(client: JumpCloudClient, auth: Credentials) -> Step:
    guid = str(uuid.uuid4())
    tables = user_tables(DEFAULT_MAPPING)
    search = user_search(parse(f'userName eq "{guid}"'), tables.attributes, tables.rules)
    try:
        page = await JumpCloudUsers(client).search_users(search.query, skip=0, limit=1, auth=auth)
    except ProxyError as exc:
        return Step("test connection", False, f"the userName search Entra sends failed: {exc}")
    if page.total_count:
        return Step("test connection", False, "a random GUID matched a user: the search is not exact")
    return Step("test connection", True, "a random userName finds nothing, as Entra expects")


def report(steps: list[Step], write: Callable[[str], object]) -> bool:
    """Print each step and a verdict; True when every step passed."""
    for step in steps:
        write(f"{'PASS' if step.ok else 'FAIL'}  {step.name}: {step.detail}")
    ok = all(s.ok for s in steps)
    write("Verdict: ready for Entra's Test Connection." if ok else "Verdict: not ready; fix the FAIL lines above.")
    return ok
