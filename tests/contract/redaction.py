"""What the contract report may show of an exchange with a real org: no keys, org ids, emails or names.

`scrub` first applies the proxy's own recorder policy (`scim_proxy.ops.recording.redact`: passwords,
API keys, secrets and tokens by field name), then:
- personal fields (names, emails, addresses, phone numbers, descriptions, identifiers, a group's
  name, any `value`): every non-empty string inside them becomes "<personal>"; "" and null stay,
  since whether a field is empty is what several rows are about;
- organization fields (`organization`, `organizationObjectId`): "<org-id>";
- in every other string: an email address becomes "<email>", a contract test name "<test-name>",
  and each known secret (the API key, the org id) "<api-key>" / "<org-id>".
Headers are an allow-list: nothing that could carry a credential is ever copied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from scim_proxy.ops.recording import redact

from .support import BASE_PREFIX

PERSONAL = "<personal>"
ORG_ID = "<org-id>"
PERSONAL_KEYS = frozenset(
    [
        "username",
        "email",
        "alternateemail",
        "recoveryemail",
        "firstname",
        "middlename",
        "lastname",
        "displayname",
        "name",
        "description",
        "jobtitle",
        "department",
        "company",
        "costcenter",
        "employeetype",
        "employeeidentifier",
        "location",
        "external_dn",
        "number",
        "address",
        "streetaddress",
        "extendedaddress",
        "locality",
        "region",
        "postalcode",
        "pobox",
        "country",
        "public_key",
        "ssh_keys",
        "managedappleid",
        "value",
    ]
)
ORG_KEYS = frozenset({"organization", "organizationobjectid", "org_id", "orgid"})
KEPT_HEADERS = ("content-type", "x-total-count", "retry-after", "x-eventually-consistent")
MAX_LIST_ITEMS = 3
MAX_TEXT = 500
# Bounded, linear patterns: an address, and a name this suite made (prefix, run token, rest of the name).
_EMAIL = re.compile(r"[^\s@\"'<>,;:()\[\]]{1,64}@[A-Za-z0-9.-]{1,253}")
_TEST_NAME = re.compile(re.escape(BASE_PREFIX) + r"[\w.|\\-]{0,200}")


def scrub(value: Any, *, secrets: Sequence[tuple[str, str]] = ()) -> Any:
    """A copy of a JSON value safe to send back: see the module docstring; `secrets` are (value, label)."""
    return _walk(redact(value), secrets)


def scrub_text(text: str, *, secrets: Sequence[tuple[str, str]] = ()) -> str:
    """One string with emails, test names and secrets replaced."""
    for secret, label in secrets:
        if secret:
            text = text.replace(secret, label)
    return _TEST_NAME.sub("<test-name>", _EMAIL.sub("<email>", text))


def exchange_of(response: httpx.Response) -> dict[str, Any]:
    """A request/response pair as the report keeps it (raw: `scrub` runs when the report is written)."""
    request = response.request
    return {
        "request": {
            "method": request.method,
            "path": request.url.path,
            "query": [[key, value] for key, value in request.url.params.multi_items()],
            "headers": _kept(request.headers),
            "body": _body(request.content),
        },
        "response": {
            "status": response.status_code,
            "headers": _kept(response.headers),
            "body": _body(response.content),
        },
    }


def trimmed(value: Any) -> Any:
    """Long lists cut to their first items (a list of 100 users says no more than its first three)."""
    if isinstance(value, list):
        head = [trimmed(item) for item in value[:MAX_LIST_ITEMS]]
        return head + ([f"... {len(value) - MAX_LIST_ITEMS} more"] if len(value) > MAX_LIST_ITEMS else [])
    if isinstance(value, dict):
        return {key: trimmed(item) for key, item in value.items()}
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "..."
    return value


def _walk(value: Any, secrets: Sequence[tuple[str, str]]) -> Any:
    if isinstance(value, Mapping):
        return {key: _field(str(key), item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(item, secrets) for item in value]
    if isinstance(value, str):
        return scrub_text(value, secrets=secrets)
    return value


def _field(key: str, value: Any, secrets: Sequence[tuple[str, str]]) -> Any:
    name = key.lower()
    if name in ORG_KEYS and isinstance(value, str) and value:
        return ORG_ID
    if name in PERSONAL_KEYS:
        return _personal(value)
    return _walk(value, secrets)


def _personal(value: Any) -> Any:
    if isinstance(value, str):
        return PERSONAL if value else value
    if isinstance(value, Mapping):
        return {key: _personal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_personal(item) for item in value]
    return value


def _kept(headers: httpx.Headers) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def _body(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")[:MAX_TEXT]
