"""``yike-tui remove JOBID...``: stop watching jobs and forget their saved state."""

from __future__ import annotations

import argparse
import logging
import sqlite3

from yike_tui import paths
from yike_tui.commands.watchlist import JOB_IDS_HELP, config_errors, read_job_ids
from yike_tui.config import remove_jobs
from yike_tui.exits import EXIT_OK
from yike_tui.safe_text import clean


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="+", metavar="JOBID", help=JOB_IDS_HELP)


def run(args: argparse.Namespace) -> int:
    ids = read_job_ids(args.job_ids)
    with config_errors():
        removed, missing = remove_jobs(ids)
    for job_id in missing:
        print(f"not watched: {clean(job_id, one_line=True)}")
    print(f"removed {len(removed)} job(s)")
    if removed:
        _forget(removed)
    return EXIT_OK  # removing what is not there is not an error: scripts can repeat it


def _forget(job_ids: list[str]) -> None:
    """Drop saved snapshots and history; the watch list is already right if this fails."""
    if not paths.state_db().exists():
        return
    from yike_tui.store import Store

    try:
        with Store.open(prune=False) as store:
            if not store.in_memory:
                store.forget(job_ids)
    except sqlite3.Error as exc:
        logging.getLogger(__name__).warning("could not forget %s: %s", job_ids, exc)
