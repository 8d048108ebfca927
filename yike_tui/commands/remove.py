"""``yike-tui remove JOBID...``: stop watching jobs and forget their saved state."""

from __future__ import annotations

import argparse
import logging
import sqlite3

from yike_tui.commands.watchlist import JOB_IDS_HELP, read_job_ids, saving
from yike_tui.core.exits import EXIT_OK
from yike_tui.safety.safe_text import clean
from yike_tui.session import open_watchlist

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="+", metavar="JOBID", help=JOB_IDS_HELP)


def run(args: argparse.Namespace) -> int:
    ids = read_job_ids(args.job_ids)
    with saving(), open_watchlist() as store:
        removed, missing = store.unwatch(ids)
        if removed:
            try:  # snapshots and history: the watch list is already right if this fails
                store.forget(removed)
            except sqlite3.Error as exc:
                logging.getLogger(__name__).warning(
                    "could not forget %d job(s): %s", len(removed), exc
                )
    for job_id in missing:
        print(f"not watched: {clean(job_id, one_line=True)}")
    print(f"removed {len(removed)} job(s)")
    return EXIT_OK  # removing what is not there is not an error: scripts can repeat it
