"""The single-engine lock: an OS file lock next to the database.

Only the process holding it probes and pages; a second TUI on the same
database becomes a viewer. The lock dies with the process (no stale locks).
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
import time
from pathlib import Path
from typing import IO

# The winner of a race writes its name just after it takes the lock: a loser
# reading at that moment finds the file empty (or the previous holder's name)
# and reads again for up to this long.
HOLDER_WAIT = 1.0
_HOLDER = re.compile(r"^pid (\d+) on (\S+) ")


class EngineLocked(Exception):
    """Another process runs the engine for this database."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"another StatusCat engine is running on this database ({holder})")
        self.path = path
        self.holder = holder


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class EngineLock:
    def __init__(self, db_path: Path) -> None:
        self.path = lock_path(db_path)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise EngineLocked naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = _read_holder(f)
            finally:
                f.close()
            raise EngineLocked(self.path, holder) from None
        f.seek(0)
        f.truncate()
        f.write(
            f"pid {os.getpid()} on {socket.gethostname()} since "
            f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n"
        )
        f.flush()
        self._file = f

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None


def engine_running(db_path: Path) -> bool:
    """Whether the process named in the lock file is alive (read only: never takes the lock).

    For a viewer: once the engine's process is gone, nothing probes or pages.
    """
    try:
        text = lock_path(db_path).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return _current(text)


def _read_holder(f: IO[str]) -> str:
    """Who holds the lock, as the holder wrote it: ``pid N on HOST since TIME``."""
    deadline = time.monotonic() + HOLDER_WAIT
    while True:
        f.seek(0)
        text = f.read().strip()
        if _current(text) or time.monotonic() >= deadline:
            return text or "unknown process"
        time.sleep(0.01)


def _current(text: str) -> bool:
    """Whether ``text`` names a live holder (one on another host is taken at its word)."""
    m = _HOLDER.match(text)
    if m is None:
        return False
    if m[2] != socket.gethostname():
        return True
    try:
        os.kill(int(m[1]), 0)
    except ProcessLookupError:
        return False  # a previous holder's name, not yet overwritten
    except PermissionError:
        return True  # alive, another user's
    return True
