"""`scim-proxy check`: the preflight steps, their verdicts and the fixes they print."""

from __future__ import annotations

import httpx
import pytest
import respx

from scim_proxy.__main__ import main
from scim_proxy.jumpcloud.models import Credentials
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.ops.preflight import report, run_checks
from scim_proxy.settings import Settings

from .helpers import API_KEY, JC_URL, jc_user


async def _steps(router: respx.Router) -> tuple[list[str], bool]:
    client = make_jumpcloud_client(
        Settings(jumpcloud_url=JC_URL, retry_attempts=1), transport=httpx.MockTransport(router.async_handler)
    )
    async with client.http:
        steps = await run_checks(client, Credentials(API_KEY), url=JC_URL)
    lines: list[str] = []
    return lines, report(steps, lines.append)


async def test_good_key_passes_every_step(jc: respx.Router) -> None:
    """A key JumpCloud accepts passes: org listed, the GUID probe finds nothing, one user read."""
    jc.get("/api/systemusers").respond(200, json={"totalCount": 3, "results": [jc_user()]})
    jc.get("/api/organizations").respond(200, json={"results": [{"_id": "o1", "displayName": "Contoso"}]})
    probe = jc.post("/api/search/systemusers").respond(200, json={"totalCount": 0, "results": []})
    jc.get("/api/v2/usergroups").respond(200, json=[], headers={"x-total-count": "4"})

    lines, ok = await _steps(jc)

    assert ok
    assert "PASS  organization: Contoso (o1)" in lines
    assert "PASS  user groups: readable (4 group(s)); Entra groups will be provisioned" in lines
    assert lines[-1].startswith("Verdict: ready")
    assert API_KEY == probe.calls.last.request.headers["x-api-key"]


async def test_rejected_key_fails_with_the_fix(jc: respx.Router) -> None:
    """A key JumpCloud refuses fails at once, with where to get a current key."""
    jc.get("/api/systemusers").respond(401, json={"message": "Unauthorized: api key user not found"})

    lines, ok = await _steps(jc)

    assert not ok
    assert lines[0].startswith("FAIL  api key:")
    assert 1 == len(jc.calls)  # nothing after the refused key
    assert "API Settings" in lines[0]
    assert API_KEY not in "".join(lines)


def test_cli_refuses_to_run_without_the_key_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scim-proxy check` without the key in its environment variable exits 2 and says which variable."""
    monkeypatch.delenv("JUMPCLOUD_API_KEY", raising=False)

    assert 2 == main(["check"])
    assert "JUMPCLOUD_API_KEY" in capsys.readouterr().err


async def test_key_that_cannot_manage_groups_fails_with_both_fixes(jc: respx.Router) -> None:
    """A key refused on user groups fails that step, naming a better key or switching groups off."""
    jc.get("/api/systemusers").respond(200, json={"totalCount": 1, "results": [jc_user()]})
    jc.get("/api/organizations").respond(404)
    jc.post("/api/search/systemusers").respond(200, json={"totalCount": 0, "results": []})
    jc.get("/api/v2/usergroups").respond(403, json={"message": "Forbidden"})

    lines, ok = await _steps(jc)

    assert not ok
    (groups_line,) = [line for line in lines if "user groups" in line]
    assert groups_line.startswith("FAIL") and "SCIM_PROXY_GROUPS_ENABLED=false" in groups_line
