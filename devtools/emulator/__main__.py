"""`python -m devtools.emulator`: the JumpCloud emulator on loopback, for trying the proxy by hand.

A development tool, not part of the product: it is not in the wheel or the image.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, FaultRule, Faults, create_emulator_app
from devtools.emulator.wording import WORDINGS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devtools.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help=f"an accepted x-api-key (repeatable; default: {DEFAULT_API_KEY})",
    )
    parser.add_argument("--default-state", choices=["ACTIVATED", "STAGED"], default="ACTIVATED")
    parser.add_argument(
        "--wording",
        choices=WORDINGS,
        default="register",
        help="error bodies as docs/jumpcloud-assumptions.md writes them, or as a second stand-in words them",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="answer every request this much later: a slow JumpCloud, its 401s included",
    )
    return parser


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    """The emulator's configuration from parsed arguments."""
    faults = Faults(rules=[FaultRule(latency=args.latency)] if args.latency > 0 else [])
    keys = frozenset(args.api_keys or [DEFAULT_API_KEY])
    return EmulatorConfig(api_keys=keys, default_state=args.default_state, wording=args.wording, faults=faults)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = config_from(args)
    app = create_emulator_app(config)
    print(f"JumpCloud emulator on http://{args.host}:{args.port} (API keys: {len(config.api_keys)})", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
