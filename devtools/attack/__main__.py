"""`python -m devtools.attack [--only TEXT]`: run the registered attacks against fresh proxies; print the table."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from devtools.attack.measure import measure, row, table
from devtools.attack.probe import Probe
from devtools.attack.registry import ATTACKS, Attack, Stack, Target
from devtools.attack.stacks import running

ATTACK_MODULES = (
    "devtools.attack.baseline",
    "devtools.attack.input_attacks",
    "devtools.attack.auth_attacks",
    "devtools.attack.recording_attacks",
    "devtools.attack.server_attacks",
)
SHARED = Stack()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.attack", description=__doc__)
    parser.add_argument("--only", default="", help="run only the attacks whose name contains this text")
    args = parser.parse_args(argv)
    for module in ATTACK_MODULES:
        importlib.import_module(module)
    chosen = sorted((a for a in ATTACKS if args.only in a.name), key=lambda a: a.item)  # stable: in-item order kept
    rows = []
    with tempfile.TemporaryDirectory(prefix="scim-attack-") as tmp, contextlib.ExitStack() as shared_stack:
        shared: tuple[Target, Callable[[], int]] | None = None
        for number, attack in enumerate(chosen):
            if attack.stack is None:
                if shared is None:
                    shared = shared_stack.enter_context(running(SHARED, Path(tmp) / "shared"))
                rows.append(_run(attack, *shared))
            else:
                with running(attack.stack, Path(tmp) / f"own-{number}") as own:
                    rows.append(_run(attack, *own))
            print(f"  {rows[-1][-1]:<16} {attack.name}", file=sys.stderr, flush=True)
    print(table(rows))
    return 0 if all(r[-1].startswith("held") for r in rows) else 1


def _run(attack: Attack, target: Target, rss: Callable[[], int]) -> list[str]:
    own = attack.stack is not None
    probe = Probe(target.url, target.token, search=own)
    return row(attack, measure(attack.run, target, probe=probe, repeat=not own, rss=rss))


if __name__ == "__main__":
    sys.exit(main())
