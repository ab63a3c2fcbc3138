"""`make demo`: the JumpCloud emulator and the proxy on loopback, an Entra-like cycle, a summary.

No network: both servers run under uvicorn on 127.0.0.1 and stop at the end.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, create_emulator_app
from devtools.entra_sim import ENT, DirectoryUser, EntraClient
from devtools.servers import serve_in_thread
from scim_proxy.logs import configure_logging
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

MAPPING_FILE = Path(__file__).with_name("demo_mapping.toml")
BADGE = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"  # the mapping file's extension


def demo_settings(jumpcloud_url: str, **more: Any) -> Settings:
    """The proxy's settings in the demo: its mapping file adds one custom extension attribute."""
    return Settings(jumpcloud_url=jumpcloud_url, mapping_file=str(MAPPING_FILE), **more)


DIRECTORY = (
    DirectoryUser(
        object_id="1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        mail_nickname="ada.lovelace",
        upn="ada.lovelace@contoso.com",
        given_name="Ada",
        surname="Lovelace",
        job_title="CTO",
        department="Engineering",
    ),
    DirectoryUser(
        object_id="6fa459ea-ee8a-3ca4-894e-db77e160355e",
        mail_nickname="alan.turing",
        upn="alan.turing@contoso.com",
        given_name="Alan",
        surname="Turing",
        job_title="Engineer",
        department="Engineering",
    ),
    DirectoryUser(
        object_id="886313e1-3b8a-5372-9b90-0c9aee199e5d",
        mail_nickname="grace.hopper",
        upn="grace.hopper@contoso.com",
        given_name="Grace",
        surname="Hopper",
        job_title="Engineer",
        department="Engineering",
    ),
    DirectoryUser(
        object_id="a3bb189e-8bf9-3888-9912-ace4e6543002",
        mail_nickname="edsger.dijkstra",
        upn="edsger.dijkstra@contoso.com",
        given_name="Edsger",
        surname="Dijkstra",
        job_title="Analyst",
        department="Research",
    ),
    DirectoryUser(
        object_id="f47ac10b-58cc-4372-a567-0e02b2c3d479",
        mail_nickname="barbara.liskov",
        upn="barbara.liskov@contoso.com",
        given_name="Barbara",
        surname="Liskov",
        active=False,
    ),
)


class Narrator:
    """Numbered steps with what Entra sent, what the proxy answered and what it cost upstream."""

    def __init__(self, emulator: EmulatorState, write: Callable[[str], object]) -> None:
        self.emulator = emulator
        self.write = write
        self.number = 0

    async def step(self, title: str, action: Callable[[], Awaitable[list[httpx.Response]]]) -> list[httpx.Response]:
        self.number += 1
        before = sum(self.emulator.requests.values())
        responses = await action()
        calls = sum(self.emulator.requests.values()) - before
        statuses = ", ".join(str(r.status_code) for r in responses)
        self.write(f"{self.number:>2}. {title}\n    proxy answered {statuses}; JumpCloud calls: {calls}")
        return responses


async def play(scim_url: str, emulator: EmulatorState, write: Callable[[str], object] = print) -> bool:
    """Run the cycle against a proxy at `scim_url`; True when every answer was what Entra expects."""
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    async with httpx.AsyncClient(base_url=scim_url, headers=headers, timeout=15) as http:
        default, flag = EntraClient(http), EntraClient(http, dialect="flag")
        say = Narrator(emulator, write)
        ok: list[bool] = []
        probe = await say.step(
            "Test Connection: filter userName eq <random GUID>", lambda: _one(default.test_connection())
        )
        ok.append(probe[0].status_code == 200 and probe[0].json()["totalResults"] == 0)
        created = await say.step(
            f"Create {len(DIRECTORY)} users (one inactive in Entra)", lambda: _all(default.create(u) for u in DIRECTORY)
        )
        ok.append(all(r.status_code == 201 for r in created))
        ids = {u.mail_nickname: r.json()["id"] for u, r in zip(DIRECTORY, created, strict=True)}
        found = await say.step(
            "Next cycle: Entra matches alan.turing by userName (case-insensitively)",
            lambda: _one(http.get("/Users", params={"filter": 'userName eq "ALAN.TURING"'})),
        )
        ok.append(found[0].json()["totalResults"] == 1)
        update = await say.step(
            "Update title and department, default dialect (op Replace, URN path)",
            lambda: _one(
                default.update(ids["alan.turing"], {"title": "Staff Engineer", f"{ENT}:department": "Platform"})
            ),
        )
        ok.append(update[0].status_code == 200)
        update = await say.step(
            "Update name and email, aadOptscim062020 dialect (no-path dotted keys)",
            lambda: _one(
                flag.update(
                    ids["grace.hopper"],
                    {"name.familyName": "Hopper-Murray", 'emails[type eq "work"].value': "grace@contoso.com"},
                )
            ),
        )
        ok.append(update[0].status_code == 200)
        managed = await say.step(
            "Link managers: ada.lovelace manages alan.turing and grace.hopper",
            lambda: _all(default.set_manager(ids[n], ids["ada.lovelace"]) for n in ("alan.turing", "grace.hopper")),
        )
        ok.append(all(r.json()[ENT]["manager"]["value"] == ids["ada.lovelace"] for r in managed))
        extras = {
            'phoneNumbers[type eq "work"].value': "+44 20 7946 0018",
            'addresses[type eq "work"].locality': "London",
            'addresses[type eq "work"].country': "GB",
            f"{BADGE}:badgeNumber": "1815",
        }
        added = await say.step(
            "A phone, an office address and a badge number (custom extension, demo_mapping.toml) for ada.lovelace",
            lambda: _one(flag.update(ids["ada.lovelace"], extras)),
        )
        ok.append(added[0].json().get(BADGE) == {"badgeNumber": "1815"})
        disabled = await say.step(
            'Disable edsger.dijkstra: Replace active "False"',
            lambda: _one(default.set_active(ids["edsger.dijkstra"], False)),
        )
        ok.append(disabled[0].json()["active"] is False)
        enabled = await say.step(
            "Re-enable edsger.dijkstra: replace active true (flag dialect)",
            lambda: _one(flag.set_active(ids["edsger.dijkstra"], True)),
        )
        ok.append(enabled[0].json()["active"] is True)
        deleted = await say.step(
            "Delete barbara.liskov (hard delete after Entra's 30 days)",
            lambda: _one(default.delete(ids["barbara.liskov"])),
        )
        ok.append(deleted[0].status_code == 204)
        ok.append(await _play_groups(default, flag, say, ids))
    write("\nJumpCloud users now:")
    write(users_table(emulator.users()))
    write("\nJumpCloud's arrays of ada.lovelace (phones, addresses, custom attributes):")
    write(arrays_of(emulator.users(), "ada.lovelace"))
    write("\nJumpCloud user groups now:")
    write(groups_table(emulator))
    return all(ok)


