"""What changes the watch list from the main screen: a (add job ids), n (submit a novel: its
new job is watched and selected), d (remove the selected job, or every marked one, asked
first). The list shows the change at once; the watch list is saved in a worker."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text

from yike_tui.session import WatchListError
from yike_tui.ui.cells import safe
from yike_tui.ui.screens.confirm import ConfirmScreen, listing
from yike_tui.ui.widgets.job_table import JobTable

if TYPE_CHECKING:
    from yike_tui.ui.screens.add_jobs import AddRequest
    from yike_tui.ui.screens.main import MainScreen


class WatchListEdits:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def add(self) -> None:
        # The dialogs are imported when first opened: none is on the first frame.
        from yike_tui.ui.screens.add_jobs import AddJobsScreen

        self.screen.app.push_screen(AddJobsScreen(), self._added)

    def _added(self, request: AddRequest | None) -> None:
        screen = self.screen
        if request is None or screen.monitor is None:
            return
        added = screen.monitor.add(request.job_ids, label=request.label)
        skipped = len(request.job_ids) - len(added)
        screen.query_one(JobTable).sync(added, screen.wall())
        screen.panes.show_empty_state()
        screen.show_selected()
        note = f"Added {len(added)} job(s)" + (f"; {skipped} already watched" if skipped else "")
        screen.notify(note)
        if screen.session and screen.session.watchlist_writable and added:
            work = self._save_added(added, request.label)
            screen.run_worker(work, group="config", exit_on_error=False)

    async def _save_added(self, ids: list[str], label: str) -> None:
        session = self.screen.session
        try:
            if session:
                await asyncio.to_thread(session.watch, ids, label)
        except WatchListError as exc:
            self.screen.notify(
                f"Not saved to the watch list: {exc}", severity="error", markup=False
            )

    def submit(self) -> None:
        """n: the submit form (a novel on disk → upload → a new job, selected in the list)."""
        screen = self.screen
        if screen.client is None:
            return
        store = screen.session.store if screen.session else None
        from yike_tui.ui.screens.submit_form import SubmitForm

        form = SubmitForm(screen.client, store, readonly=screen.readonly)
        screen.app.push_screen(form, self._submitted)

    def _submitted(self, job_id: str | None) -> None:
        screen = self.screen
        if job_id is None or screen.monitor is None:
            return
        added = screen.monitor.add([job_id])
        table = screen.query_one(JobTable)
        table.sync(added, screen.wall())
        screen.panes.show_empty_state()
        table.move_cursor(row=table.get_row_index(job_id))
        screen.show_selected()
        screen.notify(f"Submitted {safe(job_id)}: it is selected in the list", markup=False)
        if screen.credit_watch is not None:
            screen.credit_watch.soon()  # the balance to read now, not in ten minutes
        if screen.session and screen.session.watchlist_writable and added:
            screen.run_worker(self._save_added(added, ""), group="config", exit_on_error=False)

    def remove(self) -> None:
        """d: the selected job, or every marked one, off the watch list (asked first)."""
        screen = self.screen
        if marked := screen.marked_states():
            ids = [s.job_id for s in marked]
            count = f"{len(ids)} job{'s' if len(ids) > 1 else ''}"
            question = f"Remove {count} from the watch list?"
            detail = listing([screen.title_of(job_id) for job_id in ids])
        elif (state := screen.selected_state()) is not None:
            ids = [state.job_id]
            question = "Remove this job from the watch list?"
            detail = Text(f"{safe(screen.title_of(state.job_id), 80)}\n{safe(state.job_id)}")
        else:
            return
        said = safe(screen.title_of(ids[0]), 60) if len(ids) == 1 else f"{len(ids)} jobs"

        def done(yes: bool | None) -> None:
            if not yes or screen.monitor is None:
                return
            screen.monitor.remove(ids)
            table = screen.query_one(JobTable)
            for job_id in ids:
                table.remove_job(job_id)
            screen.panes.show_empty_state()
            screen.show_selected()
            screen.notify(f"Removed {said}", markup=False)
            if screen.session and screen.session.watchlist_writable:
                work = asyncio.to_thread(screen.session.unwatch, ids)
                screen.run_worker(work, group="config", exit_on_error=False)

        screen.app.push_screen(ConfirmScreen(question, detail, "Remove"), done)
