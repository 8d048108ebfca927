"""The downloads line: each download is a worker in one group, and this widget owns them.

It starts them, draws how far each has got, cancels the group through the workers API
(ctrl+x) and says how each one ended, all in ``on_worker_state_changed``.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
from rich.text import Text
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from yike_tui.download import DownloadError, Progress, download
from yike_tui.redaction import is_redacted
from yike_tui.ui.cells import safe

log = logging.getLogger(__name__)

GROUP = "downloads"
KEPT = "downloads-kept"  # the look at what a cancelled download left behind


@dataclass
class _Transfer:
    job_id: str
    shown: str  # the job's title, made safe and short
    dest: Path
    started: bool = False  # False while a fresh output URL is still being fetched
    line: str = ""


def kept_bytes(dest: Path, job_id: str) -> int:
    """Bytes of this job's ``.part`` left in ``dest``; 0 when there is none. Read from the
    record beside each ``.part`` (part_file's own reader), never through a symlink."""
    from yike_tui.part_file import read_origin  # the one reader of that record

    for record in dest.glob("*.part.json"):
        origin = read_origin(record)
        if origin is None or origin.job_id != job_id:
            continue
        try:
            info = os.lstat(record.with_suffix(""))  # x.mp4.part.json -> x.mp4.part
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_size:
            return info.st_size
    return 0


def _cancelled_note(transfer: _Transfer) -> str:
    # "The partial file is kept" only when there is one: no byte came, nothing is kept.
    try:
        held = kept_bytes(transfer.dest, transfer.job_id)
    except OSError:  # the folder went away or is unreadable now: say only what is sure
        return f"Download of {transfer.shown} cancelled."
    if held:
        kept = f"the partial file ({held // 1024} KiB) is kept: D resumes it"
    else:
        kept = "no data had arrived, so there is nothing to resume"
    return f"Download of {transfer.shown} cancelled; {kept}."


class Downloads(Static):
    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self._transfers: dict[str, _Transfer] = {}  # job id -> its download, while it runs

    @property
    def active(self) -> list[str]:
        """The job ids being downloaded."""
        return list(self._transfers)

    def start(
        self,
        job_id: str,
        title: str,
        shown: str,
        dest: Path,
        *,
        url: str,
        http: httpx.AsyncClient,
        fresh_url: Callable[[], Awaitable[str]],
        refetch_url: Callable[[], Awaitable[str]],
    ) -> bool:
        """Download ``url`` into ``dest`` under a name from ``title``; ``shown`` names the
        job on the line and in the toasts. An unsigned ``url`` (the copy kept on disk) is
        first replaced by ``fresh_url()``, which says why when it cannot be had;
        ``refetch_url()`` gives a new one when storage says it expired. False when this
        job is downloading already."""
        if job_id in self._transfers:
            return False
        transfer = _Transfer(job_id, safe(shown, 40), dest)
        self._transfers[job_id] = transfer
        work = self._download(transfer, title, url, http, fresh_url, refetch_url)
        self.run_worker(work, name=job_id, group=GROUP, exit_on_error=False)
        return True

    def cancel_all(self) -> int:
        """Cancel every download (their workers); how many there were."""
        count = len(self._transfers)
        self.workers.cancel_group(self, GROUP)
        return count

    async def _download(
        self,
        transfer: _Transfer,
        title: str,
        url: str,
        http: httpx.AsyncClient,
        fresh_url: Callable[[], Awaitable[str]],
        refetch_url: Callable[[], Awaitable[str]],
    ) -> Path | None:
        if is_redacted(url):
            url = await fresh_url()
            if not url:
                return None  # fresh_url said why
        transfer.started = True
        return await download(
            http,
            url,
            transfer.dest,
            title,
            transfer.job_id,
            on_progress=partial(self._progress, transfer),
            refresh_url=refetch_url,
        )

    def _progress(self, transfer: _Transfer, p: Progress) -> None:
        pct = f"{p.fraction * 100:.0f}%" if p.fraction is not None else f"{p.done // 1024} KiB"
        transfer.line = f"⇩ {transfer.shown} {pct} {p.speed / 1e6:.1f} MB/s"
        self._draw()

    def _draw(self) -> None:
        lines = [t.line for t in self._transfers.values() if t.line]
        self.display = bool(lines)
        self.update(Text("   ".join(lines) + "   (ctrl+x cancels)" if lines else ""))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == KEPT:
            event.stop()
            if event.state is WorkerState.SUCCESS and isinstance(worker.result, str):
                self.notify(worker.result, markup=False)
            return
        if worker.group != GROUP or not worker.is_finished:
            return
        event.stop()
        transfer = self._transfers.pop(worker.name, None)
        self._draw()
        if transfer is None:
            return
        if event.state is WorkerState.SUCCESS and isinstance(worker.result, Path):
            where = safe(str(worker.result))
            self.notify(f"Downloaded {transfer.shown}\n{where}", markup=False, timeout=10)
        elif event.state is WorkerState.ERROR:
            error = worker.error
            if not isinstance(error, DownloadError):  # a bug, not a network: keep the trace
                log.error("download %s failed", transfer.job_id, exc_info=error)
            why = safe(str(error) or type(error).__name__, 300)
            self.notify(f"Download of {transfer.shown}: {why}", severity="error", markup=False)
        elif event.state is WorkerState.CANCELLED:
            if not transfer.started:
                note = f"Download of {transfer.shown} cancelled before it started."
                self.notify(note, markup=False)
            else:
                look = partial(_cancelled_note, transfer)
                self.run_worker(look, group=KEPT, thread=True, exit_on_error=False)
