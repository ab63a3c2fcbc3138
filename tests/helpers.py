"""Constants and small helpers shared by the endpoint tests."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import respx

from devtools.entra_sim import PATCH_OP, DirectoryUser
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.scim.schema import CORE_USER
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

JC_URL = "https://jc.test"
API_KEY = "jc-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
USER_ID = "64b0c0ffee0000000000abcd"
MANAGER_ID = "64b0c0ffee0000000000aaaa"


def jc_user(**overrides: Any) -> dict[str, Any]:
    """A JumpCloud systemuser as the API returns it (shape of the reference's HAR and spec)."""
    user: dict[str, Any] = {
        "_id": USER_ID,
        "id": USER_ID,
        "username": "jdoe",
        "email": "jdoe@example.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "displayname": "Jane Doe",
        "jobTitle": "",
        "department": "",
        "company": "",
        "costCenter": "",
        "employeeType": "",
        "employeeIdentifier": None,
        "location": "",
        "manager": None,
        "external_dn": "",
        "state": "ACTIVATED",
        "suspended": False,
        "activated": False,
        "password_expired": False,
        "account_locked": False,
        "attributes": [],
        "addresses": [],
        "phoneNumbers": [],
        "created": "2024-07-13T09:12:44.101Z",
    }
    user.update(overrides)
    return user


@contextlib.asynccontextmanager
async def in_process(
    settings: Settings, jc: respx.Router, *, raise_app_exceptions: bool = True, **app_options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for our app built on `settings` (and `app_options`, e.g. tracing), its JumpCloud calls answered by `jc`.

    raise_app_exceptions=False: an unexpected error reaches the client as the 500 the proxy sends.
    """
    upstream = make_jumpcloud_client(settings, transport=httpx.MockTransport(jc.async_handler))
    app = create_app(settings, jumpcloud=upstream, **app_options)
    inbound = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with upstream.http, httpx.AsyncClient(transport=inbound, base_url="http://proxy.test") as client:
        yield client


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    """A SCIM PatchOp request body carrying `operations`."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def sent_json(route: respx.Route) -> Any:
    """The JSON body of the last request that reached `route`."""
    return json.loads(route.calls.last.request.content)


def schema_paths(document: dict[str, Any]) -> set[str]:
    """Every attribute a /Schemas document names, as attribute-table paths: "name.givenName",
    "<extension urn>:department", and one 'phoneNumbers[type eq "work"].value' per canonical type and part."""
    prefix = "" if document["id"] == CORE_USER else f"{document['id']}:"
    paths: set[str] = set()
    for attribute in document["attributes"]:
        subs = [s["name"] for s in attribute.get("subAttributes", [])]
        if attribute["name"] == "name":
            paths.update(f"name.{s}" for s in subs)
        elif attribute["name"] in ("phoneNumbers", "addresses"):  # kept by type: one path per (type, part)
            types = next(s["canonicalValues"] for s in attribute["subAttributes"] if s["name"] == "type")
            paths.update(f'{attribute["name"]}[type eq "{t}"].{part}' for t in types for part in subs if part != "type")
        else:
            paths.add(prefix + attribute["name"])
    return paths


# Two Entra users as the seed's mappings deliver them (mailNickname -> userName, UPN -> email).
ALICE = DirectoryUser(
    object_id="0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    mail_nickname="alice.smith",
    upn="alice.smith@contoso.com",
    given_name="Alice",
    surname="Smith",
    job_title="Engineer",
    department="R&D",
)
BOB = DirectoryUser(
    object_id="7d420df3-9995-4831-a406-ecf8166f5f6a",
    mail_nickname="bob.jones",
    upn="bob.jones@contoso.com",
    given_name="Bob",
    surname="Jones",
    job_title="CTO",
)
