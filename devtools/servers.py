"""Run an ASGI app under uvicorn on a real loopback socket, in a background thread; a free port for one elsewhere.

Used by the end-to-end tests, `make demo` and the benchmarks, so that what they
exercise is the same server stack that production runs.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for a server started in another process."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread owns signals
        pass


@contextlib.contextmanager
def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0, **config: Any
) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL, e.g. http://127.0.0.1:54321."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the listening
    # socket says so; without it Nagle's algorithm adds ~40 ms to every reused connection.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config.setdefault("log_level", "warning")
    config.setdefault("lifespan", "on")
    server = _ThreadServer(uvicorn.Config(app, **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()
