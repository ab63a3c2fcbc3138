"""`CassetteWriter`: appends recording lines to a file, rotating it by size; safe across threads."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any


class CassetteWriter:
    """Appends JSON lines to `path`; beyond `max_bytes` rotates to `path.1` ... `path.<backups>`.

    One lock serialises appends and rotation across threads; each line is one `os.write`
    on an `O_APPEND` descriptor, created with mode 0600 (recordings hold personal data).
    `max_bytes <= 0` means no cap; `backups == 0` means the full file is dropped.
    """

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int, backups: int) -> None:
        self.path = os.fspath(path)
        self.max_bytes = max_bytes
        self.backups = max(0, backups)
        self._lock = threading.Lock()

    def write(self, entry: Mapping[str, Any]) -> None:
        line = (json.dumps(entry, ensure_ascii=True, separators=(",", ":"), default=str) + "\n").encode("ascii")
        with self._lock:
            size = os.path.getsize(self.path) if os.path.exists(self.path) else 0
            if size and self.max_bytes > 0 and size + len(line) > self.max_bytes:
                self._rotate()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)

    def _rotate(self) -> None:
        if self.backups == 0:
            os.remove(self.path)
            return
        for number in range(self.backups - 1, 0, -1):
            older = f"{self.path}.{number}"
            if os.path.exists(older):
                os.replace(older, f"{self.path}.{number + 1}")
        os.replace(self.path, f"{self.path}.1")
