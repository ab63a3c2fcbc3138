"""The assertions of Microsoft's "SCIM Tests" collection (data/PostmanCollection.json), restated in Python.

`CHECKS` maps each request, as "<folder> / <request>" (with "#2" for the second request of the
same name), to its `pm.test` assertions by name, each a check over the response, and to the
variable its script sets from the response's `id`. A check returns None when it holds, else
the reason it does not, with the status and the error detail, so a deviation can name its cause.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

Check = Callable[[httpx.Response, Mapping[str, str]], str | None]
MISSING = object()


@attrs.frozen
class Step:
    """The restated tests of one request, and the variable it captures (`pm.environment.set(name, id)`)."""

    tests: Mapping[str, Check]
    captures: str | None = None


def _why(resp: httpx.Response) -> str:
    try:
        detail = resp.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = ""
    return f"status {resp.status_code}" + (f": {detail[:160]}" if detail else "")


def status(code: int) -> Check:
    """`pm.response.to.have.status(code)`."""
    return lambda resp, _: None if resp.status_code == code else _why(resp)


def _at(resp: httpx.Response, path: tuple[str | int, ...]) -> Any:
    try:
        value: Any = resp.json()
    except ValueError:
        return MISSING
    for part in path:
        if isinstance(part, int):
            holds = isinstance(value, list) and len(value) > part
        else:
            holds = isinstance(value, dict) and part in value
        if not holds:
            return MISSING
        value = value[part]
    return value


def equals(*path: str | int, value: Any = None, variable: str | None = None) -> Check:
    """`pm.expect(jsonData.<path>).to.eql(value)` (or the value of an environment variable)."""

    def check(resp: httpx.Response, env: Mapping[str, str]) -> str | None:
        wanted = env.get(variable, MISSING) if variable else value
        if wanted is MISSING:
            return f"{variable} was never set ({_why(resp)})"
        found = _at(resp, path)
        if found == wanted and found is not MISSING:
            return None
        shown = "absent" if found is MISSING else json.dumps(found)[:80]
        return f"{'.'.join(map(str, path))} is {shown}, not {json.dumps(wanted)[:80]} ({_why(resp)})"

    return check


def includes(text: str | None = None, *, variable: str | None = None, negated: bool = False) -> Check:
    """`pm.expect(pm.response.text()).to.include(text)` (`.to.not.include` when negated)."""

    def check(resp: httpx.Response, env: Mapping[str, str]) -> str | None:
        wanted = env.get(variable, "") if variable else text or ""
        if variable and not wanted:
            return f"{variable} was never set ({_why(resp)})"
        if (wanted in resp.text) != negated:
            return None
        return f"the body {'holds' if negated else 'lacks'} {wanted!r} ({_why(resp)})"

    return check


OK200, OK201, OK204 = status(200), status(201), status(204)
ERROR_DETAIL = {"Status code is 409": status(409), "Body contians Error detial": includes("detail")}
DELETED = Step({"Status code is 204": OK204})

CHECKS: dict[str, Step] = {
    "Endpoint tests / Get empty Users": Step({"Status code is 200": OK200}),
    "Endpoint tests / Get empty Groups": Step({"Status code is 200": OK200}),
    "Endpoint tests / Get ResourceTypes": Step(
        {"Status code is 200": OK200, "User endpoint exists": equals("Resources", 0, "endpoint", value="/Users")}
    ),
    "Endpoint tests / Get ServiceProviderConfig": Step(
        {"Status code is 200": OK200, "Pach supported is true": equals("patch", "supported", value=True)}
    ),
    "Endpoint tests / Get Schemas": Step(
        {"Status code is 200": OK200, "Body contians User Account": includes("User Account")}
    ),
    "User tests / Post User": Step({"Status code is 201": OK201}, captures="id1"),
    "User tests / Post EnterpriseUser": Step({"Status code is 201": OK201}, captures="id2"),
    "User tests / Get user1": Step({"Status code is 200": OK200, "Id is requsted": equals("id", variable="id1")}),
    "User tests / Get user2": Step({"Status code is 200": OK200, "Id is requsted": equals("id", variable="id2")}),
    "User tests / Get User Attributes": Step(
        {"Status code is 200": OK200, "Body contians id1": includes(variable="id1")}
    ),
    "User tests / Get User Filters": Step({"Body contians id1": includes(variable="id1")}),
    "User tests / patch user1": Step({}),
    "User tests / Get User1 Check Patch": Step(
        {
            "Status code is 200": OK200,
            "Id matches": equals("id", variable="id1"),
            "Username is changed": equals("userName", value="ryan3"),
        }
    ),
    "User tests / User 2 replace test": Step({"Status code is 200": OK200}),
    "User tests / Get user2 Check replace": Step(
        {"Status code is 200": OK200, "Name is updated": equals("name", "formatted", value="NewName")}
    ),
    "User tests / Delete user1": DELETED,
    "User tests / Delete user2": DELETED,
    "Group tests / Create empty group": Step({"Status code is 201": OK201}, captures="groupid"),
    "Group tests / create user for group 2": Step({"Status code is 201": OK201}, captures="id3"),
    "Group tests / Create user 4 for group 2": Step({"Status code is 201": OK201}, captures="id4"),
    "Group tests / Create filled group 2": Step({"Status code is 201": OK201}, captures="groupid2"),
    "Group tests / Get Groups": Step({"Status code is 200": OK200}),
    "Group tests / Create group 3": Step({"Status code is 201": OK201}, captures="groupid3"),
    "Group tests / Put replace group3": Step({"Status code is 200": OK200}),
    "Group tests / Validate group 3": Step(
        {
            "Status code is 200": OK200,
            "Id matches": equals("id", variable="groupid3"),
            "Body contians user id3": includes(variable="id3"),
        }
    ),
    "Group tests / Patch add user4 to group1": Step({}),
    "Group tests / Patch remove user4 to group1": Step({}),
    "Group tests / Patch add user4 to group1 #2": Step({}),
    "Group tests / Get group by id": Step(
        {
            "Status code is 200": OK200,
            "Id matches": equals("id", variable="groupid"),
            "Body contians user": includes("new User"),
        }
    ),
    "Group tests / Patch remove all users": Step({}),
    "Group tests / Get group by id #2": Step(
        {
            "Status code is 200": OK200,
            "Id matches": equals("id", variable="groupid"),
            "Body contians user": includes("new User", negated=True),
        }
    ),
    "Group tests / Delete user id3": DELETED,
    "Group tests / Delete user id4": DELETED,
    "Group tests / Delete group 1": DELETED,
    "Group tests / Delete group 2": DELETED,
    "Group tests / Delete group3": DELETED,
    "ComplexAttribute tests / create user1": Step({"Status code is 201": OK201}, captures="id1"),
    "ComplexAttribute tests / create user2": Step({"Status code is 201": OK201}, captures="id2"),
    "ComplexAttribute tests / Get user attributes": Step(
        {"Status code is 200": OK200, "Body contians User1 email": includes("emailName357")}
    ),
    "ComplexAttribute tests / Get user via attributes filter": Step(
        {"Status code is 200": OK200, "Body contians User1 email": includes("emailName357")}
    ),
    "ComplexAttribute tests / Delete User1": DELETED,
    "ComplexAttribute tests / Delete User2": DELETED,
    'User tests with garbage / Post user "OMalley"': Step(
        {
            "Status code is 201": OK201,
            "Username": equals("userName", value="OMalley"),
            "Active true": equals("active", value=True),
        },
        captures="1stuserid",
    ),
    'User tests with garbage / Post emp1 with string "True"': Step(
        {"Status code is 201": OK201, "Active properly set": equals("active", value=True)}, captures="2nduserid"
    ),
    "User tests with garbage / Get all users": Step(
        {
            "Status code is 200": OK200,
            "Results have 2 users": equals("totalResults", value=2),
            "Body contians OMalley": includes("OMalley"),
        }
    ),
    "User tests with garbage / Post emp2": Step({"Status code is 201": OK201}, captures="3rduserid"),
    "User tests with garbage / Post emp3": Step({"Status code is 201": OK201}, captures="4thuserid"),
    "User tests with garbage / Post no username": Step({"Status code is 400": status(400)}),
    "User tests with garbage / Post junk": Step({"Status code is 400": status(400)}),
    "User tests with garbage / Post emp3 exists": Step(ERROR_DETAIL),
    "User tests with garbage / Post emp3 exists try again": Step(ERROR_DETAIL),
    "User tests with garbage / Put a user no username": Step({"Status code is 400": status(400)}),
    "User tests with garbage / Put a user misspelled attribute": Step(
        {"Status code is 200": OK200, "Body does not contians Addresses": includes("Addresses", negated=True)}
    ),
    "User tests with garbage / Post enterprise user": Step({"Status code is 201": OK201}, captures="enteruserid"),
    "User tests with garbage / Patch user omalley new username": Step({"Status code is 204": OK204}),
    "User tests with garbage / patch user omalley active with boolean": Step({"Status code is 204": OK204}),
    "User tests with garbage / get user1": Step(
        {"Username changed": equals("userName", value="newusername"), "Active changed": equals("active", value=False)}
    ),
    "User tests with garbage / Put a user OMalley": Step(
        {
            "Status code is 200": OK200,
            "Username": equals("userName", value="OMalley"),
            "Active": equals("active", value=False),
            "Body contians Germany": includes("Germany"),
        }
    ),
    "User tests with garbage / Paginate": Step(
        {
            "Total results": equals("totalResults", value=5),
            "JSON Assertion items per page": equals("itemsPerPage", value=2),
        }
    ),
    "User tests with garbage / get user attributes": Step({"Total results": equals("totalResults", value=5)}),
    "User tests with garbage / Post emp3 exists try again #2": Step(ERROR_DETAIL),
    "User tests with garbage / filter eq and (val or val)": Step({"Total results": equals("totalResults", value=4)}),
    "User tests with garbage / filter starts with": Step({"Total results": equals("totalResults", value=1)}),
    "User tests with garbage / filter greater than": Step({"Total results": equals("totalResults", value=5)}),
    "Group tests with garbage / Post group": Step({"Status code is 201": OK201}, captures="1stgroupid"),
    "Group tests with garbage / Group patch add member": Step({"Status code is 204": OK204}),
    "Group tests with garbage / Group patch add member2": Step({"Status code is 204": OK204}),
    "Group tests with garbage / Get group": Step({"Status code is 200": OK200}),
    "Group tests with garbage / Get group exclude members": Step({"Status code is 200": OK200}),
    "Group tests with garbage / group put": Step(
        {"Status code is 200": OK200, "Your test name": equals("displayName", value="Tiffany Ortiz")}
    ),
    "Teardown garbage / Delete user 1": DELETED,
    "Teardown garbage / Delete user 2": DELETED,
    "Teardown garbage / Delete user3 emp2": DELETED,
    "Teardown garbage / Delete user4 emp3": DELETED,
    "Teardown garbage / Delete enterprise user": DELETED,
    "Teardown garbage / Delete group 1": DELETED,
}
