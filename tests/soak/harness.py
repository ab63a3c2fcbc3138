"""Chaos soak: an Entra-like client reconciles N users through the proxy while the emulator misbehaves.

Like Entra, the client works in passes: for every user of the intended directory it
queries by userName, creates what is missing, PATCHes what differs (title, active),
deletes what must go; whatever failed is simply tried again on the next pass. At the
end the emulator's state must equal the intended state: nothing lost, nothing
duplicated, no wrong attribute.

    python -m tests.soak.harness --users 2000        # what `make soak` runs
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from typing import Any

import attrs
import httpx

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, FaultRule, Faults, create_emulator_app
from devtools.entra_sim import DirectoryUser, EntraClient
from devtools.servers import serve_in_thread
from scim_proxy.logs import configure_logging
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

# About 10 % of upstream requests misbehave, in every way the reliability issue names.
CHAOS = (
    FaultRule(rate=0.025, status=429, retry_after=0),
    FaultRule(rate=0.015, status=429),
    FaultRule(rate=0.02, status=500),
    FaultRule(rate=0.02, status=503),
    FaultRule(rate=0.01, latency=0.05),
    FaultRule(rate=0.01, drop="after"),
    FaultRule(rate=0.005, drop="before"),
)


@attrs.define
class Intended:
    user: DirectoryUser
    title: str
    active: bool
    deleted: bool


@attrs.frozen
class Outcome:
    users: int
    passes: int
    requests: int
    failed_requests: int
    faults: dict[str, int]
    lost: int
    duplicated: int
    wrong: int
    leftover: int
    seconds: float

    def summary(self) -> str:
        faults = sum(self.faults.values())
        return (
            f"soak: {self.users} users, {self.requests} SCIM requests in {self.passes} passes, "
            f"{self.seconds:.1f} s; faults injected: {faults} {dict(sorted(self.faults.items()))}; "
            f"requests that failed and were retried by the client: {self.failed_requests}; "
            f"lost: {self.lost}, duplicated: {self.duplicated}, wrong attributes: {self.wrong}, "
            f"left over: {self.leftover}"
        )


def directory(size: int, seed: int) -> list[Intended]:
    """A directory of `size` users with a create/update/disable/delete mix."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible workload, not a secret
    plan: list[Intended] = []
    for i in range(size):
        user = DirectoryUser(
            object_id=f"obj-{seed}-{i:05d}",
            mail_nickname=f"user{i:05d}.soak",
            upn=f"user{i:05d}.soak@contoso.com",
            given_name=f"Given{i}",
            surname=f"Sur{i}",
            job_title="Engineer",
        )
        roll = rng.random()
        plan.append(
            Intended(
                user=user,
                title="Lead" if roll < 0.5 else "Engineer",
                active=not 0.5 <= roll < 0.75,
                deleted=0.9 <= roll,
            )
        )
    return plan


async def _reconcile(entra: EntraClient, want: Intended, tally: Counter[str]) -> bool:
    """One Entra-style step for one user; True when JumpCloud already matches the intent."""
    try:
        found = await entra.find(want.user.mail_nickname)
        tally["requests"] += 1
        if found is None:
            if want.deleted and tally["created:" + want.user.mail_nickname]:
                return True
            tally["requests"] += 1
            created = await entra.create(want.user)
            if created.status_code != 201:
                tally["failed"] += 1
                return False
            tally["created:" + want.user.mail_nickname] += 1
            return False  # the next pass checks and updates it
        if want.deleted:
            tally["requests"] += 1
            response = await entra.delete(found["id"])
            tally["failed"] += response.status_code != 204
            return False
        changes: dict[str, Any] = {}
        if found.get("title") != want.title:
            changes["title"] = want.title
        if changes:
            tally["requests"] += 1
            response = await entra.update(found["id"], changes)
            tally["failed"] += response.status_code != 200
            return False
        if found.get("active") is not want.active:
            tally["requests"] += 1
            response = await entra.set_active(found["id"], want.active)
            tally["failed"] += response.status_code != 200
            return False
        return True
    except (httpx.HTTPError, KeyError, ValueError):
        tally["failed"] += 1
        return False


