"""Draining on SIGTERM: keep serving with /readyz failing, then let the server stop.

A load balancer that polls readiness moves traffic away while the proxy still answers
everything; after the drain, the SIGTERM goes on to uvicorn, which stops accepting
connections and finishes in-flight requests (SCIM_PROXY_SHUTDOWN_TIMEOUT). A second
SIGTERM ends the drain at once. The lifespan installs it, so each worker process drains on
its own; SIGINT (Ctrl+C) is left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

import structlog

log = structlog.get_logger("scim_proxy")


@contextlib.contextmanager
def drain_on_sigterm(seconds: float, *, on_start: Callable[[], None]) -> Iterator[None]:
    """While the block runs, SIGTERM calls `on_start`, then the server's own handler `seconds` later.

    Nothing changes without a drain, outside the main thread (signals are the main thread's),
    or when no server handler is installed to hand the signal over to.
    """
    server_handler = signal.getsignal(signal.SIGTERM)
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not callable(server_handler):
        yield
        return
    loop = asyncio.get_running_loop()
    pending: list[asyncio.TimerHandle] = []

    def stop() -> None:
        server_handler(signal.SIGTERM, None)

    def begin() -> None:  # on the event loop, not inside the signal handler
        if pending:  # a second SIGTERM: stop now
            pending[0].cancel()
            stop()
            return
        on_start()
        log.warning("shutdown_draining", seconds=seconds)
        pending.append(loop.call_later(seconds, stop))

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(begin)

    signal.signal(signal.SIGTERM, on_sigterm)
    log.debug("shutdown_drain_armed", seconds=seconds)
    try:
        yield
    finally:
        for timer in pending:
            timer.cancel()
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, server_handler)
