"""``yike-tui download JOBID... [--dir DIR]``: save jobs' output videos, with progress.

Progress goes to stderr (a redrawn bar a file on a terminal, one line a file otherwise);
when stdout is not a terminal it gets the saved paths, one a line, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

from yike_tui import paths
from yike_tui.api.client import IceClient
from yike_tui.api.errors import ApiError
from yike_tui.commands.common import (
    EXIT_API,
    EXIT_OK,
    UsageError,
    add_connection_arguments,
    connection,
    error,
    make_client,
    parse_job_ids,
)
from yike_tui.commands.watchlist import config_errors
from yike_tui.config import load_config
from yike_tui.download import (
    DownloadError,
    Progress,
    describe_progress,
    download,
    human_bytes,
    safe_filename,
)
from yike_tui.models import Job, JobStatus
from yike_tui.safe_text import clean, fit

HELP = "download jobs' output videos"
PARALLEL = 3  # files at once: enough to fill a link, few enough to show each bar
REDRAW_EVERY = 0.1  # seconds
DETAILS_WIDTH = len("99.9 MB / 99.9 MB  9.9 MB/s  9:59 left")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="*", metavar="JOBID", help="job ids (or --demo)")
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where to save (default: settings.downloads_dir in config, else your downloads dir)",
    )
    add_connection_arguments(parser)


def target_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit.expanduser()
    with config_errors():
        configured = load_config().settings.downloads_dir
    return Path(configured).expanduser() if configured else paths.downloads_dir()


class ProgressBoard:
    """One line a running download on stderr; finished ones scroll up and stay."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._active: dict[str, str] = {}  # key -> line
        self._drawn = 0
        self._last = 0.0

    def _width(self) -> int:
        return max(40, shutil.get_terminal_size((80, 24)).columns - 1)

    def _redraw(self, finished: str | None = None) -> None:
        out = []
        if self._drawn:
            out.append(f"\x1b[{self._drawn}F")  # back to the first line of the board
        if finished is not None:
            out.append(f"\x1b[2K{finished}\n")
        for line in self._active.values():
            out.append(f"\x1b[2K{fit(line, self._width()).rstrip()}\n")
        out.append("\x1b[J")  # clear what a taller board left below
        self._drawn = len(self._active)
        self.stream.write("".join(out))
        self.stream.flush()

    def update(self, key: str, name: str, progress: Progress, *, force: bool = False) -> None:
        if not self.live:
            return
        self._active[key] = _bar_line(name, progress, self._width())
        now = time.monotonic()
        if force or now - self._last >= REDRAW_EVERY:
            self._last = now
            self._redraw()

    def finish(self, key: str, line: str) -> None:
        self._active.pop(key, None)
        if self.live:
            self._redraw(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()


def _bar_line(name: str, progress: Progress, width: int) -> str:
    # Fixed columns, so the bar does not jump about as the numbers change length.
    details = describe_progress(progress)
    fraction = progress.fraction
    percent = f"{fraction * 100:3.0f}%" if fraction is not None else " ..."
    name_width = max(12, min(40, width // 4))
    bar_width = max(10, width - name_width - DETAILS_WIDTH - len(percent) - 5)
    filled = int(bar_width * (fraction or 0.0))
    bar = "█" * filled + "░" * (bar_width - filled)
    return f"{fit(name, name_width)} {bar} {percent}  {details}"


def _no_output(job: Job) -> str:
    if job.status is JobStatus.SUCCEEDED:
        return "succeeded without an output video (a storyboards-only job?)"
    status = clean(job.status_raw or job.status.value, one_line=True)
    done = f"{job.storyboards_done}/{len(job.storyboards)} storyboards done"
    return f"no output video yet (status {status}, {done})"


async def _one(
    client: IceClient,
    job_id: str,
    dest: Path,
    board: ProgressBoard,
    gate: asyncio.Semaphore,
    print_paths: bool,
) -> bool:
    shown = clean(job_id, one_line=True)
    async with gate:
        try:
            job = await client.get_job(job_id)
        except ApiError as err:
            board.finish(job_id, f"✗ {shown}: {clean(str(err), one_line=True)}")
            return False
        if not job.output_url:
            board.finish(job_id, f"✗ {shown}: {_no_output(job)}")
            return False
        name = safe_filename(job.title, job.id)

        async def fresh_url() -> str:
            return (await client.get_job(job_id)).output_url

        board.update(job_id, name, Progress(0, None, 0.0, None), force=True)
        try:
            path = await download(
                client.http,
                job.output_url,
                dest,
                job.title,
                job.id,
                on_progress=lambda p: board.update(job_id, name, p),
                refresh_url=fresh_url,
            )
        except DownloadError as err:
            board.finish(job_id, f"✗ {shown}: {clean(str(err), one_line=True)}")
            return False
    size = human_bytes(path.stat().st_size)
    board.finish(job_id, f"✓ {clean(str(path), one_line=True)} ({size})")
    if print_paths:
        print(path, flush=True)
    return True


async def _download_all(args: argparse.Namespace) -> int:
    ids = parse_job_ids(args.job_ids)
    if not ids and not args.demo:
        raise UsageError("give at least one JobId (or --demo)")
    dest = target_dir(args.dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use {dest} for downloads: {exc.strerror or exc}") from None
    board = ProgressBoard(sys.stderr)
    print_paths = not sys.stdout.isatty()
    with connection(args) as conn:
        async with make_client(conn) as client:
            if not ids:  # the demo: every job that has a video by now
                jobs = await asyncio.gather(*(client.get_job(i) for i in conn.demo_job_ids))
                ids = [job.id for job in jobs if job.output_url]
            gate = asyncio.Semaphore(PARALLEL)
            results = await asyncio.gather(
                *(_one(client, job_id, dest, board, gate, print_paths) for job_id in ids)
            )
    failed = results.count(False)
    if failed:
        error(f"{failed} of {len(results)} download(s) failed")
    return EXIT_OK if not failed else EXIT_API


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_download_all(args))
    except KeyboardInterrupt:
        error("interrupted: partial files (.part) are kept; run the same command to resume")
        return 130
