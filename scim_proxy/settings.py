"""Settings: one frozen attrs class, read from the environment here and nowhere else.

Every field carries its environment variable, its CLI flag and its help text in
metadata, so the CLI, `Settings.from_env()` and the README table come from one list.

`Settings.tracing` holds the standard OpenTelemetry variables that decide whether spans
are exported and where (they are OTel's names, so they get no flag). The SDK's tuning
variables (sampler, batching, exporter headers, TLS, timeouts, resource attributes) are
read by the SDK itself, as the OpenTelemetry specification defines them: copying them
here would re-implement that specification and keep a collector's credentials in ours.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

from scim_proxy.setting_values import (
    DELETE_MODES,
    LOG_FORMATS,
    LOG_LEVELS,
    REGIONS,
    UPSTREAM_CLIENTS,
    TracingSettings,
    positive,
    setting,
    to_bool,
    to_public_url,
    to_url,
)

__all__ = ["REGIONS", "Settings", "TracingSettings", "setting_fields"]


@attrs.frozen(kw_only=True)
class Settings:
    """Everything an operator can set; defaults are safe for a single replica."""

    host: str = setting("127.0.0.1", "SCIM_PROXY_HOST", "Address to listen on (0.0.0.0 in containers).")
    port: int = setting(8080, "SCIM_PROXY_PORT", "Port to listen on.", converter=int)
    jumpcloud_url: str = setting(
        REGIONS["us"],
        "SCIM_PROXY_JUMPCLOUD_URL",
        "JumpCloud console URL, or a region shortcut: us, eu, in. The proxy appends /api/...",
        converter=to_url,
    )
    upstream_client: str = setting(
        "httptools",
        "SCIM_PROXY_UPSTREAM_CLIENT",
        "HTTP transport under httpx to JumpCloud: httptools (ours, the least CPU; see make bench), aiohttp or httpx.",
        validator=attrs.validators.in_(UPSTREAM_CLIENTS),
    )
    upstream_timeout: float = setting(
        10.0, "SCIM_PROXY_UPSTREAM_TIMEOUT", "Seconds to wait for one JumpCloud call.", converter=float
    )
    request_deadline: float = setting(
        25.0,
        "SCIM_PROXY_REQUEST_DEADLINE",
        "Seconds one SCIM request may spend on JumpCloud, retries included (Entra gives up at 60).",
        converter=float,
    )
    retry_attempts: int = setting(
        4,
        "SCIM_PROXY_RETRY_ATTEMPTS",
        "Attempts per JumpCloud call, a create's sends included (1 = no retry).",
        converter=int,
    )
    retry_backoff: float = setting(
        0.2,
        "SCIM_PROXY_RETRY_BACKOFF",
        "First retry waits up to this many seconds (full jitter, doubling).",
        converter=float,
    )
    retry_backoff_max: float = setting(
        5.0, "SCIM_PROXY_RETRY_BACKOFF_MAX", "Longest wait between two retries, seconds.", converter=float
    )
    retry_after_cap: float = setting(
        10.0, "SCIM_PROXY_RETRY_AFTER_CAP", "Longest Retry-After from JumpCloud we wait for, seconds.", converter=float
    )
    max_upstream_concurrency: int = setting(
        10, "SCIM_PROXY_MAX_UPSTREAM_CONCURRENCY", "In-flight JumpCloud calls per API key.", converter=int
    )
    max_queued: int = setting(
        200, "SCIM_PROXY_MAX_QUEUED", "Calls per API key waiting for a slot before we answer 503.", converter=int
    )
    max_calls_in_flight: int = setting(
        100,
        "SCIM_PROXY_MAX_CALLS_IN_FLIGHT",
        "JumpCloud calls in flight across all API keys (also the size of the connection pool).",
        converter=int,
    )
    unverified_calls_in_flight: int = setting(
        10,
        "SCIM_PROXY_UNVERIFIED_CALLS_IN_FLIGHT",
        "Of those, the most for API keys JumpCloud has not yet accepted (a spray of random tokens gets no more).",
        converter=int,
    )
    max_calls_per_request: int = setting(
        2000,
        "SCIM_PROXY_MAX_CALLS_PER_REQUEST",
        "JumpCloud calls (retries included) one SCIM request may make; beyond, 503 and what was changed stays.",
        converter=int,
    )
    max_group_members: int = setting(
        1000, "SCIM_PROXY_MAX_GROUP_MEMBERS", "Member ids one /Groups request may carry (400 above).", converter=int
    )
    rejected_key_ttl: float = setting(
        60.0,
        "SCIM_PROXY_REJECTED_KEY_TTL",
        "Seconds an API key JumpCloud rejected (401) is answered 401 without asking JumpCloud again.",
        converter=float,
    )
    auth_failures_per_ip: int = setting(
        10,
        "SCIM_PROXY_AUTH_FAILURES_PER_IP",
        "API keys JumpCloud may reject per client address (IPv6: per /64) and window before 429; "
        "keys JumpCloud accepted are never held back.",
        converter=int,
    )
    auth_failure_window: float = setting(
        60.0, "SCIM_PROXY_AUTH_FAILURE_WINDOW", "Seconds of that per-address budget.", converter=float
    )
    auth_table_size: int = setting(
        10_000,
        "SCIM_PROXY_AUTH_TABLE_SIZE",
        "Entries in each bounded table: rejected keys, accepted keys, client addresses (oldest dropped).",
        converter=int,
    )
    max_body_bytes: int = setting(
        1_048_576, "SCIM_PROXY_MAX_BODY_BYTES", "Largest request body accepted (413 above).", converter=int
    )
    filter_scan_limit: int = setting(
        1000,
        "SCIM_PROXY_FILTER_SCAN_LIMIT",
        "Most users or groups the proxy reads to answer a filter or sort JumpCloud cannot (400 tooMany above).",
        converter=int,
        validator=attrs.validators.ge(1),
    )
    username_from_email: bool = setting(
        False,
        "SCIM_PROXY_USERNAME_FROM_EMAIL",
        "Use the local part of an email-shaped userName as the JumpCloud username.",
        converter=to_bool,
    )
    groups_enabled: bool = setting(
        True, "SCIM_PROXY_GROUPS_ENABLED", "Serve /Groups (JumpCloud user groups).", converter=to_bool
    )
    mapping_file: str = setting(
        "",
        "SCIM_PROXY_MAPPING_FILE",
        "TOML file of extra attribute mappings (SCIM attribute -> JumpCloud field or custom attribute); see README.",
    )
    external_id_field: str = setting(
        "external_dn",
        "SCIM_PROXY_EXTERNAL_ID_FIELD",
        "Where externalId lives in JumpCloud: external_dn, or attributes.<name> (a custom attribute).",
        converter=str.strip,
    )
    delete_mode: str = setting(
        "delete",
        "SCIM_PROXY_DELETE_MODE",
        "What a SCIM DELETE does: delete the JumpCloud user, or suspend it and hide it (revived by a later create).",
        validator=attrs.validators.in_(DELETE_MODES),
    )
    log_format: str = setting(
        "json", "SCIM_PROXY_LOG_FORMAT", "json (production) or console.", validator=attrs.validators.in_(LOG_FORMATS)
    )
    log_level: str = setting(
        "info", "SCIM_PROXY_LOG_LEVEL", "debug, info, warning or error.", validator=attrs.validators.in_(LOG_LEVELS)
    )
    log_personal_data: bool = setting(
        False, "SCIM_PROXY_LOG_PERSONAL_DATA", "Allow userNames and emails in logs.", converter=to_bool
    )
    record_path: str = setting("", "SCIM_PROXY_RECORD", "Append every exchange to this JSONL file (secrets redacted).")
    record_max_bytes: int = setting(
        100 * 1_048_576, "SCIM_PROXY_RECORD_MAX_BYTES", "Rotate the recording beyond this size.", converter=int
    )
    record_backups: int = setting(5, "SCIM_PROXY_RECORD_BACKUPS", "Rotated recordings to keep.", converter=int)
    forwarded_allow_ips: str = setting(
        "127.0.0.1",
        "SCIM_PROXY_FORWARDED_ALLOW_IPS",
        "Comma-separated proxy addresses whose X-Forwarded-For/-Proto/-Host headers are trusted ('*' for all).",
    )
    public_url: str = setting(
        "",
        "SCIM_PROXY_PUBLIC_URL",
        "Public base URL (https://scim.example.com) for Location and meta.location; "
        "empty: the Host header, or X-Forwarded-Host from a trusted proxy.",
        converter=to_public_url,
    )
    header_timeout: float = setting(
        10.0,
        "SCIM_PROXY_HEADER_TIMEOUT",
        "Seconds a client may take to send a request's headers, from connecting or from their first byte (408).",
        converter=float,
        validator=positive,
    )
    body_timeout: float = setting(
        30.0,
        "SCIM_PROXY_BODY_TIMEOUT",
        "Seconds a client may take to send a request's body once its headers arrived (then the connection closes).",
        converter=float,
        validator=positive,
    )
    keep_alive_timeout: float = setting(
        5.0,
        "SCIM_PROXY_KEEP_ALIVE_TIMEOUT",
        "Seconds an idle keep-alive connection stays open.",
        converter=float,
        validator=positive,
    )
    max_header_bytes: int = setting(
        32_768,
        "SCIM_PROXY_MAX_HEADER_BYTES",
        "Largest request line plus headers, bytes (431 above).",
        converter=int,
        validator=positive,
    )
    max_connections: int = setting(
        1000,
        "SCIM_PROXY_MAX_CONNECTIONS",
        "Open connections per worker; beyond it the longest-idle one is closed (503 if all are busy).",
        converter=int,
        validator=positive,
    )
    max_requests_per_connection: int = setting(
        1000,
        "SCIM_PROXY_MAX_REQUESTS_PER_CONNECTION",
        "Requests served on one keep-alive connection before it is closed.",
        converter=int,
        validator=positive,
    )
    workers: int = setting(1, "SCIM_PROXY_WORKERS", "Worker processes.", converter=int)
    shutdown_drain: float = setting(
        0.0,
        "SCIM_PROXY_SHUTDOWN_DRAIN",
        "Seconds to keep serving after SIGTERM with /readyz failing, so a load balancer moves traffic away first.",
        converter=float,
    )
    shutdown_timeout: float = setting(
        30.0,
        "SCIM_PROXY_SHUTDOWN_TIMEOUT",
        "Seconds to finish in-flight requests on SIGTERM (after the drain).",
        converter=float,
    )
    tracing: TracingSettings = attrs.field(factory=TracingSettings)  # OTEL_* variables: no flag, see above

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `environ` (default: the process environment), then `overrides`."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {"tracing": TracingSettings.from_env(environ)}
        for field in setting_fields():
            env = field.metadata["env"]
            if env in environ:
                values[field.name] = environ[env]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def setting_fields() -> tuple[attrs.Attribute[Any], ...]:
    """The SCIM_PROXY_* settings with their metadata, in declaration order (CLI and docs)."""
    return tuple(field for field in attrs.fields(Settings) if "env" in field.metadata)
