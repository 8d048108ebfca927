"""``yike-tui download JOBID... [--dir DIR] [--again]``: save jobs' output videos, with
progress.

Progress goes to stderr (a ``rich.progress`` bar a file on a terminal, one line a file
otherwise); when stdout is not a terminal it gets the saved paths, one a line, for scripts.
A job downloaded before (the state db remembers, as for the TUI's ``D``) is not downloaded
again: its line says where the video is, and that path is the one printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.filesize import decimal as human_bytes
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as Bars
from rich.text import Text

from yike_tui.actions.download import DownloadError, Progress, download
from yike_tui.actions.download_names import safe_filename
from yike_tui.actions.download_record import DownloadRecord, downloaded_already
from yike_tui.api.client import ApiClient
from yike_tui.api.errors import ApiError, account_problem
from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import command_ids, run_with_client, stop_if_account
from yike_tui.commands.watchlist import config_errors
from yike_tui.core import paths
from yike_tui.core.config import load_config
from yike_tui.core.exits import EXIT_API, EXIT_OK, UsageError, error
from yike_tui.core.models import Job, JobStatus
from yike_tui.safety.safe_text import clean, fit
from yike_tui.store import Store

PARALLEL = 3  # files at once: enough to fill a link, few enough to show each bar
REDRAW_EVERY = 0.1  # seconds
NAME_WIDTH = 40  # terminal cells for a file's name beside its bar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="*", metavar="JOBID", help="job ids (or --demo)")
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where to save (default: settings.downloads_dir in config, else your downloads dir)",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="download a job downloaded before anyway (a new file beside the first)",
    )
    add_connection_arguments(parser)


def target_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit.expanduser()
    with config_errors():
        configured = load_config().settings.downloads_dir
    return Path(configured).expanduser() if configured else paths.downloads_dir()


class ProgressBoard:
    """On a terminal, a ``rich.progress`` bar a running download on stderr; finished ones
    print their line above the bars and stay. Otherwise one plain line a file, when done."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._tasks: dict[str, TaskID] = {}
        self._moving: set[str] = set()  # keys whose download has reported bytes
        self._bars: Bars | None = None
        if self.live:
            self._bars = Bars(
                # markup=False: a title is text, never Rich markup such as "[red]"
                TextColumn("{task.fields[name]}", markup=False),
                BarColumn(),
                TaskProgressColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(file=stream, highlight=False),
                transient=True,  # the bars go when done; the finished lines stay
                refresh_per_second=1 / REDRAW_EVERY,
            )

    def __enter__(self) -> ProgressBoard:
        if self._bars is not None:
            self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bars is not None:
            self._bars.stop()

    def update(self, key: str, name: str, progress: Progress) -> None:
        if self._bars is None:
            return
        task = self._tasks.get(key)
        if task is None:
            shown = fit(name, NAME_WIDTH).rstrip()
            self._tasks[key] = self._bars.add_task("", total=progress.total, name=shown)
        elif key not in self._moving:
            # The first report: a resumed .part starts here, not at 0 (no burst of speed).
            self._moving.add(key)
            self._bars.reset(task, total=progress.total, completed=progress.done)
        else:
            self._bars.update(task, total=progress.total, completed=progress.done)

    def finish(self, key: str, line: str) -> None:
        task = self._tasks.pop(key, None)
        self._moving.discard(key)
        if self._bars is None:
            self.stream.write(line + "\n")
            self.stream.flush()
            return
        if task is not None:
            self._bars.remove_task(task)
            self._bars.refresh()  # else the line below is drawn above this bar's last frame
        # soft_wrap: a long path stays one line (the terminal wraps it, we add no break)
        self._bars.console.print(Text(line), soft_wrap=True)


def _no_output(job: Job) -> str:
    if job.status is JobStatus.SUCCEEDED:
        return "succeeded without an output video (a storyboards-only job?)"
    status = clean(job.status_raw or job.status.value, one_line=True)
    done = f"{job.storyboards_done}/{len(job.storyboards)} storyboards done"
    return f"no output video yet (status {status}, {done})"


@contextlib.contextmanager
def _download_record(demo: bool) -> Iterator[DownloadRecord]:
    """The record the TUI's ``D`` keeps too, in the state db; the demo's lasts the run."""
    if demo:
        yield DownloadRecord(None)
        return
    with Store.open(prune=False, on_wait=error) as store:
        yield DownloadRecord(store)


async def _one(
    client: ApiClient,
    job_id: str,
    dest: Path,
    board: ProgressBoard,
    gate: asyncio.Semaphore,
    print_paths: bool,
    refused: list[ApiError],
    record: DownloadRecord,
    again: bool,
) -> bool:
    shown = clean(job_id, one_line=True)
    kept = None if again else record.find(job_id)
    if kept is not None:  # not a second copy as "Title (2).mp4": where the first is
        said = downloaded_already(shown, clean(str(kept), one_line=True))
        board.finish(job_id, f"✓ {said} (--again downloads it anew)")
        if print_paths:
            print(kept, flush=True)
        return True
    async with gate:
        try:
            job = await client.get_job(job_id)
        except ApiError as err:
            if account_problem(err):  # the account's: said once, when all have ended
                refused.append(err)
                return False
            board.finish(job_id, f"✗ {shown}: {clean(str(err), one_line=True)}")
            return False
        if not job.output_url:
            board.finish(job_id, f"✗ {shown}: {_no_output(job)}")
            return False
        name = safe_filename(job.title, job.id)

        async def fresh_url() -> str:
            return (await client.get_job(job_id)).output_url

        board.update(job_id, name, Progress(0, None, 0.0, None))  # its line, before a byte
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
    record.keep(job_id, path)
    size = human_bytes(path.stat().st_size)
    board.finish(job_id, f"✓ {clean(str(path), one_line=True)} ({size})")
    if print_paths:
        print(path, flush=True)
    return True


def run(args: argparse.Namespace) -> int:
    given = command_ids(args)
    dest = target_dir(args.dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use {dest} for downloads: {exc.strerror or exc}") from None
    print_paths = not sys.stdout.isatty()
    again = bool(args.again)

    async def download_all(client: ApiClient, ids: list[str], _: object) -> list[bool]:
        with ProgressBoard(sys.stderr) as board:
            if not given:  # the demo: every job that has a video by now
                jobs = await asyncio.gather(*(client.get_job(i) for i in ids))
                ids = [job.id for job in jobs if job.output_url]
            gate = asyncio.Semaphore(PARALLEL)
            refused: list[ApiError] = []
            done = await asyncio.gather(
                *(
                    _one(client, job_id, dest, board, gate, print_paths, refused, record, again)
                    for job_id in ids
                )
            )
        stop_if_account(*refused)
        return done

    try:
        with _download_record(args.demo) as record:  # a busy state db: before any network
            results = run_with_client(args, given, download_all)
    except KeyboardInterrupt:
        error("interrupted: partial files (.part) are kept; run the same command to resume")
        return 130
    failed = results.count(False)
    if failed:
        error(f"{failed} of {len(results)} download(s) failed")
    return EXIT_OK if not failed else EXIT_API
