"""``yike-tui list [--json]``: the watch list with each job's last known status."""

from __future__ import annotations

import argparse
import json

from yike_tui import paths
from yike_tui.commands.watchlist import config_errors
from yike_tui.config import Config, WatchedJob, load_config
from yike_tui.events import iso_utc
from yike_tui.exits import EXIT_OK, error
from yike_tui.safe_text import clean, truncate

_Status = tuple[str, str, float]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object a line, exact")


def _last_status() -> dict[str, _Status]:
    if not paths.state_db().exists():  # listing must not create the state db
        return {}
    from yike_tui.store import Store

    with Store.open(prune=False) as store:
        if store.notice:
            error(store.notice)
        return store.last_status()


def as_json(job: WatchedJob, status: _Status | None) -> dict[str, object]:
    return {
        "job_id": job.id,
        "label": job.label,
        "added_at": job.added_at,
        "status": status[0] if status else None,
        "title": status[1] if status else None,
        "fetched_at": iso_utc(status[2]) if status else None,
    }


def format_table(config: Config, statuses: dict[str, _Status]) -> str:
    def row(job: WatchedJob) -> list[str]:
        status, title, _ = statuses.get(job.id, ("", "", 0.0))
        return [
            clean(job.id, one_line=True),
            clean(status, one_line=True) or "-",
            truncate(clean(title, one_line=True), 40) or "-",
            truncate(clean(job.label, one_line=True), 24),
            clean(job.added_at[:10], one_line=True),
        ]

    rows = [["JOBID", "STATUS", "TITLE", "LABEL", "ADDED"], *map(row, config.jobs)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def run(args: argparse.Namespace) -> int:
    with config_errors():
        config = load_config()
    for warning in config.warnings:
        error(warning)
    statuses = _last_status()
    if args.json:
        for job in config.jobs:
            record = as_json(job, statuses.get(job.id))
            print(json.dumps(record, ensure_ascii=False, allow_nan=False))  # JSON, or fail
    elif not config.jobs:
        print("no jobs watched yet: add some with `yike-tui add JOBID`")
    else:
        print(format_table(config, statuses))
    return EXIT_OK
