"""Settings: one frozen attrs class, read from the environment here and nowhere else.

Every field carries its environment variable, its CLI flag and its help text in
metadata, so the CLI, `Settings.from_env()` and the README table come from one list.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

REGIONS = {
    "us": "https://console.jumpcloud.com",
    "eu": "https://console.eu.jumpcloud.com",
    "in": "https://console.in.jumpcloud.com",
}


LOG_FORMATS = ("json", "console")
UPSTREAM_CLIENTS = ("aiohttp", "httpx")
LOG_LEVELS = ("debug", "info", "warning", "error")


def _setting(default: Any, env: str, help: str, *, converter: Any = None, validator: Any = None) -> Any:
    return attrs.field(
        default=default,
        converter=converter,
        validator=validator,
        metadata={
            "env": env,
            "flag": "--" + env.removeprefix("SCIM_PROXY_").lower().replace("_", "-"),
            "help": help,
        },
    )


def _to_bool(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _to_url(value: str) -> str:
    value = value.strip()
    value = REGIONS.get(value.lower(), value)
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"JumpCloud URL must start with http:// or https://, or be one of {sorted(REGIONS)}")
    return value.rstrip("/")


@attrs.frozen(kw_only=True)
class Settings:
    """Everything an operator can set; defaults are safe for a single replica."""

    host: str = _setting("127.0.0.1", "SCIM_PROXY_HOST", "Address to listen on (0.0.0.0 in containers).")
    port: int = _setting(8080, "SCIM_PROXY_PORT", "Port to listen on.", converter=int)
    jumpcloud_url: str = _setting(
        REGIONS["us"],
        "SCIM_PROXY_JUMPCLOUD_URL",
        "JumpCloud console URL, or a region shortcut: us, eu, in. The proxy appends /api/...",
        converter=_to_url,
    )
    upstream_client: str = _setting(
        "aiohttp",
        "SCIM_PROXY_UPSTREAM_CLIENT",
        "HTTP transport under httpx to JumpCloud: aiohttp (faster under concurrency, see make bench) or httpx.",
        validator=attrs.validators.in_(UPSTREAM_CLIENTS),
    )
    upstream_timeout: float = _setting(
        10.0, "SCIM_PROXY_UPSTREAM_TIMEOUT", "Seconds to wait for one JumpCloud call.", converter=float
    )
    request_deadline: float = _setting(
        25.0,
        "SCIM_PROXY_REQUEST_DEADLINE",
        "Seconds one SCIM request may spend on JumpCloud, retries included (Entra gives up at 60).",
        converter=float,
    )
    retry_attempts: int = _setting(
        4,
        "SCIM_PROXY_RETRY_ATTEMPTS",
        "Attempts per idempotent JumpCloud call (1 = no retry).",
        converter=int,
    )
    retry_backoff: float = _setting(
        0.2,
        "SCIM_PROXY_RETRY_BACKOFF",
        "First retry waits up to this many seconds (full jitter, doubling).",
        converter=float,
    )
    retry_backoff_max: float = _setting(
        5.0, "SCIM_PROXY_RETRY_BACKOFF_MAX", "Longest wait between two retries, seconds.", converter=float
    )
    retry_after_cap: float = _setting(
        10.0,
        "SCIM_PROXY_RETRY_AFTER_CAP",
        "Longest Retry-After from JumpCloud we wait for, seconds.",
        converter=float,
    )
    max_upstream_concurrency: int = _setting(
        10, "SCIM_PROXY_MAX_UPSTREAM_CONCURRENCY", "In-flight JumpCloud calls per API key.", converter=int
    )
    max_queued: int = _setting(
        200,
        "SCIM_PROXY_MAX_QUEUED",
        "Calls per API key waiting for a slot before we answer 503.",
        converter=int,
    )
    max_calls_in_flight: int = _setting(
        100,
        "SCIM_PROXY_MAX_CALLS_IN_FLIGHT",
        "JumpCloud calls in flight across all API keys (also the size of the connection pool).",
        converter=int,
    )
    unverified_calls_in_flight: int = _setting(
        10,
        "SCIM_PROXY_UNVERIFIED_CALLS_IN_FLIGHT",
        "Of those, the most for API keys JumpCloud has not yet accepted (a spray of random tokens gets no more).",
        converter=int,
    )
    max_calls_per_request: int = _setting(
        2000,
        "SCIM_PROXY_MAX_CALLS_PER_REQUEST",
        "JumpCloud calls (retries included) one SCIM request may make; beyond, 503 and what was changed stays.",
        converter=int,
    )
    max_group_members: int = _setting(
        1000,
        "SCIM_PROXY_MAX_GROUP_MEMBERS",
        "Member ids one /Groups request may carry (400 invalidValue above, before any JumpCloud call).",
        converter=int,
    )
    rejected_key_ttl: float = _setting(
        60.0,
        "SCIM_PROXY_REJECTED_KEY_TTL",
        "Seconds an API key JumpCloud rejected (401) is answered 401 without asking JumpCloud again.",
        converter=float,
    )
    auth_failures_per_ip: int = _setting(
        10,
        "SCIM_PROXY_AUTH_FAILURES_PER_IP",
        "API keys JumpCloud may reject per client address (IPv6: per /64) and window before 429; "
        "keys JumpCloud accepted are never held back.",
        converter=int,
    )
    auth_failure_window: float = _setting(
        60.0, "SCIM_PROXY_AUTH_FAILURE_WINDOW", "Seconds of that per-address budget.", converter=float
    )
    auth_table_size: int = _setting(
        10_000,
        "SCIM_PROXY_AUTH_TABLE_SIZE",
        "Entries in each bounded table: rejected keys, accepted keys, client addresses (oldest dropped).",
        converter=int,
    )
    max_body_bytes: int = _setting(
        1_048_576, "SCIM_PROXY_MAX_BODY_BYTES", "Largest request body accepted (413 above).", converter=int
    )
    username_from_email: bool = _setting(
        False,
        "SCIM_PROXY_USERNAME_FROM_EMAIL",
        "Use the local part of an email-shaped userName as the JumpCloud username.",
        converter=_to_bool,
    )
    groups_enabled: bool = _setting(
        True, "SCIM_PROXY_GROUPS_ENABLED", "Serve /Groups (JumpCloud user groups).", converter=_to_bool
    )
    log_format: str = _setting(
        "json",
        "SCIM_PROXY_LOG_FORMAT",
        "json (production) or console.",
        validator=attrs.validators.in_(LOG_FORMATS),
    )
    log_level: str = _setting(
        "info",
        "SCIM_PROXY_LOG_LEVEL",
        "debug, info, warning or error.",
        validator=attrs.validators.in_(LOG_LEVELS),
    )
    log_personal_data: bool = _setting(
        False, "SCIM_PROXY_LOG_PERSONAL_DATA", "Allow userNames and emails in logs.", converter=_to_bool
    )
    record_path: str = _setting("", "SCIM_PROXY_RECORD", "Append every exchange to this JSONL file (secrets redacted).")
    record_max_bytes: int = _setting(
        100 * 1_048_576,
        "SCIM_PROXY_RECORD_MAX_BYTES",
        "Rotate the recording beyond this size.",
        converter=int,
    )
    record_backups: int = _setting(5, "SCIM_PROXY_RECORD_BACKUPS", "Rotated recordings to keep.", converter=int)
    forwarded_allow_ips: str = _setting(
        "127.0.0.1",
        "SCIM_PROXY_FORWARDED_ALLOW_IPS",
        "Comma-separated proxy addresses whose X-Forwarded-* headers are trusted ('*' for all).",
    )
    workers: int = _setting(1, "SCIM_PROXY_WORKERS", "Worker processes.", converter=int)
    shutdown_timeout: float = _setting(
        30.0,
        "SCIM_PROXY_SHUTDOWN_TIMEOUT",
        "Seconds to finish in-flight requests on SIGTERM.",
        converter=float,
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `environ` (default: the process environment), then `overrides`."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in attrs.fields(cls):
            env = field.metadata["env"]
            if env in environ:
                values[field.name] = environ[env]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def setting_fields() -> tuple[attrs.Attribute[Any], ...]:
    """The settings fields with their metadata, in declaration order (CLI and docs)."""
    return attrs.fields(Settings)
