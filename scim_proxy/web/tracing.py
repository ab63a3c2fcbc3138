"""Whether to trace, decided from the standard OTEL_* variables; OpenTelemetry is imported only if so.

Tracing is an extra (`pip install scim-proxy[tracing]`) and off unless the variables ask
for it, as the OpenTelemetry specification defines them:

- `OTEL_SDK_DISABLED=true` (any case) turns it off whatever else is set;
- `OTEL_TRACES_EXPORTER` lists exporters (`otlp`, `console`; `none` means none). Unset, the
  specification's default (`otlp`) applies only when an OTLP endpoint is set: an installed
  extra alone must not start sending spans to localhost;
- `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is used as is, `OTEL_EXPORTER_OTLP_ENDPOINT` gets
  `/v1/traces` appended, the default is `http://localhost:4318/v1/traces`;
- `OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL`: `http/protobuf` (the default) is what the extra
  ships; `grpc` and `http/json` are refused with a log line saying what to set instead.

The spans themselves are made in `spans.py`, imported only when tracing is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import attrs
import structlog

from scim_proxy.settings import Settings, TracingSettings

if TYPE_CHECKING:
    from scim_proxy.web.spans import Tracing

log = structlog.get_logger("scim_proxy")

EXPORTERS = ("otlp", "console")
PROTOCOL = "http/protobuf"
DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces"
_EXTRA_HINT = "install the tracing extra: pip install 'scim-proxy[tracing]'"


@attrs.frozen
class ExportPlan:
    """Where spans go; no exporters means tracing stays off (and OpenTelemetry unimported)."""

    exporters: tuple[str, ...] = ()
    endpoint: str = DEFAULT_ENDPOINT
    problems: tuple[str, ...] = ()  # variables we could not follow, each with what to set instead
    disabled_by_sdk_switch: bool = False


def export_plan(otel: TracingSettings) -> ExportPlan:
    """Read the OTEL_* variables as the specification says (empty = unset); pure, for tests."""
    problems: list[str] = []
    switch = otel.sdk_disabled.lower()
    if switch not in {"", "true", "false"}:
        problems.append(f"OTEL_SDK_DISABLED={otel.sdk_disabled[:32]!r} is neither true nor false: read as false")
    names = [name.strip().lower() for name in otel.traces_exporter.split(",") if name.strip()]
    if not names and (otel.endpoint or otel.traces_endpoint):
        names = ["otlp"]
    if "none" in names:
        names = []
    exporters: list[str] = []
    for name in names[:8]:  # a list of exporters, not a place for arbitrary input to grow
        if name not in EXPORTERS:
            problems.append(f"OTEL_TRACES_EXPORTER: unknown exporter {name[:32]!r} ignored (known: otlp, console)")
        elif name not in exporters:
            exporters.append(name)
    protocol = (otel.traces_protocol or otel.protocol or PROTOCOL).lower()
    if "otlp" in exporters and protocol != PROTOCOL:
        exporters.remove("otlp")
        problems.append(
            f"OTLP protocol {protocol[:32]!r} is not shipped: set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf "
            "(collectors listen on 4318 for it)"
        )
    endpoint = otel.traces_endpoint or (_traces_url(otel.endpoint) if otel.endpoint else DEFAULT_ENDPOINT)
    if "otlp" in exporters and not endpoint.lower().startswith(("http://", "https://")):
        exporters.remove("otlp")
        problems.append("the OTLP endpoint must be an http:// or https:// URL")
    if switch == "true":
        return ExportPlan(endpoint=endpoint, problems=tuple(problems), disabled_by_sdk_switch=bool(exporters))
    return ExportPlan(exporters=tuple(exporters), endpoint=endpoint, problems=tuple(problems))


def _traces_url(base: str) -> str:
    """The base endpoint with the signal path `/v1/traces` appended to its path."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return base  # refused below: not an http(s) URL we can use
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/v1/traces"))


def start_tracing(settings: Settings) -> Tracing | None:
    """The app's tracing if the variables ask for it and the extra is installed; one log line says which."""
    plan = export_plan(settings.tracing)
    for problem in plan.problems:
        log.warning("tracing_setting_ignored", problem=problem)
    if plan.disabled_by_sdk_switch:
        log.info("tracing_off", reason="OTEL_SDK_DISABLED=true")
    if not plan.exporters:
        return None
    try:
        from scim_proxy.web import spans
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("opentelemetry"):
            raise
        log.warning("tracing_unavailable", reason="OTEL_* variables ask for traces", missing=exc.name, fix=_EXTRA_HINT)
        return None
    tracing = spans.Tracing(spans.exporting_provider(plan), jumpcloud_url=settings.jumpcloud_url)
    log.info(
        "tracing_on",
        exporters=",".join(plan.exporters),
        endpoint=loggable_url(plan.endpoint) if "otlp" in plan.exporters else None,
    )
    return tracing


def loggable_url(url: str) -> str:
    """`https://user:secret@collector:4318/v1/traces?k=v` -> `https://collector:4318/v1/traces`."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "[unparsable URL]"
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
