"""`python -m devtools.emulator`: what its flags configure."""

from __future__ import annotations

import httpx

from devtools.emulator import EmulatorState, create_emulator_app
from devtools.emulator.__main__ import build_parser, config_from

from .support import BASE_URL


async def test_latency_flag_delays_every_answer_rejections_included() -> None:
    """`--latency` makes the emulator a slow JumpCloud: even a wrong key's 401 comes after the delay."""
    config = config_from(build_parser().parse_args(["--latency", "0.05", "--api-key", "good-key"]))
    app = create_emulator_app(config)
    state: EmulatorState = app.state.emulator

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        refused = await client.get("/api/systemusers", headers={"x-api-key": "wrong-key"})
        served = await client.get("/api/systemusers", headers={"x-api-key": "good-key"})

    assert (401, 200) == (refused.status_code, served.status_code)
    assert {"latency": 2} == dict(state.fault_counts)


def test_without_latency_flag_nothing_is_delayed() -> None:
    """Without `--latency` the emulator has no fault rule at all."""
    config = config_from(build_parser().parse_args([]))

    assert () == config.faults.rules
