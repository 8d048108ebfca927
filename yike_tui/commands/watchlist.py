"""What the watch-list commands share: reading ids, and reporting a config.toml that cannot
be read or a watch list that cannot be saved."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from yike_tui.commands.skeleton import parse_job_ids
from yike_tui.core.config import ConfigError
from yike_tui.core.exits import UsageError

JOB_IDS_HELP = "job ids separated by spaces, commas or newlines; - reads them from stdin"


def read_job_ids(raw: list[str], stdin: TextIO | None = None) -> list[str]:
    """Ids from the arguments, with ``-`` replaced by whatever stdin holds; all checked."""
    chunks: list[str] = []
    for arg in raw:
        if arg == "-":
            chunks.append((stdin or sys.stdin).read())
        else:
            chunks.append(arg)
    ids = parse_job_ids(chunks)  # raises UsageError on the first bad id: nothing is written
    if not ids:
        raise UsageError("give at least one JobId")
    return ids


@contextmanager
def saving() -> Iterator[None]:
    """A state db that fails mid-write (disk full, locked too long) is exit 2, one line:
    the watch list is as it was."""
    try:
        yield
    except sqlite3.Error as exc:
        raise UsageError(f"the watch list cannot be saved: {exc}") from None


@contextmanager
def config_errors() -> Iterator[None]:
    """A config that cannot be used is a usage error: its message, exit 2, file untouched."""
    try:
        yield
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
