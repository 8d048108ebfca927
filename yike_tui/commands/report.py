"""``yike-tui report [JOBID...] [--format md|csv|json] [--cached]``: a table to paste.

The CLI glue: which jobs, fetched or from the state db, errors on stderr. The table itself
is made by ``yike_tui.actions.report`` (pure, shared with the TUI)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator
from typing import TextIO

from yike_tui.actions.report import FORMATS, Format, ReportRow, render_report, write_report
from yike_tui.api.client import ApiClient
from yike_tui.api.credits import JobCharge, get_job_charge, is_yike
from yike_tui.api.errors import ApiError, account_problem
from yike_tui.commands.deadline import DEFAULT_TIMEOUT, Stall, add_timeout_argument, deadline_error
from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import command_ids, run_with_client, stop_if_account
from yike_tui.core import paths
from yike_tui.core.exits import EXIT_API, EXIT_OK, UsageError, error
from yike_tui.core.models import Job
from yike_tui.safety.safe_text import clean
from yike_tui.session import read_watchlist
from yike_tui.store import Store, Summary

CONCURRENCY = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "job_ids", nargs="*", metavar="JOBID", help="jobs to report (default: the watch list)"
    )
    parser.add_argument("--format", choices=FORMATS, default="md", help="default: md")
    parser.add_argument(
        "--cached", action="store_true", help="use the last fetched state; no network"
    )
    add_timeout_argument(parser, "on jobs that have not answered")
    add_connection_arguments(parser)


def _watched_ids() -> list[str]:
    with read_watchlist() as (_, jobs, _store):  # never creates the state db
        return [job.id for job in jobs]


def row_of(summary: Summary) -> ReportRow:
    """A report line from a stored summary: no answer parsed."""
    return ReportRow(
        summary.status,
        summary.status_raw or summary.status.value,
        summary.title,
        summary.job_id,
        summary.storyboards_done,
        summary.storyboards_total,
        summary.failed_codes,
        summary.output_url,
        summary.credit_cost,
    )


def write_cached(ids: list[str], fmt: Format, out: TextIO) -> list[str]:
    """Write the report of ``ids`` from the state db's summaries as they are read; returns
    the ids it has nothing for (each also named on stderr as it is met)."""
    missing: list[str] = []

    def rows(store: Store | None) -> Iterator[ReportRow]:
        found = store.summaries_of(ids) if store is not None else iter([None] * len(ids))
        for job_id, summary in zip(ids, found, strict=True):
            if summary is None:
                missing.append(job_id)
                error(f"{clean(job_id, one_line=True)}: nothing cached yet; run without --cached")
            else:
                yield row_of(summary)

    if not paths.state_db().exists():  # reporting must not create the state db
        write_report(rows(None), fmt, out)
        return missing
    with Store.open(prune=False, on_wait=error) as store:
        if store.notice:
            error(store.notice)
        # The credit column's header comes before the rows stream: asked of the store first.
        write_report(rows(store), fmt, out, credits=store.has_credit_costs(ids))
    return missing


async def fresh_jobs(
    client: ApiClient, ids: list[str], timeout: float = DEFAULT_TIMEOUT, *, charges: bool = False
) -> tuple[list[Job], list[str], dict[str, JobCharge]]:
    """The jobs that answered in time, the ids that did not, and (``charges``: the Yike
    product's GetYikeJobCredit, asked right after each job) what each was charged. A
    charge not read leaves its cell empty; how many were not is said once on stderr."""
    gate = asyncio.Semaphore(CONCURRENCY)
    stall = Stall(client, timeout)  # the jobs that answered before the API stalled are reported
    charged: dict[str, JobCharge] = {}
    unread: list[ApiError] = []

    refused: list[ApiError] = []  # the account's refusals: said once, after the others

    async def fetch(job_id: str) -> Job | None:
        async with gate:
            try:
                job = await stall.get_job(job_id)
            except ApiError as err:
                if account_problem(err):
                    refused.append(err)
                else:
                    error(f"{clean(job_id, one_line=True)}: {err}")
                return None
            if charges:
                try:
                    async with stall.guard():
                        charged[job_id] = await stall.ask(get_job_charge(client, job_id))
                except ApiError as err:
                    unread.append(err)
                except TimeoutError:
                    unread.append(deadline_error(timeout))
            return job

    results = await asyncio.gather(*(fetch(job_id) for job_id in ids))
    stop_if_account(*refused)
    jobs = [job for job in results if job is not None]
    failed = [job_id for job_id, job in zip(ids, results, strict=True) if job is None]
    if unread:
        error(f"what {_jobs(len(unread))} were charged was not read: {unread[0]}")
    return jobs, failed, charged


def _jobs(count: int) -> str:
    return "1 job" if count == 1 else f"{count} jobs"


def run(args: argparse.Namespace) -> int:
    ids = command_ids(args, missing=None)
    if not ids and not args.demo:
        ids = _watched_ids()
        if not ids:
            raise UsageError("no JobIds given and the watch list is empty (`yike-tui add JOBID`)")
    if args.cached:
        if args.demo:
            raise UsageError("--cached reads the state db; the demo keeps none")
        missing = write_cached(ids, args.format, sys.stdout)
        return EXIT_OK if not missing else EXIT_API

    async def fetch(
        client: ApiClient, ids: list[str], _: object
    ) -> tuple[list[Job], list[str], dict[str, JobCharge]]:
        # Only the Yike product says what a job was charged (GetYikeJobCredit).
        return await fresh_jobs(client, ids, args.timeout, charges=is_yike(client))

    jobs, missing, charges = run_with_client(args, ids, fetch)
    print(render_report(jobs, args.format, charges), end="")
    return EXIT_OK if not missing else EXIT_API
