"""The safety net of live runs, checked on the emulator: the guard, the cleanup, the mode switch."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import httpx
import pytest

from .conftest import live_requested
from .guard import Owned, UnsafeRequest, cleanup, guarded_client
from .support import Names, Target, email_of


@pytest.fixture(name="foreign")
def _foreign(target: Target) -> Iterator[dict[str, str]]:
    """A user and a group that the contract run did not create (seeded straight into the emulator)."""
    if target.emulator is None:
        pytest.skip("seeds the emulator directly")
    name = f"someone-else-{secrets.token_hex(3)}"
    user = target.emulator.create_user({"username": name, "email": email_of(name)})
    group = target.emulator.create_group({"name": name})
    yield {"user": user["_id"], "group": group["id"], "name": name}
    with target.client() as client:  # unguarded on purpose: these are the emulator-only foreign objects
        client.delete(f"/api/systemusers/{user['_id']}")
        client.delete(f"/api/v2/usergroups/{group['id']}")


def test_guard_refuses_writes_outside_the_run(target: Target, foreign: dict[str, str], jc: httpx.Client) -> None:
    """Creates without the prefix and writes to objects the run did not create never leave the client."""
    attempts: list[Callable[[], httpx.Response]] = [
        lambda: jc.post("/api/systemusers", json={"username": "jdoe", "email": email_of("jdoe")}),
        lambda: jc.post("/api/v2/usergroups", json={"name": "Everyone"}),
        lambda: jc.put(f"/api/systemusers/{foreign['user']}", json={"jobTitle": "x"}),
        lambda: jc.delete(f"/api/systemusers/{foreign['user']}"),
        lambda: jc.post(f"/api/systemusers/{foreign['user']}/state/activate", json={}),
        lambda: jc.delete(f"/api/v2/usergroups/{foreign['group']}"),
        lambda: jc.post("/api/organizations", json={}),
    ]
    assert target.emulator is not None
    before = target.emulator.calls("update_user") + target.emulator.calls("delete_user")

    for attempt in attempts:
        with pytest.raises(UnsafeRequest):
            attempt()

    assert before == target.emulator.calls("update_user") + target.emulator.calls("delete_user")
    assert foreign["name"] in [u["username"] for u in target.emulator.users()]


def test_cleanup_deletes_only_prefixed_objects(target: Target, foreign: dict[str, str], run_prefix: str) -> None:
    """The cleanup deletes what carries the prefix, even untracked, managers included, and nothing else."""
    prefix = f"{run_prefix}sweep-"
    owned = Owned(prefix)
    client, probe = guarded_client(target, owned)
    with client, probe:
        boss = client.post("/api/systemusers", json={"username": f"{prefix}boss", "email": email_of(f"{prefix}b")})
        client.post(
            "/api/systemusers",
            json={"username": f"{prefix}report", "email": email_of(f"{prefix}r"), "manager": boss.json()["_id"]},
        )
        client.post("/api/v2/usergroups", json={"name": f"{prefix}group"})
        owned.users.clear()  # as if the answers had been lost: only the prefix can find them now
        owned.groups.clear()

        problems = cleanup(probe, owned, prefix=prefix)

    assert target.emulator is not None
    assert [] == problems
    assert [] == [u for u in target.emulator.users() if u["username"].startswith(prefix)]
    assert [] == [g for g in target.emulator.groups() if g["name"].startswith(prefix)]
    assert foreign["name"] in [u["username"] for u in target.emulator.users()]


@pytest.mark.parametrize(
    ("markexpr", "live"),
    [("", False), ("live", True), ("not live", False), ("live and not slow", False), ("(live)", True)],
)
def test_live_mode_needs_the_live_marker(pytestconfig: pytest.Config, markexpr: str, live: bool) -> None:
    """Only a run that selects the `live` marker talks to a real org."""
    original = pytestconfig.option.markexpr
    pytestconfig.option.markexpr = markexpr
    try:
        assert live is live_requested(pytestconfig)
    finally:
        pytestconfig.option.markexpr = original


def test_names_are_numbered_and_other_case_always_changes_the_name() -> None:
    """Names are `<prefix><hint>-<n>`; other_case swaps the case after the prefix or refuses a name it cannot change."""
    names = Names("scimproxy-contract-0a1b2c3d-t7-")

    first, second = names.user("case"), names.group()

    assert ("scimproxy-contract-0a1b2c3d-t7-case-1", "scimproxy-contract-0a1b2c3d-t7-g-2") == (first, second)
    assert "scimproxy-contract-0a1b2c3d-t7-CASE-1" == names.other_case(first)
    with pytest.raises(ValueError, match="no letter"):
        names.other_case("scimproxy-contract-0a1b2c3d-t7-123-4")
    with pytest.raises(ValueError, match="does not start with"):
        names.other_case("someone-else-case-1")
