"""The CLI: `scim-proxy serve | check | replay` (also `python -m scim_proxy ...`).

Flags mirror the SCIM_PROXY_* environment variables one to one (see settings.py); a flag
wins over its variable. Secrets are never flags: the proxy holds none, and `check` reads
the API key from an environment variable.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from scim_proxy.settings import Settings, setting_fields


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    for field in setting_fields():
        flag = field.metadata["flag"]
        kwargs: dict[str, Any] = {
            "dest": field.name,
            "default": None,
            "help": f"{field.metadata['help']} [env {field.metadata['env']}; default {field.default!r}]",
        }
        # --record is the documented spelling of the recording flag (`serve --record FILE.jsonl`).
        parser.add_argument("--record" if field.name == "record_path" else flag, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scim-proxy", description="SCIM 2.0 bridge from Entra ID to JumpCloud")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the proxy")
    _add_setting_flags(serve)
    check = commands.add_parser("check", help="preflight: verify a JumpCloud API key as Entra's Test Connection would")
    check.add_argument(
        "--jumpcloud-url",
        dest="jumpcloud_url",
        default=None,
        help="JumpCloud URL or region (us, eu, in) [env SCIM_PROXY_JUMPCLOUD_URL]",
    )
    check.add_argument(
        "--api-key-env",
        default="JUMPCLOUD_API_KEY",
        help="environment variable holding the API key (default JUMPCLOUD_API_KEY)",
    )
    check.add_argument("--org-id", default=None, help="JumpCloud org id, for multi-tenant admin keys")
    check.add_argument(
        "--mapping-file",
        default=None,
        help="validate this attribute mapping file (TOML) and list what it maps; without an API key, only that "
        "[env SCIM_PROXY_MAPPING_FILE]",
    )
    replay = commands.add_parser(
        "replay", help="resend a recording (serve --record) to a running proxy and report differences"
    )
    replay.add_argument("file", help="the recording: a JSON-lines cassette")
    replay.add_argument("--against", required=True, help="the proxy's URL, e.g. https://staging:8080")
    replay.add_argument(
        "--token-env",
        default="JUMPCLOUD_API_KEY",
        help="environment variable holding the bearer token to send (default JUMPCLOUD_API_KEY)",
    )
    return parser


def settings_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    overrides = {f.name: getattr(args, f.name, None) for f in setting_fields()}
    return Settings.from_env(environ, **overrides)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn runs the proxy (the CLI and the end-to-end tests share this)."""
    from scim_proxy.web.protocol import ServerLimits, bounded_http

    limits = ServerLimits(
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_header_bytes=settings.max_header_bytes,
        max_connections=settings.max_connections,
        max_requests_per_connection=settings.max_requests_per_connection,
    )
    return {
        "access_log": False,  # access lines carry filter queries, i.e. userNames
        "proxy_headers": False,  # the app's ForwardedHeadersMiddleware reads them, X-Forwarded-Host included
        "http": bounded_http(limits),  # header/body timeouts, header size and connection caps (web/protocol.py)
        "ws": "none",  # no WebSocket routes: an Upgrade is not a way around the limits
        "timeout_keep_alive": settings.keep_alive_timeout,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        "log_level": "warning",
        "server_header": False,
    }


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from scim_proxy.logs import configure_logging
    from scim_proxy.web.app import create_app

    settings = _settings_or_say_why(lambda: settings_from_args(args))
    if settings is None:
        return 2
    configure_logging(settings.log_format, settings.log_level, allow_personal_data=settings.log_personal_data)
    if not _mapping_ok(settings, print_rows=False):
        return 2
    common: dict[str, Any] = {"host": settings.host, "port": settings.port, **uvicorn_options(settings)}
    if settings.workers > 1:
        # Workers build their own app from the environment: hand them our resolved settings.
        for field in setting_fields():
            os.environ[field.metadata["env"]] = str(getattr(settings, field.name))
        uvicorn.run("scim_proxy.web.app:app_from_env", factory=True, workers=settings.workers, **common)
    else:
        uvicorn.run(create_app(settings), **common)
    return 0


def _check(args: argparse.Namespace) -> int:
    import asyncio

    from scim_proxy.jumpcloud.models import Credentials
    from scim_proxy.jumpcloud.transport import make_jumpcloud_client
    from scim_proxy.ops.preflight import report, run_checks

    settings = _settings_or_say_why(
        lambda: Settings.from_env(jumpcloud_url=args.jumpcloud_url, mapping_file=args.mapping_file, retry_attempts=2)
    )
    if settings is None:
        return 2
    api_key = os.environ.get(args.api_key_env, "").strip()
    if args.mapping_file is not None or settings.mapping_file:
        if not _mapping_ok(settings, print_rows=True):
            return 2
        if not api_key:
            return 0  # the file was what to check
    if not api_key:
        print(
            f"FAIL  api key: set {args.api_key_env} to a JumpCloud admin API key (not a flag: it would "
            "land in shell history)",
            file=sys.stderr,
        )
        return 2

    async def run() -> bool:
        client = make_jumpcloud_client(settings)
        try:
            steps = await run_checks(
                client, Credentials(api_key, args.org_id), url=settings.jumpcloud_url, groups=settings.groups_enabled
            )
        finally:
            await client.aclose()
        return report(steps, print)

    return 0 if asyncio.run(run()) else 1


def _settings_or_say_why(build: Callable[[], Settings]) -> Settings | None:
    """The settings `build` makes, or None once stderr says which value was refused."""
    try:
        return build()
    except (ValueError, TypeError) as exc:
        print(f"scim-proxy: invalid setting: {exc.args[0]}", file=sys.stderr)
        return None


def _mapping_ok(settings: Settings, *, print_rows: bool) -> bool:
    """Whether the attribute table builds from the settings (mapping file, externalId field); says why not."""
    from scim_proxy.ops.mapping_file import load_user_mapping
    from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA
    from scim_proxy.translate.custom import MappingError

    try:
        mapping = load_user_mapping(settings)
    except MappingError as exc:
        print(f"FAIL  attribute mapping: {exc}", file=sys.stderr)
        return False
    if print_rows:
        added = [row for row in mapping.schema.attributes if row not in DEFAULT_USER_SCHEMA.attributes]
        print(f"PASS  attribute mapping: {len(added)} attribute(s) beyond the built-in table")
        for row in added:
            print(f"      {row.path} -> JumpCloud {row.jc_field}")
    return True


def _replay(args: argparse.Namespace) -> int:
    from scim_proxy.ops.replay import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"serve": _serve, "check": _check, "replay": _replay}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
