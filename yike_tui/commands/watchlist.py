"""What ``add``, ``remove`` and ``list`` share: reading ids and reporting config errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from yike_tui.commands.skeleton import parse_job_ids
from yike_tui.config import ConfigError
from yike_tui.exits import UsageError

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
def config_errors() -> Iterator[None]:
    """A config that cannot be used is a usage error: its message, exit 2, file untouched."""
    try:
        yield
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
