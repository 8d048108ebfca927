"""``yike-tui submit --file-url URL --title TEXT ...``: start a new job and watch it.

Everything is checked before anything is sent: bad input is one line and exit code 2.
The submit itself is never retried (a lost answer could mean the job exists already).
The request is built and checked by ``yike_tui.submit`` (pure); this module is the CLI glue.
``--watch`` asks the CLI to open the TUI on the new job afterwards (``args.open_tui``):
commands and the UI never import each other.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from functools import partial

from yike_tui.api.client import IceClient
from yike_tui.api.errors import ApiError
from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import run_with_client
from yike_tui.exits import EXIT_API, EXIT_OK, UsageError, error
from yike_tui.safe_text import clean
from yike_tui.session import open_watchlist
from yike_tui.submit import EXEC_MODES, SubmitInvalid, SubmitRequest, build_submit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    job = parser.add_argument_group("the job")
    job.add_argument("--file-url", required=True, metavar="URL", help="http(s) URL of the source")
    job.add_argument("--title", required=True, metavar="TEXT", help="at most 128 bytes of UTF-8")
    job.add_argument("--source-type", default="Novel", metavar="TYPE", help="default: Novel")
    job.add_argument("--style-id", metavar="ID", help="e.g. RealisticPhotography")
    job.add_argument("--aspect-ratio", metavar="W:H", help="e.g. 16:9")
    job.add_argument("--resolution", metavar="RES", help="e.g. 1K")
    job.add_argument("--video-model", metavar="MODEL", help="e.g. wan2.6-r2v-flash")
    job.add_argument(
        "--voice", metavar="VOICE_ID", help="narration voice, e.g. sys_YoungGracefulWoman"
    )
    job.add_argument("--exec-mode", metavar="MODE", help=" or ".join(EXEC_MODES))
    job.add_argument(
        "--skip-failure-shot", action="store_true", help="carry on past shots that fail"
    )
    job.add_argument("--model-params", metavar="JSON", help="e.g. '{\"AudioEnable\": false}'")
    parser.add_argument("--watch", action="store_true", help="open the TUI on the new job")
    add_connection_arguments(parser)


def request_from(args: argparse.Namespace) -> SubmitRequest:
    try:
        return build_submit(
            file_url=args.file_url,
            title=args.title,
            source_type=args.source_type,
            style_id=args.style_id,
            aspect_ratio=args.aspect_ratio,
            resolution=args.resolution,
            video_model=args.video_model,
            voice=args.voice,
            exec_mode=args.exec_mode,
            skip_failure_shot=args.skip_failure_shot,
            model_params=args.model_params,
        )
    except SubmitInvalid as exc:
        raise UsageError(str(exc)) from None


async def _submit(
    client: IceClient, _ids: list[str], _conn: object, *, request: SubmitRequest
) -> str | None:
    try:
        return await client.submit_job(request.query, request.form)
    except ApiError as err:
        error(f"not submitted: {err}\n  what to do: {err.hint}")
        return None


def run(args: argparse.Namespace) -> int:
    request = request_from(args)  # a usage error here means nothing was sent
    # retries=0: a lost answer could mean the job exists already; never sent twice.
    job_id = run_with_client(args, [], partial(_submit, request=request), retries=0)
    if job_id is None:
        return EXIT_API
    print(job_id, flush=True)
    shown = clean(job_id, one_line=True)
    if args.demo:
        # The demo simulator ends with this command: its job ids mean nothing afterwards.
        print(f"submitted {shown} to the demo simulator (not added to the watch list)",
              file=sys.stderr)  # fmt: skip
        if args.watch:
            print("--watch is not available with --demo; `yike-tui --demo` opens the demo TUI",
                  file=sys.stderr)  # fmt: skip
        return EXIT_OK
    try:
        with open_watchlist() as store:
            added, _ = store.watch([job_id])
    except (UsageError, sqlite3.Error) as exc:
        error(f"submitted {shown}, but it could not be added to the watch list: {exc}")
        return EXIT_OK  # the job exists: the id printed above is what matters
    print(f"submitted {shown}; {'added to' if added else 'already in'} the watch list",
          file=sys.stderr)  # fmt: skip
    if args.watch:
        args.open_tui = [job_id]  # the CLI opens the TUI on it once this returns
    return EXIT_OK
