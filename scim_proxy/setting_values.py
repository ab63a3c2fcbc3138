"""The pieces the Settings fields are built from: each setting's metadata, converters, validators,
the OTEL_* group. Kept apart from settings.py so that file is the list of settings itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

REGIONS = {
    "us": "https://console.jumpcloud.com",
    "eu": "https://console.eu.jumpcloud.com",
    "in": "https://console.in.jumpcloud.com",
}


LOG_FORMATS = ("json", "console")
UPSTREAM_CLIENTS = ("httptools", "aiohttp", "httpx")
LOG_LEVELS = ("debug", "info", "warning", "error")
DELETE_MODES = ("delete", "suspend")


def setting(default: Any, env: str, help: str, *, converter: Any = None, validator: Any = None) -> Any:
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


def to_bool(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def to_url(value: str) -> str:
    value = value.strip()
    value = REGIONS.get(value.lower(), value)
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"JumpCloud URL must start with http:// or https://, or be one of {sorted(REGIONS)}")
    return value.rstrip("/")


def to_public_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value:
        return ""
    scheme, _, rest = value.partition("://")
    if scheme not in ("http", "https") or not rest or rest.startswith("/") or any(c in rest for c in "?#@ "):
        raise ValueError(f"public URL must look like https://scim.example.com[/prefix], got {value!r}")
    return value


def positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.metadata['env']} must be greater than 0, got {value!r}")


def otel(env: str) -> Any:
    return attrs.field(default="", converter=str.strip, metadata={"env": env})


@attrs.frozen(kw_only=True)
class TracingSettings:
    """The OTEL_* variables that switch tracing on and say where spans go, as set (empty = unset)."""

    sdk_disabled: str = otel("OTEL_SDK_DISABLED")
    traces_exporter: str = otel("OTEL_TRACES_EXPORTER")
    endpoint: str = otel("OTEL_EXPORTER_OTLP_ENDPOINT")
    traces_endpoint: str = otel("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    protocol: str = otel("OTEL_EXPORTER_OTLP_PROTOCOL")
    traces_protocol: str = otel("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TracingSettings:
        return cls(**{f.name: environ[f.metadata["env"]] for f in attrs.fields(cls) if f.metadata["env"] in environ})