async def drive(scim_url: str, plan: list[Intended], *, concurrency: int, max_passes: int) -> tuple[int, Counter[str]]:
    tally: Counter[str] = Counter()
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=scim_url, headers=headers, timeout=30, limits=limits) as http:
        clients = [EntraClient(http, dialect="default"), EntraClient(http, dialect="flag")]
        pending = list(plan)
        for number in range(1, max_passes + 1):

            async def step(index: int, want: Intended) -> bool:
                async with gate:
                    return await _reconcile(clients[index % 2], want, tally)

            done = await asyncio.gather(*(step(i, w) for i, w in enumerate(pending)))
            pending = [w for w, ok in zip(pending, done, strict=True) if not ok]
            if not pending:
                return number, tally
    return max_passes, tally


def judge(plan: list[Intended], emulator: EmulatorState) -> tuple[int, int, int, int]:
    """(lost, duplicated, wrong, leftover) comparing JumpCloud's users with the intent."""
    users = emulator.users()
    by_external = Counter(u["external_dn"] for u in users)
    by_name = {u["username"]: u for u in users}
    wanted = {w.user.mail_nickname: w for w in plan if not w.deleted}
    lost = sum(1 for name in wanted if name not in by_name)
    duplicated = sum(n - 1 for n in by_external.values() if n > 1)
    wrong = 0
    for name, want in wanted.items():
        got = by_name.get(name)
        if got is None:
            continue
        expected = (
            want.user.upn,
            want.user.given_name,
            want.user.surname,
            want.title,
            want.user.object_id,
            not want.active,
        )
        actual = (
            got["email"],
            got["firstname"],
            got["lastname"],
            got["jobTitle"],
            got["external_dn"],
            got["suspended"],
        )
        wrong += expected != actual
    leftover = sum(1 for name in by_name if name not in wanted)
    return lost, duplicated, wrong, leftover


def run(users: int, *, seed: int = 7, concurrency: int = 10, max_passes: int = 12) -> Outcome:
    started = time.monotonic()
    emulator_app = create_emulator_app(EmulatorConfig(faults=Faults(rules=CHAOS, seed=seed)))
    emulator: EmulatorState = emulator_app.state.emulator
    settings = Settings(
        retry_backoff=0.01,
        retry_backoff_max=0.1,
        retry_after_cap=2.0,
        log_level="warning",
        max_upstream_concurrency=concurrency,
    )
    plan = directory(users, seed)
    # uvicorn logs every injected drop as an error: expected here, so silenced.
    with serve_in_thread(emulator_app, log_level="critical") as jc_url:
        proxy = create_app(attrs.evolve(settings, jumpcloud_url=jc_url))
        with serve_in_thread(proxy) as proxy_url:
            passes, tally = asyncio.run(
                drive(f"{proxy_url}/scim/v2", plan, concurrency=concurrency, max_passes=max_passes)
            )
    emulator.faults = Faults()  # judge a quiet store
    lost, duplicated, wrong, leftover = judge(plan, emulator)
    return Outcome(
        users=users,
        passes=passes,
        requests=tally["requests"],
        failed_requests=tally["failed"],
        faults=dict(emulator.fault_counts),
        lost=lost,
        duplicated=duplicated,
        wrong=wrong,
        leftover=leftover,
        seconds=time.monotonic() - started,
    )


def main(argv: list[str] | None = None) -> int:
    configure_logging("console", "error")  # the figures are the output
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args(argv)
    outcome = run(args.users, seed=args.seed, concurrency=args.concurrency)
    print(outcome.summary())
    return 0 if (outcome.lost, outcome.duplicated, outcome.wrong, outcome.leftover) == (0, 0, 0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
