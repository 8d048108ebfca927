"""Start the TUI from the command line: set up the session, run the App, clean up."""

from __future__ import annotations

import argparse

from yike_tui.commands.common import CredentialsUnusable, parse_job_ids


def run(args: argparse.Namespace) -> int:
    return run_tui(parse_job_ids(args.job_ids), args)


def run_tui(job_ids: list[str], args: argparse.Namespace) -> int:
    from yike_tui.session import open_session
    from yike_tui.ui.app import YikeApp

    readonly = bool(getattr(args, "readonly", False))
    try:
        with open_session(args, job_ids) as session:
            app = YikeApp(session, readonly=readonly)
            app.run()
            return app.return_code or 0
    except CredentialsUnusable as exc:
        # No credentials is a first-run state, not a crash: say where we looked, in the app.
        app = YikeApp(None, readonly=True, problem=str(exc))
        app.run()
        return app.return_code or 0
