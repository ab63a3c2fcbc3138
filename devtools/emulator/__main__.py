"""`python -m devtools.emulator`: the JumpCloud emulator on loopback, for trying the proxy by hand.

A development tool, not part of the product: it is not in the wheel or the image.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from devtools.emulator import DEFAULT_API_KEY, EmulatorConfig, create_emulator_app
from devtools.emulator.wording import WORDINGS


def main(argv: Sequence[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    keys = frozenset(args.api_keys or [DEFAULT_API_KEY])
    app = create_emulator_app(EmulatorConfig(api_keys=keys, default_state=args.default_state, wording=args.wording))
    print(f"JumpCloud emulator on http://{args.host}:{args.port} (API keys: {len(keys)})", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
