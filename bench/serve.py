"""One benchmark server per process: `python -m bench.serve KIND --port N [...]`.

KIND is `emulator` (the JumpCloud emulator plus /_bench/* control routes), `proxy` (the
real app, as `scim-proxy serve` builds it, with a chosen upstream client) or `forwarder`
(bench.forwarders). Each runs under uvicorn in its own process so the orchestrator can
read its CPU time and peak RSS with psutil.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


class EmulatorControl:
    """The emulator with /_bench/{health,reset,seed,counters,latency} in front (bench-only routes)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state.emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/_bench/"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answer = self._control(scope["path"].removeprefix("/_bench/"), json.loads(body or b"{}"))
        data = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    def _control(self, action: str, args: dict[str, Any]) -> Any:
        from devtools.emulator import FaultRule, Faults

        from .workload import seed_user

        if action == "health":
            return {"ok": True}
        if action == "reset":
            self.state.reset()
            return {"ok": True}
        if action == "seed":
            users = [self.state.create_user(seed_user(i, tag=args["tag"])) for i in range(int(args["count"]))]
            self.state.requests.clear()
            self.state.route_calls.clear()
            return [{"_id": u["_id"], "username": u["username"]} for u in users]
        if action == "counters":
            return {
                "routes": dict(self.state.route_calls),
                "total": sum(self.state.requests.values()),
            }
        if action == "latency":
            seconds = float(args.get("seconds", 0.0))
            self.state.faults = Faults(rules=[FaultRule(latency=seconds)] if seconds > 0 else [])
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def build(args: argparse.Namespace) -> ASGIApp:
    if args.kind == "emulator":
        from devtools.emulator import create_emulator_app

        return EmulatorControl(create_emulator_app())
    if args.kind == "forwarder":
        from .forwarders import create_forwarder

        return create_forwarder(args.upstream, args.client)
    from scim_proxy.jumpcloud.transport import make_jumpcloud_client
    from scim_proxy.logs import configure_logging
    from scim_proxy.web.app import create_app

    settings = proxy_settings(args)
    configure_logging(settings.log_format, settings.log_level)
    client = make_jumpcloud_client(settings, upstream_client=args.client)
    return create_app(settings, jumpcloud=client)


def proxy_settings(args: argparse.Namespace) -> Any:
    """The proxy's settings for this run: the app and its uvicorn options read the same ones."""
    from scim_proxy.settings import Settings

    return Settings(jumpcloud_url=args.upstream, log_format="json", log_level=args.log_level)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.serve")
    parser.add_argument("kind", choices=["emulator", "proxy", "forwarder"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", default="")
    parser.add_argument("--client", default="httpx")
    parser.add_argument("--loop", default="auto", help="uvicorn --loop: auto, asyncio, uvloop")
    parser.add_argument("--http", default="auto", help="uvicorn --http: auto, h11, httptools")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    import uvicorn

    app = build(args)
    options: dict[str, Any] = {"log_level": "warning", "access_log": False, "http": args.http, "server_header": False}
    if args.kind == "proxy":
        # As `scim-proxy serve` runs it: our HTTP protocol (web/protocol.py) and its limits, so
        # their cost is measured too. `--http h11` still swaps the parser (for comparisons).
        from scim_proxy.__main__ import uvicorn_options

        options = uvicorn_options(proxy_settings(args))
        if args.http == "h11":
            options["http"] = "h11"
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop=args.loop,
        lifespan="on" if args.kind != "emulator" else "off",
        **options,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
