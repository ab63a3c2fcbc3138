"""Microsoft's "SCIM Tests" Postman collection, restated: its requests sent as written, its assertions in Python.

The collection (data/PostmanCollection.json, MIT, see data/NOTICE.md) runs in the order and with
the folders its README gives (not "Get Token"), against the default proxy in front of a fresh
emulator, over loopback. Methods, URLs (the `path` array newman sends, lower-case `users`
included), headers and bodies come from the file, Postman variables substituted and `${__UUID}`
sent literally, as newman does; the `pm.test` assertions are microsoft_checks.CHECKS. Every
failed assertion must be one of DEVIATIONS, each named in docs/conformance.md with its reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import API_KEY, HTTP_TIMEOUT, Deviation, Servers, report, undocumented, unexplained
from .microsoft_checks import CHECKS

COLLECTION = Path(__file__).parent / "data" / "PostmanCollection.json"
FOLDERS = (
    "Endpoint tests",
    "User tests",
    "Group tests",
    "ComplexAttribute tests",
    "User tests with garbage",
    "Group tests with garbage",
    "Teardown garbage",
)
_VARIABLE = re.compile(r"\{\{(\w+)\}\}")
_PM_TEST = re.compile(r'pm\.test\("([^"]+)"')

_DEFECT = "a defect of the collection, named in its README"
_NO_USER2 = "cascade: `Post EnterpriseUser` was refused, so `{{id2}}` is never set"
_NO_USER4 = "cascade: `Create user 4 for group 2` was refused (same email as user 3)"
_FIVE_USERS = "cascade: emp2, emp3 and the enterprise user were refused (same email as emp1), so 2 users exist, not 5"
DEVIATIONS: dict[str, Deviation] = {
    # Defects of the collection itself (../shared/conformance/README.md).
    "Endpoint tests / Get empty Users: Status code is 200": Deviation(
        "/scim/v2/users", f"it requests lower-case `/users`: {_DEFECT}"
    ),
    "Endpoint tests / Get ServiceProviderConfig: Status code is 200": Deviation(
        "/serviceConfiguration", f"it requests `/serviceConfiguration`, not `/ServiceProviderConfig`: {_DEFECT}"
    ),
    "Endpoint tests / Get ServiceProviderConfig: Pach supported is true": Deviation(
        "/serviceConfiguration", f"the same wrong URL: {_DEFECT}"
    ),
    "Group tests with garbage / Group patch add member: Status code is 204": Deviation(
        "'string id 1' is not a JumpCloud user id", f'it adds the member "string id 1", which no user has: {_DEFECT}'
    ),
    "Group tests with garbage / Group patch add member2: Status code is 204": Deviation(
        "'string id 2' is not a JumpCloud user id", f'it adds the member "string id 2": {_DEFECT}'
    ),
    # JumpCloud's rules.
    "User tests / Post EnterpriseUser: Status code is 201": Deviation(
        "manager must be the id of a user", 'its manager is "SuzzyQ"; a JumpCloud manager is a user id (JC-45)'
    ),
    "Group tests / Create user 4 for group 2: Status code is 201": Deviation(
        "User already exists", "its email is user 3's; JumpCloud emails are unique (JC-35)"
    ),
    "ComplexAttribute tests / create user1: Status code is 201": Deviation(
        "not a well-formed address", 'its email is "emailName357"; JumpCloud requires an email address (JC-33)'
    ),
    "User tests with garbage / Post emp2: Status code is 201": Deviation(
        "User already exists", "its email is emp1's; JumpCloud emails are unique (JC-35)"
    ),
    "User tests with garbage / Post emp3: Status code is 201": Deviation(
        "User already exists", "its email is emp1's; JumpCloud emails are unique (JC-35)"
    ),
    "User tests with garbage / Post enterprise user: Status code is 201": Deviation(
        "User already exists", "its email is emp1's; JumpCloud emails are unique (JC-35)"
    ),
    "Group tests / Get group by id: Body contians user": Deviation(
        "lacks 'new User'",
        "it looks for the member's `displayName` sent in the PATCH; a JumpCloud group holds user ids only, "
        "and user 4 was refused anyway",
    ),
    "User tests with garbage / Put a user OMalley: Body contians Germany": Deviation(
        "lacks 'Germany'", "addresses are not in the attribute table (nor in JumpCloud's own SCIM mappings)"
    ),
    "User tests with garbage / filter eq and (val or val): Total results": Deviation(
        "totalResults is 0, not 4",
        "the example.com addresses are second emails, and JumpCloud keeps one (the primary, @gmail.com); "
        "three of the four users were also refused (same email)",
    ),
    # RFC 7644 allows either answer; the other suites want the other one.
    "User tests with garbage / Patch user omalley new username: Status code is 204": Deviation(
        "status 200", "RFC 7644 §3.5.2 allows 200 with the resource or 204; scim-sanity (strict) and Okta want 200"
    ),
    "User tests with garbage / patch user omalley active with boolean: Status code is 204": Deviation(
        "status 200", "RFC 7644 §3.5.2 allows 200 with the resource or 204; scim-sanity (strict) and Okta want 200"
    ),
    # Cascades of the refusals above.
    "User tests / Get user2: Status code is 200": Deviation("{{id2}}", _NO_USER2),
    "User tests / Get user2: Id is requsted": Deviation("id2 was never set", _NO_USER2),
    "User tests / User 2 replace test: Status code is 200": Deviation("{{id2}}", _NO_USER2),
    "User tests / Get user2 Check replace: Status code is 200": Deviation("{{id2}}", _NO_USER2),
    "User tests / Get user2 Check replace: Name is updated": Deviation("{{id2}}", _NO_USER2),
    "User tests / Delete user2: Status code is 204": Deviation("{{id2}}", _NO_USER2),
    "Group tests / Put replace group3: Status code is 200": Deviation("'{{id4}}'", _NO_USER4),
    "Group tests / Validate group 3: Body contians user id3": Deviation(
        "lacks", "cascade: `Put replace group3` was refused (user 4 does not exist), so group 3 has no members"
    ),
    "Group tests / Delete user id4: Status code is 204": Deviation("{{id4}}", _NO_USER4),
    "ComplexAttribute tests / Get user attributes: Body contians User1 email": Deviation(
        "lacks 'emailName357'", "cascade: `create user1` was refused"
    ),
    "ComplexAttribute tests / Get user via attributes filter: Body contians User1 email": Deviation(
        "lacks 'emailName357'", "cascade: `create user1` was refused"
    ),
    "ComplexAttribute tests / Delete User1: Status code is 204": Deviation(
        "{{id1}}", "cascade: `create user1` was refused"
    ),
    "User tests with garbage / Paginate: Total results": Deviation("totalResults is 2, not 5", _FIVE_USERS),
    "User tests with garbage / get user attributes: Total results": Deviation("totalResults is 2, not 5", _FIVE_USERS),
    "User tests with garbage / filter greater than: Total results": Deviation("totalResults is 2, not 5", _FIVE_USERS),
    "Teardown garbage / Delete user3 emp2: Status code is 204": Deviation("{{3rduserid}}", _FIVE_USERS),
    "Teardown garbage / Delete user4 emp3: Status code is 204": Deviation("{{4thuserid}}", _FIVE_USERS),
    "Teardown garbage / Delete enterprise user: Status code is 204": Deviation("{{enteruserid}}", _FIVE_USERS),
}


def steps() -> Iterator[tuple[str, dict[str, Any]]]:
    """("<folder> / <request>[ #n]", the Postman item) for each request, in the collection's order."""
    collection = json.loads(COLLECTION.read_text(encoding="utf-8"))
    folders = {folder["name"]: folder for folder in collection["item"]}
    for name in FOLDERS:
        seen: dict[str, int] = {}
        for item in folders[name]["item"]:
            seen[item["name"]] = seen.get(item["name"], 0) + 1
            suffix = f" #{seen[item['name']]}" if seen[item["name"]] > 1 else ""
            yield f"{name} / {item['name']}{suffix}", item


