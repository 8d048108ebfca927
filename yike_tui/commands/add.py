"""``yike-tui add JOBID... [--label TEXT]``: add jobs to the watch list in config.toml."""

from __future__ import annotations

import argparse

from yike_tui.commands.watchlist import JOB_IDS_HELP, config_errors, read_job_ids
from yike_tui.config import add_jobs
from yike_tui.exits import EXIT_OK, UsageError
from yike_tui.safe_text import clean, has_control


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="+", metavar="JOBID", help=JOB_IDS_HELP)
    parser.add_argument("--label", default="", metavar="TEXT", help="a label for these jobs")


def run(args: argparse.Namespace) -> int:
    label: str = args.label
    if has_control(label):
        raise UsageError("--label must not contain control characters or newlines")
    ids = read_job_ids(args.job_ids)
    with config_errors():
        added, skipped = add_jobs(ids, label=label)
    for job_id in skipped:
        print(f"already watched: {clean(job_id, one_line=True)}")
    print(f"added {len(added)} job(s)")
    return EXIT_OK