async def _play_groups(default: EntraClient, flag: EntraClient, say: Narrator, ids: dict[str, str]) -> bool:
    """Groups, which JumpCloud's own SCIM server does not import: create, add members, remove one."""
    created = await say.step(
        'Create group "Engineering" (Entra creates groups empty)',
        lambda: _one(default.create_group("Engineering", "5d9a7b1e-0c43-4e4b-a4a5-6a0f7e3c2b10")),
    )
    group_id = created[0].json()["id"]
    added = await say.step(
        "Add three members in one PATCH (default dialect: Add with a value array)",
        lambda: _one(default.add_members(group_id, [ids["ada.lovelace"], ids["alan.turing"], ids["grace.hopper"]])),
    )
    removed = await say.step(
        'Remove ada.lovelace (aadOptscim062020 dialect: members[value eq "..."])',
        lambda: _one(flag.remove_member(group_id, ids["ada.lovelace"])),
    )
    return created[0].status_code == 201 and added[0].status_code == 204 and removed[0].status_code == 204


async def _one(request: Awaitable[httpx.Response]) -> list[httpx.Response]:
    return [await request]


async def _all(requests: Any) -> list[httpx.Response]:
    return [await r for r in requests]


def users_table(users: list[dict[str, Any]]) -> str:
    names = {u["_id"]: u["username"] for u in users}
    rows = [("username", "email", "name", "title", "department", "state", "manager")]
    for u in sorted(users, key=lambda u: u["username"]):
        rows.append(
            (
                u["username"],
                u["email"],
                f"{u['firstname']} {u['lastname']}",
                u["jobTitle"],
                u["department"],
                u["state"],
                names.get(u.get("manager") or "", ""),
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def arrays_of(users: list[dict[str, Any]], username: str) -> str:
    (user,) = [u for u in users if u["username"] == username]
    phones = ", ".join(f"{p['type']} {p['number']}" for p in user["phoneNumbers"])
    addresses = ", ".join(f"{a['type']}: {a['locality']} {a['country']}" for a in user["addresses"])
    custom = ", ".join(f"{a['name']}={a['value']}" for a in user["attributes"])
    return f"phoneNumbers: {phones}\naddresses:    {addresses}\nattributes:   {custom}"


def groups_table(emulator: EmulatorState) -> str:
    names = {u["_id"]: u["username"] for u in emulator.users()}
    lines = []
    for group in emulator.groups():
        members = sorted(names.get(m, m) for m in emulator.members(group["id"]))
        lines.append(f"{group['name']}: {', '.join(members) or '(no members)'}")
    return "\n".join(lines)


def main() -> int:
    configure_logging("console", "warning")  # the narration is the output; warnings still show
    emulator_app = create_emulator_app(EmulatorConfig())
    emulator: EmulatorState = emulator_app.state.emulator
    with serve_in_thread(emulator_app) as jc_url, serve_in_thread(create_app(demo_settings(jc_url))) as url:
        print(f"JumpCloud emulator: {jc_url}\nscim-proxy:         {url}/scim/v2\n")
        ok = asyncio.run(play(f"{url}/scim/v2", emulator))
    print("\nBoth servers stopped. " + ("Every answer was what Entra expects." if ok else "SOME ANSWERS WERE WRONG."))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
