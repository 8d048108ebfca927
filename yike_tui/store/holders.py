"""Which other processes have the state db open: what a "the db is busy" message names.

Best effort and bounded: Linux's ``/proc/<pid>/fd`` links are read (processes of other
users cannot be, and are skipped), for at most ``SCAN_BUDGET`` seconds and ``MAX_FOUND``
processes; where there is no ``/proc`` (macOS) nothing is found and the message says
"another process". A process with the file open need not be the one holding the lock (an
idle yike-tui keeps it open too), so they are named as having it open, not as holding it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from yike_tui.safety.safe_text import clean, truncate

SCAN_BUDGET = 0.5  # seconds: a machine with many processes gets a shorter answer, not a wait
MAX_FOUND = 5
_PROC = Path("/proc")


def holders(db: Path, *, proc: Path = _PROC, budget: float = SCAN_BUDGET) -> list[str]:
    """``pid 4242 (python3)`` for each other process with ``db`` (or its -wal) open."""
    try:
        real = db.resolve()
    except OSError:
        return []
    targets = {str(real), str(real) + "-wal"}
    me, deadline = os.getpid(), time.monotonic() + budget
    found: list[str] = []
    try:
        entries = os.scandir(proc)
    except OSError:
        return []
    with entries:
        for entry in entries:
            if len(found) >= MAX_FOUND or time.monotonic() > deadline:
                break
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            if _has_open(Path(entry.path) / "fd", targets, deadline):
                found.append(f"pid {entry.name}{_name(Path(entry.path))}")
    return found


def _has_open(fd_dir: Path, targets: set[str], deadline: float) -> bool:
    try:
        fds = os.scandir(fd_dir)
    except OSError:  # another user's process, or gone meanwhile
        return False
    with fds:
        for fd in fds:
            if time.monotonic() > deadline:
                return False
            try:
                if os.readlink(fd.path) in targets:
                    return True
            except OSError:
                continue
    return False


def _name(pid_dir: Path) -> str:
    """`` (python3)``: the process's own short name (never its arguments, which may hold
    anything), or "" when it cannot be read."""
    try:
        with open(pid_dir / "comm", "rb") as file:
            raw = file.read(64)
    except OSError:
        return ""
    name = truncate(clean(raw.decode("utf-8", "replace").strip(), one_line=True), 32)
    return f" ({name})" if name else ""
