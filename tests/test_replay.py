"""Replaying cassettes: in-process (`scim_proxy.testing`) and against a running proxy (`replay`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from devtools.demo import demo_settings
from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, create_emulator_app
from devtools.servers import serve_in_thread
from scim_proxy.__main__ import main
from scim_proxy.jumpcloud.transport import make_jumpcloud_client
from scim_proxy.ops.cassette import load, normalise, replayable, side_by_side
from scim_proxy.ops.replay import replay_against
from scim_proxy.scim import schema
from scim_proxy.settings import Settings
from scim_proxy.testing import Replayer, ReplayMismatch, replay, replay_fixture  # noqa: F401 -- the `replay` fixture
from scim_proxy.translate import users as mapping
from scim_proxy.web import app as web_app
from scim_proxy.web.app import create_app

from .cassettes.make_cassettes import EMULATOR, FLOWS, lifecycle, record, record_demo

CASSETTES = Path(__file__).parent / "cassettes"
LIFECYCLE = CASSETTES / "lifecycle_default.jsonl"


@pytest.mark.parametrize("name", sorted(p.stem for p in CASSETTES.glob("*.jsonl")))
async def test_cassette_replays(replay: Replayer, name: str) -> None:
    """Every committed cassette replays against this build: same JumpCloud calls, same answers."""
    path = CASSETTES / f"{name}.jsonl"
    entries = replayable(load(path))  # a re-recorded cassette may hold metadata lines (no token, 401)

    # The demo ran with its mapping file (a custom extension attribute): a replay needs the same table.
    result = await replay(path, settings=demo_settings(EMULATOR) if name == "demo" else None)

    assert (len(entries), sum(len(e["upstream"]) for e in entries)) == (
        result.requests,
        result.upstream_calls,
    )


def test_cassette_set_is_complete() -> None:
    """The committed cassettes are the Entra flows the issue lists, plus a recorded `make demo`."""
    assert {*FLOWS, "demo"} == {p.stem for p in CASSETTES.glob("*.jsonl")}


async def test_fresh_lifecycle_recording_replays(tmp_path: Path) -> None:
    """A lifecycle recorded now, in both PATCH dialects, replays cleanly."""
    for dialect in ("default", "flag"):
        path = await record(f"lifecycle_{dialect}", lifecycle(dialect), tmp_path)

        result = await replay(path)

        assert (11, 12) == (result.requests, result.upstream_calls)  # the re-enable reads the user first


async def test_make_demo_recording_replays(tmp_path: Path) -> None:
    """`make demo`'s cycle, recorded over loopback sockets, replays cleanly in-process."""
    path = await asyncio.to_thread(record_demo, tmp_path)  # record_demo runs its own event loop

    result = await replay(path, settings=demo_settings(EMULATOR))

    # groups cost 2 + 3 + 1; the re-enable and the arrays (phone, address, custom attribute) read first
    assert (18, 23) == (result.requests, result.upstream_calls)


async def test_changed_mapping_fails_with_side_by_side_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Title mapped to JumpCloud's description, not jobTitle, fails at the create, showing both bodies."""
    rows = [attrs.evolve(a, jc_field="description") if a.field == "title" else a for a in schema.USER_ATTRIBUTES]
    changed = mapping.UserMapping(schema=schema.UserSchema(rows))
    monkeypatch.setattr(web_app, "load_user_mapping", lambda settings: changed)

    with pytest.raises(ReplayMismatch) as failure:
        await replay(LIFECYCLE)

    lines = str(failure.value).splitlines()
    assert lines[0].startswith("Replay diverged at request 3 of 11: POST /scim/v2/Users  (recorded 20")
    assert "JumpCloud call 1 (1 recorded, 1 made) differs: body" == lines[1]
    assert "expected (recorded)" in lines[2] and "actual (this run)" in lines[2]
    rows = [" ".join(line.split()) for line in lines[4:]]
    assert '> "description": "Engineer",' in rows
    assert '"jobTitle": "Engineer", <' in rows
    assert '"firstname": "Alice", "firstname": "Alice",' in rows
    assert isinstance(failure.value, AssertionError)


