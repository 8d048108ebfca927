"""``yike-tui resume JOBID...``: continue Suspended jobs, then show where each stands."""

from __future__ import annotations

import argparse

from yike_tui.api.client import ApiClient
from yike_tui.api.errors import ApiError
from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import command_ids, run_with_client, stop_if_account
from yike_tui.core.exits import EXIT_API, EXIT_OK, UsageError, error
from yike_tui.core.presentation import job_line
from yike_tui.safety.safe_text import clean


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="+", metavar="JOBID", help="the jobs to resume")
    add_connection_arguments(parser)


async def _resume_one(client: ApiClient, job_id: str) -> bool:
    shown = clean(job_id, one_line=True)
    try:
        request_id = await client.resume_job(job_id)
    except ApiError as err:
        stop_if_account(err)  # no other job of the account would resume either
        # The service's own words ("The job is Running; only a Suspended job can be
        # resumed."), then what to do.
        error(f"{shown}: not resumed: {err} (what to do: {err.hint})")
        return False
    try:
        job = await client.get_job(job_id)  # the new status, straight away
    except ApiError as err:
        print(f"resumed {shown} [RequestId {clean(request_id, one_line=True)}]")
        error(f"{shown}: resumed, but fetching its new status failed: {err}")
        return True
    title = clean(job.title, one_line=True) or "(no title)"
    print(f"resumed: {job_line(job, title)}")
    return True


async def _resume_all(client: ApiClient, ids: list[str], _: object) -> int:
    # One at a time: an action that changes state reads best in the order given.
    results = [await _resume_one(client, job_id) for job_id in ids]
    return EXIT_OK if all(results) else EXIT_API


def run(args: argparse.Namespace) -> int:
    ids = command_ids(args, missing=None)
    if not ids:  # not even with --demo: resuming is asked for by id
        raise UsageError("give at least one JobId")
    return run_with_client(args, ids, _resume_all)
