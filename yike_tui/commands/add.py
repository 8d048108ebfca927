"""``yike-tui add JOBID... [--label TEXT]``: add jobs to the watch list (in the state db)."""

from __future__ import annotations

import argparse

from yike_tui.commands.watchlist import JOB_IDS_HELP, read_job_ids, saving
from yike_tui.core.exits import EXIT_OK, UsageError
from yike_tui.safety.safe_text import clean, has_control, is_valid_text
from yike_tui.session import open_watchlist


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="+", metavar="JOBID", help=JOB_IDS_HELP)
    parser.add_argument("--label", default="", metavar="TEXT", help="a label for these jobs")


def run(args: argparse.Namespace) -> int:
    label: str = args.label
    if has_control(label):
        raise UsageError("--label must not contain control characters or newlines")
    if not is_valid_text(label):  # a non-UTF-8 argv byte: the state db holds text only
        raise UsageError(f"label {clean(label, one_line=True)} is not valid UTF-8 text")
    ids = read_job_ids(args.job_ids)
    with saving(), open_watchlist() as store:
        added, skipped = store.watch(ids, label)
    for job_id in skipped:
        print(f"already watched: {clean(job_id, one_line=True)}")
    print(f"added {len(added)} job(s)")
    return EXIT_OK
