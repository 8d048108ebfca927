"""Start the TUI from the command line: set up the session, run the App, clean up."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from yike_tui.core.exits import EXIT_USAGE, UsageError, error
from yike_tui.core.job_ids import InvalidJobId, split_job_ids

NO_TERMINAL = (
    "the TUI needs a terminal, and {what} not one; "
    "without a screen use `yike-tui watch` (--json for NDJSON, --once for one look)"
)


def run(args: argparse.Namespace) -> int:
    try:
        job_ids = split_job_ids(args.job_ids)  # the one JobId rule, as every command
    except InvalidJobId as exc:
        raise UsageError(str(exc)) from None
    return run_tui(job_ids, args)


def _not_a_terminal(stdin: TextIO, stdout: TextIO) -> str:
    """Which of stdin/stdout is not a terminal, as words; "" when both are."""
    missing = [
        name for name, stream in (("stdin", stdin), ("stdout", stdout)) if not _is_tty(stream)
    ]
    if not missing:
        return ""
    return " and ".join(missing) + (" are" if len(missing) > 1 else " is")


def _is_tty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):  # closed or detached: certainly not a terminal
        return False


def run_tui(job_ids: list[str], args: argparse.Namespace) -> int:
    # Without a terminal the app would draw into a pipe and spin a core on a stdin that
    # never answers (one such process outlived its shell by 25 minutes): refuse first.
    what = _not_a_terminal(sys.stdin, sys.stdout)
    if what:
        error(NO_TERMINAL.format(what=what))
        return EXIT_USAGE

    from yike_tui.session import open_session
    from yike_tui.ui.app import YikeApp

    readonly = bool(getattr(args, "readonly", False))
    # No credentials (a first run, or keys that expired) is not a crash: the app opens on
    # the watch list as last known, read-only, and says where credentials are looked for.
    # A state db another process keeps locked is StateDbBusy (exit 2) before any screen.
    with open_session(args.options, job_ids, without_credentials=True) as session:
        app = YikeApp(session, readonly=readonly)
        app.run()
        return app.return_code or 0
