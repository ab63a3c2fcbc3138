"""Chaos soak: an Entra-like client reconciles N users through the proxy while the emulator misbehaves.

Like Entra, the client works in passes: for every user of the intended directory it
queries by userName, creates what is missing, PATCHes what differs (title, active),
deletes what must go; whatever failed is simply tried again on the next pass. At the
end the emulator's state must equal the intended state: nothing lost, nothing
duplicated, no wrong attribute. And Entra must barely notice the chaos: every SCIM
answer that is not a success (or no answer at all) counts as an Entra-visible failure,
and the run fails when they exceed MAX_FAILURE_RATE of all requests (each one would be a
failure in Entra's provisioning log and count toward quarantine).

    python -m tests.soak.harness --users 2000        # what `make soak` runs
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter

import attrs
import httpx

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorState, FaultRule, Faults, create_emulator_app
from devtools.entra_sim import DirectoryUser, EntraClient
from devtools.servers import serve_in_thread
from scim_proxy.logs import configure_logging
from scim_proxy.settings import Settings
from scim_proxy.web.app import create_app

MAX_FAILURE_RATE = 0.002  # Entra-visible failures / SCIM requests, at the 10 % of CHAOS

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
    answers: dict[str, int]  # every SCIM request Entra sent, as "METHOD status" ("POST 201"; status 0: no answer)
    upstream_calls: int  # requests JumpCloud (the emulator) received
    faults: dict[str, int]  # injected, by kind
    route_faults: dict[str, dict[str, int]]  # injected, by JumpCloud route, then kind
    retries: int  # JumpCloud calls the proxy sent again (its jumpcloud_retries_total)
    lost: int
    duplicated: int
    wrong: int
    leftover: int
    seconds: float

    @property
    def requests(self) -> int:
        return sum(self.answers.values())

    @property
    def failures(self) -> dict[str, int]:
        """Entra-visible failures: answers that are not 2xx, by "METHOD status"."""
        return {k: n for k, n in sorted(self.answers.items()) if not 200 <= int(k.split()[1]) < 300}

    @property
    def failure_rate(self) -> float:
        return sum(self.failures.values()) / max(1, self.requests)

    @property
    def fault_rate(self) -> float:
        """Injected faults that fail a call (latency alone does not) per JumpCloud request."""
        failing = sum(n for kind, n in self.faults.items() if kind != "latency")
        return failing / max(1, self.upstream_calls)

    def converged(self) -> bool:
        return (self.lost, self.duplicated, self.wrong, self.leftover) == (0, 0, 0, 0)

    def summary(self) -> str:
        by_status: Counter[str] = Counter()
        for key, n in self.failures.items():
            by_status[key.split()[1]] += n
        per_route = "; ".join(
            f"{route} {dict(sorted(kinds.items()))}" for route, kinds in sorted(self.route_faults.items())
        )
        return "\n".join(
            [
                f"soak: {self.users} users, {self.requests} SCIM requests in {self.passes} passes, "
                f"{self.seconds:.1f} s",
                f"  answers: {dict(sorted(self.answers.items()))}",
                f"  Entra-visible failures: {sum(self.failures.values())} = {self.failure_rate:.3%} of requests "
                f"(limit {MAX_FAILURE_RATE:.1%}); by status {dict(sorted(by_status.items()))}; "
                f"by request {self.failures}",
                f"  JumpCloud: {self.upstream_calls} calls, {sum(self.faults.values())} faults injected = "
                f"{sum(self.faults.values()) / max(1, self.upstream_calls):.1%} of calls ({self.fault_rate:.1%} "
                f"failed the call, the rest only delayed it); by kind {dict(sorted(self.faults.items()))}",
                f"  faults by route: {per_route}",
                f"  proxy retries of JumpCloud calls: {self.retries}",
                f"  lost: {self.lost}, duplicated: {self.duplicated}, wrong attributes: {self.wrong}, "
                f"left over: {self.leftover}",
            ]
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


async def _reconcile(entra: EntraClient, want: Intended, created: set[str]) -> bool:
    """One Entra-style step for one user; True when JumpCloud already matches the intent."""
    name = want.user.mail_nickname
    try:
        found = await entra.find(name)
        if found is None:
            if want.deleted and name in created:
                return True
            response = await entra.create(want.user)
            if response.status_code == 201:
                created.add(name)
            return False  # the next pass checks and updates it
        if want.deleted:
            await entra.delete(found["id"])
            return False
        if found.get("title") != want.title:
            await entra.update(found["id"], {"title": want.title})
            return False
        if found.get("active") is not want.active:
            await entra.set_active(found["id"], want.active)
            return False
        return True
    except httpx.HTTPError:  # already counted by the response hook, or as "no answer" by the transport
        return False


class _Answers(httpx.AsyncBaseTransport):
    """Counts every SCIM answer as "METHOD status", and every request that got none as status 0."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.counts: Counter[str] = Counter()

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TransportError:
            self.counts[f"{request.method} 0"] += 1
            raise
        self.counts[f"{request.method} {response.status_code}"] += 1
        return response