async def test_changed_converter_fails_on_the_response(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SCIM view that reads title from the department changes the first answer that carries a user."""
    original = mapping.to_scim_user

    def title_from_department(jc: Any, *args: Any, **kwargs: Any) -> Any:
        user = original(jc, *args, **kwargs)
        return attrs.evolve(user, values={**user.values, "title": user.get("department")})

    monkeypatch.setattr(mapping, "to_scim_user", title_from_department)

    with pytest.raises(ReplayMismatch) as failure:
        await replay(LIFECYCLE)

    message = str(failure.value)
    assert "Replay diverged at request 3 of 11: POST /scim/v2/Users" in message
    assert "The proxy's response differs: body" in message
    rows = [" ".join(line.split()) for line in message.splitlines()]
    assert '"title": "Engineer", ! "title": "R&D",' in rows
    assert "... ..." in rows  # the unchanged start of the user is folded away


async def test_extra_and_missing_calls_are_named() -> None:
    """A call the cassette lacks, or a recorded call not made, is reported as such."""
    entries = load(LIFECYCLE)
    without_call = [entries[0] | {"upstream": []}]
    extra_call = [entries[0] | {"upstream": entries[0]["upstream"] * 2}]

    with pytest.raises(ReplayMismatch, match=r"JumpCloud call 1 \(0 recorded, 1 made\) differs: an extra call"):
        await replay(without_call)
    with pytest.raises(ReplayMismatch, match=r"call 2 \(2 recorded, 1 made\) differs: a recorded call the proxy"):
        await replay(extra_call)


async def test_normalisation_ignores_hosts_and_times() -> None:
    """A different proxy host in meta.location and different timestamps do not count as differences."""
    lines = LIFECYCLE.read_text().replace("https://scim-proxy.contoso.com", "https://other.example:8443")
    lines = lines.replace('"lastModified":"2025-06-02T09:00', '"lastModified":"2031-01-01T00:00')

    result = await replay(lines.splitlines())

    assert 11 == result.requests


def test_normalise_rules() -> None:
    """Date-times become a marker, location and $ref URLs lose scheme and host, the rest is kept."""
    value = {
        "meta": {"created": "2025-06-02T09:00:01.000Z", "location": "https://p.test:8443/scim/v2/Users/1"},
        "manager": {"$ref": "http://x/scim/v2/Users/2", "value": "2"},
        "when": "2025-06-02 09:00:01+02:00",
        "title": "2025 plans",
        "list": ["2025-06-02T09:00:01Z"],
    }

    assert {
        "meta": {"created": "<timestamp>", "location": "/scim/v2/Users/1"},
        "manager": {"$ref": "/scim/v2/Users/2", "value": "2"},
        "when": "<timestamp>",
        "title": "2025 plans",
        "list": ["<timestamp>"],
    } == normalise(value)


def test_side_by_side_marks_lines() -> None:
    """Equal lines are unmarked, changed ones `!`, left-only `<` and right-only `>`."""
    text = side_by_side({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4}, width=12)

    assert [
        "  expected (recorded)   actual (this run)",
        "  ------------   ------------",
        "  {              {",
        '    "a": 1,        "a": 1,',
        '    "b": 2,    !   "b": 5,',
        '    "c": 3     !   "d": 4',
        "  }              }",
    ] == text.splitlines()


async def test_recorded_timeout_replays(tmp_path: Path) -> None:
    """A JumpCloud call that timed out (no status) is replayed as a timeout: the proxy answers 504 again."""
    path = tmp_path / "timeout.jsonl"
    settings = Settings(jumpcloud_url=EMULATOR, record_path=str(path), retry_attempts=1)

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    jumpcloud = make_jumpcloud_client(settings, transport=httpx.MockTransport(timeout))
    app = create_app(settings, jumpcloud=jumpcloud)
    async with (
        jumpcloud.http,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://p.test") as scim,
    ):
        resp = await scim.get("/scim/v2/Users/683d681062d82c07cd000001", headers={"Authorization": "Bearer k"})
    (entry,) = load(path)

    result = await replay(path, settings=Settings(retry_attempts=1))

    assert (504, [None], 1) == (resp.status_code, [c["status"] for c in entry["upstream"]], result.requests)


@pytest.fixture(name="staging")
async def _staging() -> AsyncIterator[httpx.AsyncBaseTransport]:
    """A proxy in front of a fresh emulator whose clock differs from the recording's: new ids, new times."""
    emulator = create_emulator_app(EmulatorConfig())
    settings = Settings(jumpcloud_url=EMULATOR)
    jumpcloud = make_jumpcloud_client(settings, transport=httpx.ASGITransport(app=emulator))
    async with jumpcloud.http:
        yield httpx.ASGITransport(app=create_app(settings, jumpcloud=jumpcloud))


async def test_replay_against_maps_new_ids(staging: httpx.AsyncBaseTransport) -> None:
    """Against another JumpCloud the ids differ; they are mapped, so a whole lifecycle shows no difference."""
    report: list[str] = []

    differences = await replay_against(
        load(LIFECYCLE),
        base_url="https://staging.test/scim/v2",
        token=DEFAULT_API_KEY,
        transport=staging,
        write=report.append,
    )

    assert 0 == differences
    assert 11 == sum(line.startswith("ok ") for line in report)
    assert "11 requests replayed against https://staging.test: 0 with differences" == report[-1]


async def test_replay_against_reports_differences(staging: httpx.AsyncBaseTransport) -> None:
    """A wrong token makes every answer differ; each is reported with its status side by side."""
    report: list[str] = []
    entries = load(CASSETTES / "test_connection.jsonl")[:1]

    differences = await replay_against(
        entries, base_url="https://staging.test", token="wrong", transport=staging, write=report.append
    )

    assert 1 == differences
    assert report[0].startswith("DIFF   1  GET /scim/v2/Users?filter=userName+eq+%223f2c8a14")
    rows = [" ".join(line.split()) for line in report[0].splitlines()]
    assert '"status": 200 ! "status": 401' in rows


def _cli_cassette(tmp_path: Path) -> Path:
    path = tmp_path / "probe.jsonl"
    path.write_text(json.dumps(load(CASSETTES / "test_connection.jsonl")[0]) + "\n")
    return path


def test_cli_replay_against_running_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scim-proxy replay FILE --against URL` takes the token from the environment; 0 if equal, else 1."""
    path = _cli_cassette(tmp_path)
    with (
        serve_in_thread(create_emulator_app(EmulatorConfig())) as jc_url,
        serve_in_thread(create_app(Settings(jumpcloud_url=jc_url))) as url,
    ):
        monkeypatch.setenv("STAGING_KEY", DEFAULT_API_KEY)
        equal = main(["replay", str(path), "--against", url, "--token-env", "STAGING_KEY"])
        monkeypatch.setenv("STAGING_KEY", "not-the-key")
        different = main(["replay", str(path), "--against", url, "--token-env", "STAGING_KEY"])

    out = capsys.readouterr().out
    assert (0, 1) == (equal, different)
    assert DEFAULT_API_KEY not in out and "not-the-key" not in out
    assert f"1 requests replayed against {url}: 1 with differences" in out


def test_cli_replay_needs_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the token variable set, replay refuses to start (exit 2) and says which variable to set."""
    monkeypatch.delenv("JUMPCLOUD_API_KEY", raising=False)

    code = main(["replay", str(_cli_cassette(tmp_path)), "--against", "http://127.0.0.1:9"])

    assert 2 == code
    assert "set JUMPCLOUD_API_KEY to the bearer token" in capsys.readouterr().err