def _substitute(text: str, env: Mapping[str, str]) -> str:
    """Postman's `{{name}}`; an unset variable stays as written, as Postman leaves it."""
    return _VARIABLE.sub(lambda m: env.get(m[1], m[0]), text)


def _send(client: httpx.Client, item: dict[str, Any], env: Mapping[str, str]) -> httpx.Response:
    request = item["request"]
    url = request["url"]
    path = "/".join(_substitute(part, env) for part in url["path"])
    query = "&".join(
        f"{q['key']}={_substitute(q.get('value') or '', env)}" for q in url.get("query", []) if not q.get("disabled")
    )
    headers = {h["key"]: _substitute(h["value"], env) for h in request.get("header", []) if not h.get("disabled")}
    if (request.get("auth") or {}).get("type") == "bearer":
        headers["Authorization"] = f"Bearer {env['token']}"
    body = (request.get("body") or {}).get("raw")
    content = _substitute(body, env).encode() if body else None
    target = f"/{path}" + (f"?{query}" if query else "")
    return client.request(request["method"], target, headers=headers, content=content)


def run_collection(origin: str) -> tuple[int, list[tuple[str, str]]]:
    """Send every request; (assertions passed, [(assertion key, why it failed)])."""
    env = {"Api": "scim/v2", "token": API_KEY}
    passed, failures = 0, []
    with httpx.Client(base_url=origin, timeout=HTTP_TIMEOUT, follow_redirects=True) as client:
        for key, item in steps():
            step = CHECKS[key]
            resp = _send(client, item, env)
            for name, check in step.tests.items():
                reason = check(resp, env)
                if reason is None:
                    passed += 1
                else:
                    failures.append((f"{key}: {name}", reason))
            if step.captures:
                captured = resp.json().get("id") if resp.headers.get("content-type", "").endswith("json") else None
                if isinstance(captured, str):
                    env[step.captures] = captured
                else:
                    env.pop(step.captures, None)
    return passed, failures


