"""`python -m devtools.attack.probe URL TOKEN`: a legitimate SCIM request, one at a time, until stdin closes.

Runs in its own process so that what it measures is the proxy, not the attacker's own
interpreter. The request (an authenticated GET /ServiceProviderConfig, as Entra's Test
Connection may send) crosses every middleware, the router and the recorder but calls no
JumpCloud, so the attack's JumpCloud calls can be counted exactly and the latency is the
proxy's own: the time its event loop and accept queue made a newcomer wait. Prints one
line per request: the latency in milliseconds, or `fail`.
"""

from __future__ import annotations

import sys
import threading
import time

import httpx


def _stop_at_end_of_input(stop: threading.Event) -> None:
    sys.stdin.read()
    stop.set()


def main() -> int:
    url, token = sys.argv[1], sys.argv[2]
    stop = threading.Event()
    threading.Thread(target=_stop_at_end_of_input, args=(stop,), daemon=True).start()
    limits = httpx.Limits(max_keepalive_connections=0)  # a fresh connection each time, as a new client would
    with httpx.Client(base_url=url, timeout=60, limits=limits) as client:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                resp = client.get("/scim/v2/ServiceProviderConfig", headers={"Authorization": f"Bearer {token}"})
                ok = resp.status_code == 200 and "patch" in resp.json()
            except httpx.HTTPError:
                ok = False
            elapsed = (time.perf_counter() - began) * 1000
            print(f"{elapsed:.1f}" if ok else "fail", flush=True)
            stop.wait(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
