"""Constants and small helpers shared by the endpoint tests."""

from __future__ import annotations

import json
from typing import Any

import respx

from devtools.entra_sim import DirectoryUser

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


def sent_json(route: respx.Route) -> Any:
    """The JSON body of the last request that reached `route`."""
    return json.loads(route.calls.last.request.content)


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
