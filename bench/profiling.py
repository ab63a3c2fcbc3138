"""A sampling profile of the proxy under load (py-spy, from outside the process) and its cost centres.

py-spy samples the proxy's Python stacks at `RATE` Hz without pausing it (`--nonblocking`),
leaving out idle samples (the loop waiting on sockets), so each sample is CPU being spent.
Two views of the collapsed stacks:

- cost centres: each sample is charged to the first function *outside* scim_proxy that the
  innermost scim_proxy frame called (e.g. `httpx AsyncClient.request <- scim_proxy/jumpcloud.py`),
  or to the innermost scim_proxy function itself when the sample is in our own code; samples
  with no scim_proxy frame at all (the server reading a request, the client writing one) are
  charged to their callback's first frame below the event loop. This names what our code
  spends, and where; `details` splits each centre by the next package it calls into
  (e.g. `httpx AsyncClient.request -> http CookieJar.extract_cookies`).
- packages: self time by the package of the leaf frame (httpx, uvicorn, structlog, ...).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .processes import ROOT

RATE = 500
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_SITE = re.compile(r"(?:site|dist)-packages/(?P<package>[A-Za-z0-9_]+)")
_STDLIB = re.compile(r"stdlib/(?P<module>[A-Za-z0-9_]+)")
_SITE_PREFIX = re.compile(r"[^ ;()]*?/(?:site|dist)-packages/")
_STDLIB_PREFIX = re.compile(r"[^ ;()]*?/lib/python3\.\d+/")
_OURS = "scim_proxy/"
_LOOP = {"asyncio", "uvloop"}


def py_spy() -> str | None:
    """The py-spy next to this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Recorder:
    """`py-spy record` attached to `pid` until `stop()`; raw collapsed stacks written to `out`."""

    def __init__(self, binary: str, pid: int, out: Path, log: Path) -> None:
        self.out = out
        argv = [binary, "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw"]
        argv += ["--nonblocking", "--function", "--full-filenames", "--output", str(out)]
        self.proc = subprocess.Popen(argv, stdout=log.open("ab"), stderr=subprocess.STDOUT)  # noqa: S603 -- py-spy

    def stop(self) -> str:
        """Stop sampling (py-spy writes its file on SIGINT); the collapsed stacks, or '' if none."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        return shorten(self.out.read_text()) if self.out.exists() else ""


def shorten(collapsed: str) -> str:
    """Paths cut to `site-packages/...`, `stdlib/...` and `scim_proxy/...`: alike on every machine."""
    text = _SITE_PREFIX.sub("site-packages/", collapsed).replace(f"{ROOT}/", "")
    return _STDLIB_PREFIX.sub("stdlib/", text)


def parse_frame(frame: str) -> tuple[str, str]:
    """`func (path:line)` -> (package-ish location, function): `scim_proxy/jumpcloud.py` or `httpx`."""
    match = _FRAME.match(frame)
    if match is None:
        return frame, ""
    path, function = match["file"], match["function"]
    if _OURS in path:
        return _OURS + path.split(_OURS, 1)[1], function
    site = _SITE.search(path)
    if site:
        return site["package"], function
    stdlib = _STDLIB.search(path)
    if stdlib:
        return stdlib["module"].removesuffix(".py"), function
    return path, function


def _entry(frames: list[tuple[str, str]], start: int, *, fine: bool) -> str:
    """`pkg func` of frames[start]; when `fine`, plus `-> pkg func` of the first frame below it in another package."""
    where, function = frames[start]
    label = f"{where} {function}"
    if fine:
        for other, other_function in frames[start + 1 :]:
            if other != where and not other.startswith(_OURS):
                return f"{label} -> {other} {other_function}"
    return label


def _centre(frames: list[tuple[str, str]], *, fine: bool) -> str:
    ours = [i for i, (where, _) in enumerate(frames) if where.startswith(_OURS)]
    if not ours:
        # A callback or task of its own (the server reading a request, the client writing one),
        # named after its first frame below the event loop's.
        loop = [i for i, (where, _) in enumerate(frames) if where in _LOOP]
        start = loop[-1] + 1 if loop else 0
        if start >= len(frames):
            return "event loop (asyncio, uvloop) (no scim_proxy frame)"
        return f"{_entry(frames, start, fine=fine)} (no scim_proxy frame)"
    inner = ours[-1]
    caller = frames[inner]
    if inner == len(frames) - 1:
        return f"{caller[0]} {caller[1]} (own code)"
    return f"{_entry(frames, inner + 1, fine=fine)} <- {caller[0]} {caller[1]}"


def analyse(collapsed: str, *, top: int = 12) -> dict[str, Any]:
    """Cost centres and package self times, as shares of all CPU samples."""
    centres: Counter[str] = Counter()
    details: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in shorten(collapsed).splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [parse_frame(f) for f in stack.split(";") if f]
        frames = [f for f in frames if f[1] != "<module>" or f is frames[-1]]
        if not frames:
            continue
        total += count
        centres[_centre(frames, fine=False)] += count
        details[_centre(frames, fine=True)] += count
        packages[frames[-1][0].split("/")[0]] += count
        functions[f"{frames[-1][0]} {frames[-1][1]}"] += count

    def shares(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"name": name, "samples": n, "percent": round(100 * n / total, 1)} for name, n in counter.most_common(top)
        ]

    return {
        "samples": total,
        "rate_hz": RATE,
        "cost_centres": shares(centres),
        "details": shares(details),
        "packages": shares(packages),
        "self_functions": shares(functions),
    }
