"""``yike-tui list [--json]``: the watch list with each job's last known status."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import TextIO

from yike_tui.actions.submitting import forget_interrupted, interrupted_submit
from yike_tui.core.config import WatchedJob
from yike_tui.core.events import iso_utc
from yike_tui.core.exits import EXIT_OK, error
from yike_tui.safety.safe_text import clean, truncate
from yike_tui.session import read_watchlist
from yike_tui.store.rows import shortened

_Status = tuple[str, str, float]
_PAGE = 1000  # lines a write


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object a line, exact")


def as_json(job: WatchedJob, status: _Status | None) -> dict[str, object]:
    return {
        "job_id": job.id,
        "label": job.label,
        "added_at": job.added_at,
        "status": status[0] if status else None,
        "title": status[1] if status else None,
        "fetched_at": iso_utc(status[2]) if status else None,
    }


def format_table(jobs: list[WatchedJob], statuses: dict[str, _Status]) -> str:
    def row(job: WatchedJob) -> list[str]:
        status, title, _ = statuses.get(job.id, ("", "", 0.0))
        return [
            clean(job.id, one_line=True),
            clean(status, one_line=True) or "-",
            truncate(clean(title, one_line=True), 40) or "-",
            truncate(clean(job.label, one_line=True), 24),
            clean(job.added_at[:10], one_line=True),
        ]

    rows = [["JOBID", "STATUS", "TITLE", "LABEL", "ADDED"], *map(row, jobs)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def _status_of(status: _Status | None) -> _Status | None:
    # What the snapshot's own status and title columns hold (cut to 100 and 1,000).
    if status is None:
        return None
    return (shortened(status[0], 100), shortened(status[1], 1000), status[2])


def write_json(pairs: Iterable[tuple[WatchedJob, _Status | None]], out: TextIO) -> None:
    """One JSON object a line, written a page at a time as the rows are read."""
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode  # JSON, or fail
    lines: list[str] = []
    for job, status in pairs:
        lines.append(dumps(as_json(job, status)))
        if len(lines) >= _PAGE:
            out.write("\n".join(lines) + "\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")


def run(args: argparse.Namespace) -> int:
    with read_watchlist() as (config, jobs, store):  # never creates the state db
        for warning in config.warnings:
            error(warning)
        if store is not None and store.notice:
            error(store.notice)
        told = interrupted_submit(store)
        if told:
            error(f"warning: {told}")
            forget_interrupted(store)
        if store is None:
            pairs: Iterable[tuple[WatchedJob, _Status | None]] = ((job, None) for job in jobs)
        else:  # streamed from the db in the watch list's order, summaries beside
            pairs = ((job, _status_of(s)) for job, s in store.watched_statuses())
        if args.json:
            write_json(pairs, sys.stdout)
            return EXIT_OK
        statuses = {job.id: status for job, status in pairs if status is not None}
    if not jobs:
        print("no jobs watched yet: add some with `yike-tui add JOBID`")
    else:
        print(format_table(jobs, statuses))
    return EXIT_OK
