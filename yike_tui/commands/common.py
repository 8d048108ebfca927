"""Old home of what commands share, split by job: kept only as re-exports until
commands/download.py and tests/hardening/test_download_hostile.py (being changed by another
engineer now) use the new places.

exit codes and errors: ``yike_tui.exits``; the JobId rule: ``yike_tui.job_ids`` (CLI form:
``commands.skeleton.parse_job_ids``); connection and client: ``yike_tui.session``;
flags: ``commands.options``; logging: ``yike_tui.logs``.
"""

from __future__ import annotations

from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import parse_job_ids
from yike_tui.exits import EXIT_API, EXIT_OK, UsageError, error
from yike_tui.logs import setup_logging
from yike_tui.session import connect as connection
from yike_tui.session import make_client

__all__ = [
    "EXIT_API",
    "EXIT_OK",
    "UsageError",
    "add_connection_arguments",
    "connection",
    "error",
    "make_client",
    "parse_job_ids",
    "setup_logging",
]
