"""``yike-tui get JOBID... [--json]``: fetch each job once and print it.

A one-shot command gives up when the API has answered nothing for ``--timeout`` seconds
(``deadline.Stall``): whatever has not answered by then is reported as such, with what did
answer, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from yike_tui.api.client import ApiClient
from yike_tui.api.errors import ApiError
from yike_tui.commands.deadline import Stall, add_timeout_argument
from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import command_ids, run_with_client, stop_if_account
from yike_tui.core.exits import EXIT_API, EXIT_OK, error
from yike_tui.core.models import Job, JobStatus
from yike_tui.core.presentation import (
    STATUS_SYMBOL,
    counted,
    storyboard_status,
    storyboard_symbol,
    why_no_output,
)
from yike_tui.safety.safe_text import clean


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="*", metavar="JOBID", help="job ids (or --demo)")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    add_timeout_argument(parser, "on jobs that have not answered")
    add_connection_arguments(parser)


def format_job(job: Job) -> str:
    """Human text for one job; every API string passes through ``clean``."""
    c = clean
    status = job.status_raw or job.status.value
    lines = [f"{STATUS_SYMBOL[job.status]} {c(status, one_line=True)}  {c(job.id, one_line=True)}"]
    lines.append(f"  Title:       {c(job.title, one_line=True) or '(none)'}")
    total = len(job.storyboards)
    failed = job.storyboards_failed
    summary = f"{job.storyboards_done}/{total} done" + (f", {failed} failed" if failed else "")
    lines.append(f"  Storyboards: {summary}")
    for sb in job.storyboards:  # as the TUI's tree: the title, its status, then the id
        title = c(sb.title, one_line=True) or "(untitled)"
        word, vendor = storyboard_status(sb)
        if sb.failed_shots:
            word += f" · {counted(len(sb.failed_shots), 'failed shot')}"
        status = f"{word}  ({vendor})" if vendor else word
        lines.append(f"    {storyboard_symbol(sb)} {title}  {status}  {c(sb.id, one_line=True)}")
        for shot in sb.failed_shots:
            lines.append(
                f"        shot {c(shot.shot_id, one_line=True)}: "
                f"{c(shot.error_code, one_line=True)}"
            )
    if job.failed_shots:
        lines.append(f"  Failed shots: {len(job.failed_shots)}")
    if job.output_url:
        lines.append(f"  Output:      {c(job.output_url, one_line=True)}")
    else:
        will_come, why = why_no_output(job)
        lines.append(f"  Output:      {'not yet' if will_come else 'none'}: {why}")
    if job.status is JobStatus.SUSPENDED:
        lines.append(
            "  Resume:      fix its failed shots in the Yike editor, then "
            f"`yike-tui resume {c(job.id, one_line=True)}`"
        )
    if job.srt_url:
        lines.append(f"  Subtitles:   {c(job.srt_url, one_line=True)}")
    lines.append(f"  RequestId:   {c(job.request_id, one_line=True)}")
    for warning in job.warnings:
        lines.append(f"  warning: {c(warning, one_line=True)}")
    return "\n".join(lines)


def describe_error(job_id: str, err: ApiError) -> str:
    # One line a job: the error's text is already one line (API text made visible).
    return f"{job_id}: {err} (what to do: {err.hint})"


def run(args: argparse.Namespace) -> int:
    async def fetch_all(client: ApiClient, ids: list[str], _: object) -> int:
        stall = Stall(client, args.timeout)
        results = await asyncio.gather(
            *(stall.get_job(job_id) for job_id in ids), return_exceptions=True
        )
        stop_if_account(*results)  # the account refused: said once, not for each job
        code = EXIT_OK
        for job_id, result in zip(ids, results, strict=True):
            if isinstance(result, ApiError):
                error(describe_error(job_id, result))
                code = EXIT_API
            elif isinstance(result, BaseException):
                raise result
            elif args.json:
                print(json.dumps(result.to_json(), ensure_ascii=False, allow_nan=False))
            else:
                print(format_job(result))
        sys.stdout.flush()
        return code

    return run_with_client(args, command_ids(args), fetch_all)
