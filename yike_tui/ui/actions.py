"""What the keys do. A mixin so the App stays a layout and a router."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, Static

from yike_tui import clipboard, config, links, paths
from yike_tui.api.client import IceClient
from yike_tui.api.errors import ApiError
from yike_tui.monitor import JobState, Monitor
from yike_tui.presentation import is_redacted, redact_url
from yike_tui.report import render_report
from yike_tui.session import Session
from yike_tui.ui.cells import safe
from yike_tui.ui.screens.add_jobs import AddJobsScreen, AddRequest
from yike_tui.ui.screens.confirm import ConfirmScreen
from yike_tui.ui.screens.help import HelpScreen
from yike_tui.ui.widgets.detail import no_output_message
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.storyboard_tree import StoryboardRef, StoryboardTree

CHANGES_STATE = frozenset({"add", "remove", "resume_job"})
WITHOUT_ENGINE = frozenset({"quit", "help", "command_palette"})


def _kept_bytes(dest: Path, job_id: str) -> int:
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


class ActionsMixin(App[int]):
    """The App's actions; ``YikeApp`` provides the state and the helpers declared here."""

    session: Session | None
    client: IceClient | None
    monitor: Monitor | None
    readonly: bool
    wall: Callable[[], float]
    last_copied: str
    _downloads: dict[str, asyncio.Event]  # job id -> cancel, while downloading
    _download_lines: dict[str, str]  # job id -> its progress line

    def selected_state(self) -> JobState | None:
        raise NotImplementedError

    def _title_of(self, job_id: str) -> str:
        raise NotImplementedError

    def _show_selected(self) -> None:
        raise NotImplementedError

    def _show_empty_state(self) -> None:
        raise NotImplementedError

    def _refresh_status(self) -> None:
        raise NotImplementedError

    def on_key(self, event: events.Key) -> None:
        """--readonly turns a, d and u off (hidden from the footer and the palette): a key
        that does nothing must still say why."""
        if not self.readonly or self.screen is not self.screen_stack[0]:
            return
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action not in CHANGES_STATE:
                continue
            keys = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
            if event.key in (key.strip() for key in keys.split(",")):
                message = f"Read-only (started with --readonly): {binding.description} is off."
                self.notify(message, severity="warning", timeout=3)
                return

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CHANGES_STATE and self.readonly:
            return False  # --readonly: hidden from the footer and the palette
        if self.monitor is None:
            return action in WITHOUT_ENGINE  # the welcome screen: nothing else means anything
        return True

    # --- copying and opening -------------------------------------------------------------

    def _copy(self, text: str, what: str, *, link: bool = False) -> None:
        mode = self.session.settings.clipboard if self.session else "auto"
        result = clipboard.copy(text, mode, write=self._write_terminal, link=link)
        if result.ok:
            self.last_copied = text
        shown = safe(redact_url(text)) if text.startswith("http") else safe(text, 60)
        message = f"{what}: {shown}\n{result.message}"
        self.notify(message, severity="information" if result.ok else "warning", markup=False)

    def _write_terminal(self, data: str) -> None:
        driver = self._driver
        if driver is not None:
            driver.write(data)

    def _focused_storyboard(self) -> StoryboardRef | None:
        """The storyboard under the tree's cursor, when the tree is the focused pane."""
        tree = self.query_one(StoryboardTree)
        return tree.selected_storyboard if tree.has_focus else None

    def _storyboard_link(self) -> str | None:
        ref = self._focused_storyboard()
        return links.editor_url(ref.storyboard) if ref else None

    def action_copy_url(self) -> None:
        state = self.selected_state()
        if state is None:
            self.notify("No job selected.", severity="warning")
            return
        url = state.job.output_url if state.job else ""
        if not url:
            self.notify(no_output_message(state), severity="warning", markup=False)
            return
        if is_redacted(url):
            self.run_worker(self._copy_fresh(state.job_id), group="copy")
            return
        self._copy(url, "Copied output URL", link=True)

    async def _copy_fresh(self, job_id: str) -> None:
        url = await self._fresh_output_url(job_id)
        if url:
            self._copy(url, "Copied output URL", link=True)

    async def _fresh_output_url(self, job_id: str) -> str:
        """The output URL from a fetch made now: the signed link is never kept on disk."""
        assert self.monitor is not None
        state = await self.monitor.fetch_now(job_id)
        url = state.job.output_url if state.job else ""
        if state.error is not None or not url or is_redacted(url):
            why = f"{state.error.code}: {state.error.message}" if state.error else "no URL"
            self.notify(f"Could not get a fresh output URL ({why})", severity="error", markup=False)
            return ""
        return url

    def action_copy_id(self) -> None:
        ref = self._focused_storyboard()
        if ref is not None:
            link = links.editor_url(ref.storyboard)
            if link:
                self._copy(link, "Copied editor link", link=True)
            else:
                message = "This storyboard has no editor page yet (still parsing)."
                self.notify(message, severity="warning")
            return
        state = self.selected_state()
        if state is not None:
            self._copy(state.job_id, "Copied job id")

    def action_open(self) -> None:
        tree_focused = self.query_one(StoryboardTree).has_focus
        url = self._storyboard_link() if tree_focused else None
        if tree_focused and url is None:
            self.notify("This storyboard has no editor page yet.", severity="warning")
            return
        job_id = ""
        if url is None:
            state = self.selected_state()
            url = state.job.output_url if state and state.job else ""
            if state is None:
                self.notify("No job selected.", severity="warning")
                return
            if not url:
                self.notify(no_output_message(state), severity="warning", markup=False)
                return
            job_id = state.job_id
        self.run_worker(self._open(url, job_id), group="open")

    async def _open(self, url: str, job_id: str = "") -> None:
        if job_id and is_redacted(url):
            url = await self._fresh_output_url(job_id)
            if not url:
                return
        try:
            message = await asyncio.to_thread(links.open_url, url)
        except ValueError as exc:
            message = str(exc)
        self.notify(message, markup=False)

    # --- watch list ----------------------------------------------------------------------

    def action_add(self) -> None:
        self.push_screen(AddJobsScreen(), self._added)

    def _added(self, request: AddRequest | None) -> None:
        if request is None or self.monitor is None:
            return
        added = self.monitor.add(request.job_ids, label=request.label)
        skipped = len(request.job_ids) - len(added)
        self.query_one(JobTable).sync(added, self.wall())
        self._show_empty_state()
        self._show_selected()
        note = f"Added {len(added)} job(s)" + (f"; {skipped} already watched" if skipped else "")
        self.notify(note)
        if self.session and self.session.config_writable and added:
            self.run_worker(self._save_added(added, request.label), group="config")

    async def _save_added(self, ids: list[str], label: str) -> None:
        try:
            await asyncio.to_thread(config.add_jobs, ids, label)
        except (config.ConfigError, OSError) as exc:
            self.notify(f"Not saved to the watch list: {exc}", severity="error", markup=False)

    def action_remove(self) -> None:
        state = self.selected_state()
        if state is None:
            return
        detail = Text(f"{safe(self._title_of(state.job_id), 80)}\n{safe(state.job_id)}")

        def done(yes: bool | None) -> None:
            if yes and self.monitor is not None:
                self.monitor.remove([state.job_id])
                self.query_one(JobTable).remove_job(state.job_id)
                self._show_empty_state()
                self._show_selected()
                self.notify(f"Removed {safe(self._title_of(state.job_id), 60)}", markup=False)
                if self.session and self.session.config_writable:
                    self.run_worker(
                        asyncio.to_thread(config.remove_jobs, [state.job_id]), group="config"
                    )

        self.push_screen(
            ConfirmScreen("Remove this job from the watch list?", detail, "Remove"), done
        )

    # --- engine control ------------------------------------------------------------------

    def action_refresh(self) -> None:
        state = self.selected_state()
        if state is not None and self.monitor is not None:
            self.monitor.refresh_now(state.job_id)
            self.notify(
                f"Refreshing {safe(self._title_of(state.job_id), 60)}", timeout=2, markup=False
            )

    def action_refresh_all(self) -> None:
        if self.monitor is not None:
            if self.monitor.status.pause_reason:
                self.monitor.retry()
            self.monitor.refresh_now()
            self.notify("Refreshing all jobs", timeout=2)

    def action_pause(self) -> None:
        if self.monitor is None:
            return
        if self.monitor.status.paused:
            self.monitor.resume()
            self.notify("Auto-refresh resumed", timeout=2)
        else:
            self.monitor.pause()
            self.notify("Auto-refresh paused (p resumes)", timeout=2)
        self._refresh_status()

    def action_resume_job(self) -> None:
        state = self.selected_state()
        if state is None or self.client is None:
            return
        if state.job is None or state.job.status.value != "Suspended":
            self.notify("Only a Suspended job can be resumed.", severity="warning")
            return
        detail = Text(f"{safe(self._title_of(state.job_id), 80)}\n{safe(state.job_id)}")

        def done(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._resume(state.job_id), group="resume")

        self.push_screen(ConfirmScreen("Resume this suspended job?", detail, "Resume"), done)

    async def _resume(self, job_id: str) -> None:
        assert self.client is not None and self.monitor is not None
        try:
            await self.client.resume_job(job_id)
        except ApiError as err:
            self.notify(f"Resume failed: {err.code}: {err.message}", severity="error", markup=False)
            return
        self.notify(f"Resumed {safe(self._title_of(job_id), 60)}", markup=False)
        self.monitor.refresh_now(job_id)

    # --- view ----------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display or box.value:
            box.value = ""
            box.display = False
            self.query_one(JobTable).focus()

    def action_sort(self) -> None:
        name = self.query_one(JobTable).cycle_sort(self.wall())
        self.notify(f"Sorted by {name}", timeout=2)

    def action_events(self) -> None:
        log = self.query_one(EventLog)
        log.display = not log.display
        if log.display:
            log.render_events()

    def action_help(self) -> None:
        rows = []
        for binding in [*self.BINDINGS, *JobTable.BINDINGS]:
            assert isinstance(binding, Binding)
            keys = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
            shown = " / ".join(
                self.get_key_display(Binding(key.strip(), binding.action))
                for key in keys.split(",")
            )
            rows.append((shown, binding.description, binding.id or ""))
        rows += [("tab", "next pane", ""), ("ctrl+p", "command palette", "")]
        self.push_screen(HelpScreen(rows))

    def action_report(self) -> None:
        table = self.query_one(JobTable)
        jobs = [s.job for s in table.ordered_states() if s.job is not None and table.matches(s)]
        if not jobs:
            self.notify("No jobs to report yet.", severity="warning")
            return
        self._copy(render_report(jobs, "md"), f"Copied a Markdown report of {len(jobs)} job(s)")

    # --- downloads -----------------------------------------------------------------------

    def action_download(self) -> None:
        state = self.selected_state()
        if state is None or self.client is None:
            return
        if not state.job or not state.job.output_url:
            self.notify(no_output_message(state), severity="warning", markup=False)
            return
        if state.job_id in self._downloads:
            self.notify("Already downloading this job.", severity="warning")
            return
        cancel = asyncio.Event()
        self._downloads[state.job_id] = cancel
        self.run_worker(self._download(state.job_id, cancel), group="downloads")

    async def _download(self, job_id: str, cancel: asyncio.Event) -> None:
        from yike_tui.download import DownloadCancelled, DownloadError, Progress, download

        assert self.client is not None and self.monitor is not None
        state = self.monitor.jobs[job_id]
        assert state.job is not None
        title = state.job.title
        settings = self.session.settings if self.session else None
        dest = (
            Path(settings.downloads_dir)
            if settings and settings.downloads_dir
            else paths.downloads_dir()
        )
        shown = safe(self._title_of(job_id), 40)

        def progress(p: Progress) -> None:
            pct = f"{p.fraction * 100:.0f}%" if p.fraction is not None else f"{p.done // 1024} KiB"
            self._download_lines[job_id] = f"⇩ {shown} {pct} {p.speed / 1e6:.1f} MB/s"
            self._show_downloads()

        client = self.client

        async def fresh_url() -> str:
            job = await client.get_job(job_id)
            return job.output_url

        url = state.job.output_url
        if is_redacted(url):
            url = await self._fresh_output_url(job_id)
            if not url or cancel.is_set():
                if cancel.is_set():
                    self.notify(f"Download of {shown} cancelled before it started.", markup=False)
                self._downloads.pop(job_id, None)
                return
        try:
            path = await download(
                self.client.http,
                url,
                dest,
                title,
                job_id,
                on_progress=progress,
                refresh_url=fresh_url,
                cancel=cancel,
            )
            self.notify(f"Downloaded {shown}\n{safe(str(path))}", markup=False, timeout=10)
        except DownloadCancelled:
            # "The partial file is kept" only when there is one: no byte came, nothing is kept.
            held = await asyncio.to_thread(_kept_bytes, dest, job_id)
            if held:
                kept = f"the partial file ({held // 1024} KiB) is kept: D resumes it"
            else:
                kept = "no data had arrived, so there is nothing to resume"
            self.notify(f"Download of {shown} cancelled; {kept}.", markup=False)
        except DownloadError as exc:
            self.notify(f"Download of {shown}: {exc}", severity="error", markup=False)
        finally:
            self._downloads.pop(job_id, None)
            self._download_lines.pop(job_id, None)
            self._show_downloads()

    def _show_downloads(self) -> None:
        pane = self.query_one("#downloads", Static)
        lines = list(self._download_lines.values())
        pane.display = bool(lines)
        pane.update(Text("   ".join(lines) + "   (ctrl+x cancels)" if lines else ""))

    def action_cancel_downloads(self) -> None:
        if not self._downloads:
            self.notify("Nothing is downloading (D downloads the selected job's video).")
            return
        for cancel in self._downloads.values():
            cancel.set()
