"""What every command shares: connection flags, JobId checks, exit codes, logging.

Exit codes (documented in README): 0 ok, 1 API or network error, 2 usage error,
3 no or unusable credentials.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yike_tui import paths
from yike_tui.safe_text import clean, is_valid_text

if TYPE_CHECKING:
    from yike_tui.api.client import IceClient
    from yike_tui.api.credentials import Credentials

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_CREDENTIALS = 3

MAX_JOB_ID_LENGTH = 128


class UsageError(Exception):
    """Bad input from the user: exit code 2 and one clear line."""


class CredentialsUnusable(Exception):
    """No usable credentials: exit code 3."""


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help="API endpoint (default: $YIKE_TUI_ENDPOINT or https://ice.cn-shanghai.aliyuncs.com)",
    )
    group.add_argument("--profile", metavar="NAME", help="aliyun CLI profile to use")
    group.add_argument("--region", metavar="ID", help="region (default: cn-shanghai)")
    group.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in simulator on loopback and use it (no account needed)",
    )
    group.add_argument("--debug", action="store_true", help="log details and show tracebacks")


def parse_job_ids(raw: list[str]) -> list[str]:
    """Split on spaces, commas and newlines (a pasted spreadsheet column works); dedupe.

    Raises UsageError for an id that cannot be a JobId (control characters, too long).
    """
    ids: list[str] = []
    for chunk in raw:
        for part in chunk.replace(",", " ").split():
            validate_job_id(part)
            if part not in ids:
                ids.append(part)
    return ids


def validate_job_id(job_id: str) -> str:
    if not job_id or not job_id.strip():
        raise UsageError("a JobId is empty")
    if not is_valid_text(job_id):  # argv bytes that are not UTF-8 (surrogate-escaped)
        raise UsageError(f"JobId {clean(job_id, one_line=True)} is not valid UTF-8 text")
    if any(ch.isspace() for ch in job_id):
        raise UsageError(f"JobId {clean(job_id, one_line=True)!r} contains whitespace")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in job_id):
        raise UsageError(f"JobId {clean(job_id, one_line=True)!r} contains control characters")
    if len(job_id) > MAX_JOB_ID_LENGTH:
        raise UsageError(f"JobId is {len(job_id)} characters long; the most is 128")
    return job_id


class _QuietFileHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the log file; a write that fails (full disk) is dropped, because logging
    would otherwise print '--- Logging error ---' and a traceback on the terminal."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def setup_logging(debug: bool) -> None:
    """Log to a file under the platformdirs log dir, never to the terminal.

    The log may hold job ids and titles: it is 0600 in a dir created 0700, never opened
    through a symlink, and text UTF-8 cannot carry (a lone surrogate) is escaped, not fatal.
    """
    root = logging.getLogger()
    if any(getattr(h, "_yike_tui", False) for h in root.handlers):
        return
    try:
        paths.make_private_dir(paths.log_dir())
        fd = paths.open_private_file(paths.log_file(), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
        handler: logging.Handler = _QuietFileHandler(stream)
    except OSError:
        handler = logging.NullHandler()  # an unwritable log dir must not stop the tool
    handler._yike_tui = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def error(message: str) -> None:
    print(f"yike-tui: {clean(message)}", file=sys.stderr)


@dataclass
class Connection:
    endpoint: str
    credentials: Credentials
    demo_job_ids: list[str]


@contextmanager
def connection(args: argparse.Namespace) -> Iterator[Connection]:
    """Resolve endpoint and credentials (or start the demo simulator) for a command."""
    from yike_tui.api.client import DEFAULT_ENDPOINT, EndpointError, validate_endpoint
    from yike_tui.api.credentials import Credentials, CredentialsError, resolve

    if getattr(args, "demo", False):
        from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread

        with SimulatorThread(scenario="demo") as sim:
            creds = Credentials(
                access_key_id=DEMO_ACCESS_KEY_ID,
                access_key_secret=DEMO_ACCESS_KEY_SECRET,
                source="built-in demo simulator",
            )
            yield Connection(sim.endpoint, creds, list(sim.job_ids))
        return

    endpoint = args.endpoint or os.environ.get("YIKE_TUI_ENDPOINT") or DEFAULT_ENDPOINT
    try:
        endpoint = validate_endpoint(endpoint)
    except EndpointError as exc:
        raise UsageError(str(exc)) from None
    try:
        creds = resolve(profile=args.profile)
    except CredentialsError as exc:
        raise CredentialsUnusable(str(exc)) from None
    if args.region:
        creds = Credentials(
            creds.access_key_id,
            creds.access_key_secret,
            creds.security_token,
            creds.source,
            args.region,
        )
    yield Connection(endpoint, creds, [])


def make_client(conn: Connection, *, retries: int = 3) -> IceClient:
    from yike_tui.api.client import IceClient

    return IceClient(conn.credentials, endpoint=conn.endpoint, retries=retries)
