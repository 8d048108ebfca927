"""The downloads pane: each download is a worker in one group, and this widget owns them.

It starts them (D), draws a row per download (its name, Textual's ``ProgressBar`` with the
percent, and the speed), cancels the group through the workers API (ctrl+x) and says how
each one ended, all in ``on_worker_state_changed``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.filesize import decimal
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar
from textual.worker import Worker, WorkerState

from yike_tui.actions.download_record import DownloadRecord, downloaded_already
from yike_tui.core import paths
from yike_tui.safety.redaction import is_redacted
from yike_tui.ui.cells import safe

if TYPE_CHECKING:  # the download code and its HTTP client: loaded at the first download
    import httpx

    from yike_tui.actions.download import Progress
    from yike_tui.api.client import ApiClient

log = logging.getLogger(__name__)

GROUP = "downloads"
KEPT = "downloads-kept"  # the look at what a cancelled download left behind


@dataclass
class _Transfer:
    job_id: str
    shown: str  # the job's title, made safe and short
    dest: Path
    started: bool = False  # False while a fresh output URL is still being fetched


def kept_bytes(dest: Path, job_id: str) -> int:
    """Bytes of this job's ``.part`` left in ``dest``; 0 when there is none. Read from the
    record beside each ``.part`` (part_file's own reader), never through a symlink."""
    from yike_tui.actions.part_file import read_origin  # the one reader of that record

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


class TransferRow(Horizontal):
    """One download: ``⇩ name``, the bar with its percent, then bytes and speed."""

    def __init__(self, shown: str) -> None:
        super().__init__(classes="transfer")
        self._shown = shown

    def compose(self) -> ComposeResult:
        yield Label(f"⇩ {self._shown}", markup=False, classes="transfer-name")
        # No total until the server says one: the bar pulses instead of lying with 0%.
        yield ProgressBar(total=None, show_eta=False)
        yield Label("starting…", classes="transfer-speed")

    def show(self, p: Progress) -> None:
        self.query_one(ProgressBar).update(total=p.total, progress=p.done)
        # rich.filesize, as the CLI's bar: decimal units, like the speed a browser shows.
        speed = f"{decimal(int(p.speed))}/s" if p.speed else "…"
        self.query_one(".transfer-speed", Label).update(f"{decimal(p.done)}  {speed}")


class Downloads(Vertical):
    def __init__(self, record: DownloadRecord | None = None, **kwargs: object) -> None:
        """``record``: where each job's finished download went (D on it again says so)."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.record = record or DownloadRecord(None)
        self._transfers: dict[str, _Transfer] = {}  # job id -> its download, while it runs
        self._rows: dict[str, TransferRow] = {}

    def compose(self) -> ComposeResult:
        yield Label("ctrl+x cancels", classes="dim", id="downloads-hint")

    @property
    def active(self) -> list[str]:
        """The job ids being downloaded."""
        return list(self._transfers)

    def row(self, job_id: str) -> TransferRow | None:
        """The row that shows ``job_id``'s download, while it runs."""
        return self._rows.get(job_id)

    def download_job(
        self,
        job_id: str,
        title: str,
        shown: str,
        folder: str,
        *,
        url: str,
        client: ApiClient,
        fresh_url: Callable[[], Awaitable[str]],
    ) -> None:
        """D: download ``url`` into ``folder`` (config's ``downloads_dir``; "": the
        desktop's Downloads folder) under a name from ``title``; ``shown`` names
        the job on its row and in the toasts. An unsigned ``url`` (the copy kept on disk)
        is first replaced by ``fresh_url()``, which says why when it cannot be had; a new
        one is fetched when storage says it expired. One download per job at a time."""
        if job_id in self._transfers:
            self.notify("Already downloading this job.", severity="warning")
            return
        kept = self.record.find(job_id)
        if kept is not None:  # not a second copy as "Title (2).mp4": where the first is
            said = downloaded_already(safe(shown, 40), safe(str(kept)), sep="\n")
            self.notify(said, markup=False)
            return

        async def refetch_url() -> str:
            return (await client.get_job(job_id)).output_url

        dest = Path(folder) if folder else paths.downloads_dir()
        transfer = _Transfer(job_id, safe(shown, 40), dest)
        self._transfers[job_id] = transfer
        self._rows[job_id] = row = TransferRow(transfer.shown)
        self.mount(row, before="#downloads-hint")
        self.display = True
        work = self._download(transfer, title, url, client.http, fresh_url, refetch_url)
        self.run_worker(work, name=job_id, group=GROUP, exit_on_error=False)

    def cancel_all(self) -> None:
        """ctrl+x: cancel every download (their workers), or say there is none."""
        if not self._transfers:
            self.notify("Nothing is downloading (D downloads the selected job's video).")
        self.workers.cancel_group(self, GROUP)

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
        from yike_tui.actions.download import download

        path = await download(
            http,
            url,
            transfer.dest,
            title,
            transfer.job_id,
            on_progress=partial(self._progress, transfer.job_id),
            refresh_url=refetch_url,
        )
        await asyncio.to_thread(self.record.keep, transfer.job_id, path)
        return path

    def _progress(self, job_id: str, p: Progress) -> None:
        row = self._rows.get(job_id)
        if row is not None and row.is_mounted:
            row.show(p)

    def _finished(self, job_id: str) -> _Transfer | None:
        transfer = self._transfers.pop(job_id, None)
        row = self._rows.pop(job_id, None)
        if row is not None:
            row.remove()
        self.display = bool(self._transfers)
        return transfer

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
        transfer = self._finished(worker.name)
        if transfer is None:
            return
        if event.state is WorkerState.SUCCESS and isinstance(worker.result, Path):
            where = safe(str(worker.result))
            self.notify(f"Downloaded {transfer.shown}\n{where}", markup=False, timeout=10)
        elif event.state is WorkerState.ERROR:
            error = worker.error
            from yike_tui.actions.download import DownloadError

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
