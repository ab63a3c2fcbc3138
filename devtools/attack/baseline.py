"""Row 0: no attack, the probe alone: the latency floor of this machine at this moment."""

from __future__ import annotations

import asyncio

from devtools.attack.registry import Outcome, Target, attack


@attack(0, "baseline: no attack (the probe alone)")
async def baseline(target: Target) -> Outcome:
    await asyncio.sleep(2)
    return Outcome("-", True)