async def drive(scim_url: str, plan: list[Intended], *, concurrency: int, max_passes: int) -> tuple[int, Counter[str]]:
    """Reconcile `plan` in passes; (passes used, SCIM answers by "METHOD status")."""
    created: set[str] = set()
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    limits = httpx.Limits(max_connections=concurrency)
    answers = _Answers(httpx.AsyncHTTPTransport(limits=limits))
    async with httpx.AsyncClient(base_url=scim_url, headers=headers, timeout=30, transport=answers) as http:
        clients = [EntraClient(http, dialect="default"), EntraClient(http, dialect="flag")]
        pending = list(plan)
        for number in range(1, max_passes + 1):

            async def step(index: int, want: Intended) -> bool:
                async with gate:
                    return await _reconcile(clients[index % 2], want, created)

            done = await asyncio.gather(*(step(i, w) for i, w in enumerate(pending)))
            pending = [w for w, ok in zip(pending, done, strict=True) if not ok]
            if not pending:
                return number, answers.counts
    return max_passes, answers.counts


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
    retries: list[int] = []
    # uvicorn logs every injected drop as an error: expected here, so silenced. Both servers share
    # uvicorn's loggers, so the proxy's is set to the same level (its failures show up as answers).
    with serve_in_thread(emulator_app, log_level="critical") as jc_url:
        proxy = create_app(
            attrs.evolve(settings, jumpcloud_url=jc_url), observers=[lambda summary: retries.append(summary["retries"])]
        )
        with serve_in_thread(proxy, log_level="critical") as proxy_url:
            passes, answers = asyncio.run(
                drive(f"{proxy_url}/scim/v2", plan, concurrency=concurrency, max_passes=max_passes)
            )
    emulator.faults = Faults()  # judge a quiet store
    lost, duplicated, wrong, leftover = judge(plan, emulator)
    route_faults: dict[str, dict[str, int]] = {}
    for (route, kind), n in emulator.route_faults.items():
        route_faults.setdefault(route, {})[kind] = n
    return Outcome(
        users=users,
        passes=passes,
        answers=dict(answers),
        upstream_calls=sum(emulator.requests.values()),
        faults=dict(emulator.fault_counts),
        route_faults=route_faults,
        retries=sum(retries),
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
    if outcome.failure_rate > MAX_FAILURE_RATE:
        print(f"FAIL: Entra-visible failure rate {outcome.failure_rate:.3%} above {MAX_FAILURE_RATE:.1%}")
    if not outcome.converged():
        print("FAIL: JumpCloud does not hold the intended directory")
    return 0 if outcome.converged() and outcome.failure_rate <= MAX_FAILURE_RATE else 1


if __name__ == "__main__":
    sys.exit(main())
