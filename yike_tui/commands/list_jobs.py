"""``yike-tui list [--json]``: the watch list with each job's last known status."""

from __future__ import annotations

import argparse
import json

from yike_tui.config import WatchedJob
from yike_tui.events import iso_utc
from yike_tui.exits import EXIT_OK, error
from yike_tui.safe_text import clean, truncate
from yike_tui.session import read_watchlist

_Status = tuple[str, str, float]


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


def run(args: argparse.Namespace) -> int:
    with read_watchlist() as (config, jobs, store):  # never creates the state db
        for warning in config.warnings:
            error(warning)
        if store is not None and store.notice:
            error(store.notice)
        statuses = store.last_status() if store is not None else {}
    if args.json:
        for job in jobs:
            record = as_json(job, statuses.get(job.id))
            print(json.dumps(record, ensure_ascii=False, allow_nan=False))  # JSON, or fail
    elif not jobs:
        print("no jobs watched yet: add some with `yike-tui add JOBID`")
    else:
        print(format_table(jobs, statuses))
    return EXIT_OK