def test_every_assertion_of_the_collection_is_restated() -> None:
    """CHECKS names exactly the collection's requests and `pm.test` assertions, in its folders."""
    in_file = {
        key: _PM_TEST.findall(
            "\n".join("\n".join(e["script"]["exec"]) for e in item.get("event", []) if e["listen"] == "test")
        )
        for key, item in steps()
    }

    assert list(in_file) == list(CHECKS)
    assert {key: names for key, names in in_file.items()} == {key: list(step.tests) for key, step in CHECKS.items()}
    assert 103 == sum(len(names) for names in in_file.values())


def test_microsoft_collection(servers: Servers) -> None:
    """Every assertion of the collection passes through the proxy, except the documented deviations."""
    origin = servers.strict.scim_url.removesuffix("/scim/v2")

    passed, failures = run_collection(origin)

    failed = {key for key, _ in failures}
    report(
        f"microsoft-collection: {passed} passed, {len(failures)} failed "
        f"({len(failed & set(DEVIATIONS))} documented deviations) of {passed + len(failures)}"
    )
    assert [] == unexplained(failures, DEVIATIONS)
    assert [] == sorted(set(DEVIATIONS) - failed), "deviations that no longer happen: remove them"
    assert [] == undocumented(DEVIATIONS)


@pytest.mark.parametrize("key", sorted(DEVIATIONS))
def test_deviation_reasons_are_named(key: str) -> None:
    """Each deviation says why it cannot pass: a defect of the collection or a JumpCloud rule."""
    assert DEVIATIONS[key].why
