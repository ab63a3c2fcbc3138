"""configure_logging(): the structlog processor chain, nothing else. Called by the CLI, never on import."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values are never written, whatever an event carries.
SECRET_KEYS = frozenset({"authorization", "api_key", "x-api-key", "token", "password", "secret", "cookie"})
PERSONAL_KEYS = frozenset({"user_name", "username", "email", "display_name", "given_name", "family_name"})


def redact(allow_personal_data: bool = False) -> Any:
    """A processor that masks secret keys always, and personal data unless allowed."""

    def processor(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key in list(event):
            lowered = key.lower()
            if event[key] is None:
                continue  # nothing to hide; null says more than "[redacted]"
            if lowered in SECRET_KEYS or (not allow_personal_data and lowered in PERSONAL_KEYS):
                event[key] = "[redacted]"
        return event

    return processor


def configure_logging(fmt: str = "json", level: str = "info", *, allow_personal_data: bool = False) -> None:
    """JSON lines for production, coloured key=value for a terminal; stdlib loggers routed the same way."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: Any = structlog.dev.ConsoleRenderer() if fmt == "console" else structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact(allow_personal_data),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,  # lets tests capture events after a reconfiguration
    )
    logging.basicConfig(
        level=max(numeric, logging.WARNING), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
