"""What c, y, m, D and u do on the main screen: to every marked row's job when rows are
marked (space), else to the selected one. The output links' own work (a fresh URL, the
browser, the report) is ``OutputLinks``'s; resuming is ``resume_job``'s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from yike_tui.engine.job_state import JobState
from yike_tui.ui.resume_job import ask_to_resume, ask_to_resume_marked
from yike_tui.ui.widgets.downloads import Downloads
from yike_tui.ui.widgets.job_table import JobTable

if TYPE_CHECKING:
    from yike_tui.ui.screens.main import MainScreen


class JobActions:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def copy_url(self) -> None:
        screen = self.screen
        if marked := screen.marked_states():
            screen.outputs.copy_urls(marked)
        else:
            screen.outputs.copy_url(screen.selected_state())

    def copy_id(self) -> None:
        screen = self.screen
        if marked := screen.marked_states():
            screen.copy_text("\n".join(s.job_id for s in marked), f"Copied {len(marked)} job ids")
        elif (state := screen.selected_state()) is not None:
            screen.copy_text(state.job_id, "Copied job id")

    def report(self) -> None:
        """m: the marked jobs' report, else that of every job the filter shows."""
        table = self.screen.query_one(JobTable)
        marked = self.screen.marked_states()
        self.screen.outputs.copy_report(
            marked or (s for s in table.ordered_states() if table.matches(s))
        )

    def resume(self) -> None:
        screen = self.screen
        if screen.client is None or screen.monitor is None:
            return
        if marked := screen.marked_states():
            ask_to_resume_marked(screen, screen.client, screen.monitor, marked, screen.title_of)
        elif (state := screen.selected_state()) is not None:
            title = screen.title_of(state.job_id)
            ask_to_resume(screen, screen.client, screen.monitor, state, title)

    def download(self) -> None:
        """D: the selected job's video; with rows marked, each marked job's that has one
        (one toast counts those that have none)."""
        screen = self.screen
        if marked := screen.marked_states():
            having = [s for s in marked if s.job is not None and s.job.output_url]
            for each in having:
                self._download(each)
            if len(having) < len(marked):
                none = len(marked) - len(having)
                note = f"{none} of the {len(marked)} marked jobs have no output video to download."
                screen.notify(note, severity="warning")
            return
        if (state := screen.outputs.usable(screen.selected_state())) is not None:
            self._download(state)

    def _download(self, state: JobState) -> None:
        screen = self.screen
        if state.job is None or screen.client is None:
            return
        job_id = state.job_id
        screen.query_one(Downloads).download_job(
            job_id,
            state.job.title,
            screen.title_of(job_id),
            screen.session.settings.downloads_dir if screen.session else "",
            url=state.job.output_url,
            client=screen.client,
            fresh_url=lambda: screen.outputs.fresh_url(job_id),
        )
