"""The main screen: the job list and its panes, the keys that act on them, and the engine's
news arriving as messages (Frogmouth's ``screens/main.py`` is the model)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from yike_tui.actions.download_record import DownloadRecord
from yike_tui.actions.job_charges import ChargeBook
from yike_tui.api.credits import Credits, JobCharge
from yike_tui.core.events import Event
from yike_tui.engine.credit_watch import CreditWatch
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.shared import SharedMonitor
from yike_tui.engine.status import Update
from yike_tui.session import Session
from yike_tui.ui import welcome
from yike_tui.ui.cells import safe
from yike_tui.ui.engine_feed import EngineFeed
from yike_tui.ui.job_actions import JobActions
from yike_tui.ui.keys import (
    CANCEL,
    CONFIRM_KEYS,
    FOLD_KEYS,
    JUMP,
    KEYS,
    MAIN_KEYS,
    STORYBOARD_KEYS,
    TABLE_KEYS,
    refusal,
    submit_key,
)
from yike_tui.ui.messages import CopyRequested
from yike_tui.ui.notifier import Notifier
from yike_tui.ui.output_links import OutputLinks
from yike_tui.ui.pane_layout import PaneLayout
from yike_tui.ui.screens.help import HelpScreen, key_rows
from yike_tui.ui.watch_list_edits import WatchListEdits
from yike_tui.ui.widgets.detail import DetailPane
from yike_tui.ui.widgets.downloads import Downloads
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_filter import JobFilter
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient

log = logging.getLogger(__name__)

UI_BATCH = 1.0  # seconds: engine news closer together than this is drawn together
AGES_EVERY = 10  # ticks (seconds) between redraws of the "3m ago" columns
STATUS_FRESH = 0.9  # seconds: a status bar drawn this recently is not redrawn by the tick
CHANGES_STATE = frozenset({"add", "remove", "resume_job", "submit"})
# Without credentials the list is as last fetched: what asks the API is off too.
NEEDS_API = frozenset({"refresh", "refresh_all", "pause", "copy_url", "open", "download"})
WITHOUT_ENGINE = frozenset({"help"})  # the welcome screen: nothing else means anything


class MainScreen(Screen[None]):
    # View state: set it and the panes are laid out again (the watchers below).
    zoomed: reactive[str | None] = reactive(None, init=False)  # z: one pane, full size
    events_open: reactive[bool] = reactive(False, init=False)  # e: the event log below

    AUTO_FOCUS = "#jobs"
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_KEYS)

    def __init__(
        self,
        session: Session | None,
        client: Callable[[], ApiClient | None],
        monitor: Monitor | None,
        *,
        readonly: bool,
        problem: str,
        wall: Callable[[], float],
        batch: float = UI_BATCH,
    ) -> None:
        super().__init__()
        self.session, self._client, self.monitor = session, client, monitor
        self.readonly, self.problem, self.wall = readonly, problem, wall
        self.feed = EngineFeed(self, batch)  # the engine's subscriber
        self.notifier = Notifier()
        self.outputs = OutputLinks(self, monitor, self.copy_text, self._charges_known)
        self.panes = PaneLayout(self)
        self.job_actions = JobActions(self)  # c, y, m, D, u: the marked jobs' or the selected one's
        self.list_edits = WatchListEdits(self)  # a, n, d
        self._held: Timer | None = None  # draws what a burst left once the batch is over
        self._ticks = 0
        self._status_drawn_at = -1.0  # monotonic: when the status bar was last brought up to date
        # The balance for the status bar and a Suspended job's detail.
        self.credit_watch: CreditWatch | None = None
        self._account_told = ""  # the account refusal a toast has said (the bar keeps it)
        # What the job looked at was charged (the Yike product only), for its detail.
        self.charges: ChargeBook | None = None  # with the client, after the first frame

    @property
    def client(self) -> ApiClient | None:
        """The app's API client (made on first use; None without credentials)."""
        return self._client()

    def copy_text(self, text: str, what: str, *, link: bool = False) -> None:
        self.post_message(CopyRequested(text, what, link))

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="banner"):  # no credentials: what the list is, once
            yield Static(id="banner-text", markup=False)
        yield JobFilter(id="filter")
        with Horizontal(id="main"):
            yield JobTable(self.states, id="jobs")
            yield Static(welcome.text(self.session, self.problem), id="welcome", markup=False)
            with Vertical(id="side"):
                yield DetailPane(id="detail")
                yield StoryboardTree(id="tree")
        yield EventLog(self.title_of, self._storyboard_title, id="events")
        store = self.session.store if self.session else None
        yield Downloads(DownloadRecord(store), id="downloads")
        yield StatusBar(id="status")
        yield Footer(compact=True)  # 80 columns show every key shown at 160

    def on_mount(self) -> None:
        self.query_one("#detail").border_title = "Detail"
        self.query_one("#tree").border_title = "Storyboards"
        self.query_one("#events").border_title = "Events (e)"
        self.query_one(JobTable).sync(self.states().keys(), self.wall())
        self.panes.show_empty_state()
        self.show_selected()
        self.set_interval(1.0, self._tick)
        if self.monitor is not None and self.session and self.session.store:
            # A shared engine's news after its marks comes through the feed: not twice.
            upto = (
                self.monitor.follower.event_id if isinstance(self.monitor, SharedMonitor) else None
            )
            events = self.session.store.recent_events(200, upto=upto)
            self.query_one(EventLog).add(reversed(events))
        self._tick()
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """The first frame is drawn from the watch list's first jobs and what is stored:
        now the client (its imports), the engine and the credit watch, and the others."""
        if self.monitor is not None and (client := self.client):  # else nothing can be fetched
            self.charges = ChargeBook.of_client(client, on_change=self._charge_read)
            self.monitor.subscribe(self.feed)
            self.run_worker(self.monitor.run(), group="engine", exclusive=True, exit_on_error=False)
            # Beside the engine, cancelled with the screen.
            self.credit_watch = CreditWatch.of_client(client, on_change=self._credits_changed)
            self.run_worker(self.credit_watch.run(), group="credits", exit_on_error=False)
            self.show_selected()  # what its charge was can be asked now
        self._read_more_jobs()

    def _read_more_jobs(self) -> None:
        """The rest of the watch list (the first frame showed its first jobs)."""
        if self.session is not None and self.monitor is not None:
            more = self._more_jobs(self.session, self.monitor)
            self.run_worker(more, group="watchlist", exit_on_error=False)

    async def _more_jobs(self, session: Session, monitor: Monitor) -> None:
        """The rest of the watch list, a page at a time, each page in the list as it comes
        (keys are answered between pages)."""
        table = self.query_one(JobTable)
        for added in session.more_jobs(monitor):
            table.sync(added, self.wall())
            await asyncio.sleep(0)
        self.panes.show_empty_state()
        self.refresh_status()

    def states(self) -> dict[str, JobState]:
        return self.monitor.jobs if self.monitor else {}

    def title_of(self, job_id: str) -> str:
        state = self.states().get(job_id)
        return job_id[:12] if state is None else state.display_title

    def _storyboard_title(self, job_id: str, storyboard_id: str) -> str:
        """A storyboard's title as its job's last answer has it ("" if not known)."""
        state = self.states().get(job_id)
        job = state.job if state is not None else None
        found = (sb for sb in job.storyboards if sb.id == storyboard_id) if job else iter(())
        return next((sb.title for sb in found), "")

    # --- the engine's news -----------------------------------------------------------------

    def on_engine_feed_updated(self) -> None:
        # Every table change repaints the visible rows, so news is drawn at most once per
        # batch: the first at once, what follows when the batch is over.
        if not self.feed.pending:
            # Only the engine's status moved (a pass ended, paused, resumed): one line to
            # redraw, so the status bar says it now rather than at the next tick.
            self.refresh_status()
            return
        wait = self.feed.due_in(time.monotonic())
        if wait <= 0:
            self.flush_updates()
        elif self._held is None:
            self._held = self.set_timer(wait, self.flush_updates)

    def flush_updates(self) -> None:
        """Draw what the engine reported but the batching still holds."""
        if self._held is not None:
            self._held.stop()
            self._held = None
        update = self.feed.take(time.monotonic())
        if update is not None:
            self._apply(update)

    def _apply(self, update: Update) -> None:
        table = self.query_one(JobTable)
        table.sync(update.changed, self.wall())
        if table.selected_id in update.changed or not table.row_count:
            self.show_selected()
        if update.events:
            self.query_one(EventLog).add(update.events)
            self._announce(update.events)
        self.panes.show_empty_state()
        self.refresh_status()

    def _announce(self, events: Iterable[Event]) -> None:
        notes = self.notifier.select(list(events), self.title_of)
        for job_id, title, message, severity in notes:
            self.notify(message, title=title, severity=severity, timeout=6, markup=False)
            if job_id:
                self.query_one(JobTable).flash(job_id)

    def _tick(self) -> None:
        self._ticks += 1
        # While the engine's news comes every second, it redraws the status bar already: a
        # second redraw a moment later would cost a frame (and a terminal write) for nothing.
        if time.monotonic() - self._status_drawn_at >= STATUS_FRESH:
            self.refresh_status()
        if self._ticks % AGES_EVERY == 0:
            self.query_one(JobTable).refresh_ages(self.wall())

    def refresh_status(self) -> None:
        self._status_drawn_at = time.monotonic()
        note = self.credit_watch.note if self.credit_watch else ""
        marked = self.query_one(JobTable).marked_count
        self.query_one(StatusBar).show_engine(
            self.monitor, self.session, self.wall(), self._balance, note, self.readonly, marked
        )
        problem = self.monitor.status.account_problem if self.monitor else ""
        if problem and problem != self._account_told:
            # Whole, once: a narrow status bar cuts what to do from its end.
            self.notify(problem, title="Account", severity="error", timeout=20, markup=False)
        elif self._account_told and not problem:  # the toast above may still be up
            self.notify("The API serves the account again.", title="Account", timeout=6)
        self._account_told = problem

    @property
    def _balance(self) -> Credits | None:
        return self.credit_watch.shown if self.credit_watch else None

    def _credits_changed(self) -> None:
        self.refresh_status()
        self.show_selected()

    @property
    def no_credentials(self) -> bool:
        """A session without credentials: the watch list as last fetched, read-only."""
        return self.session is not None and self.session.conn is None

    # --- background work ---------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Where any worker's error lands (downloads say their own): the status bar and a
        toast, one line each; the screen stays."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        log.error("%s failed", event.worker.group, exc_info=error)
        what = "The refresh engine" if event.worker.group == "engine" else event.worker.group
        message = safe(f"{what} failed: {type(error).__name__}: {error}", 300)
        self.notify(message, severity="error", markup=False)

    # --- selection and focus -----------------------------------------------------------------

    def on_job_table_highlighted(self) -> None:
        self.show_selected()

    def on_job_table_marks_changed(self) -> None:
        self.refresh_status()  # "3 marked"

    def on_job_table_selected(self) -> None:
        self.query_one(DetailPane).focus()  # enter on a row: read its detail

    def on_event_log_chosen(self, message: EventLog.Chosen) -> None:
        """enter on an event: its job selected in the list (the detail follows), the list
        focused; a filter that hides the job is cleared, and a job no longer watched is
        said to be."""
        job_id, table = message.job_id, self.query_one(JobTable)
        if job_id not in self.states():
            self.notify(f"{safe(job_id[:12])} is no longer watched.", timeout=3, markup=False)
            return
        if job_id not in table.rows:
            self.query_one(JobFilter).close()  # the list shows every job again
            table.filter_text = ""
        table.move_cursor(row=table.get_row_index(job_id))
        if self.zoomed is not None:
            self.zoomed = "jobs"
        table.focus()

    def on_event_log_hidden(self) -> None:
        # Closing the log while it had the focus leaves nothing focused: j/k/g/G would do
        # nothing until Tab. The job list takes it back.
        if self.focused is None:
            self.query_one(JobTable).focus()

    def selected_state(self) -> JobState | None:
        job_id = self.query_one(JobTable).selected_id
        return self.states().get(job_id) if job_id else None

    def show_selected(self) -> None:
        state = self.selected_state()
        charge = self.charges.get(state.job_id) if self.charges and state else None
        self.query_one(DetailPane).show(state, self.wall(), self._balance, charge)
        self.query_one(StoryboardTree).show(state)
        job = state.job if state is not None else None
        if self.charges is not None and job is not None and self.charges.wanted(job):
            # One look at a time: moving on cancels the wait (and the read) of the last.
            work = self.charges.look(job)
            self.run_worker(work, group="charges", exclusive=True, exit_on_error=False)

    def _charges_known(self) -> dict[str, JobCharge]:
        return self.charges.charges() if self.charges is not None else {}

    def _charge_read(self, job_id: str) -> None:
        state = self.selected_state()
        if state is not None and state.job_id == job_id:
            self.show_selected()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(JobTable).filter_text = event.value.strip()  # the list redraws itself

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        """Enter: the filter stays (the list's title says it), the box goes: its row is
        the list's again."""
        self.query_one(JobFilter).collapse()
        self.query_one(JobTable).focus()

    # --- which keys mean something -------------------------------------------------------

    def _turned_off(self) -> frozenset[str]:
        if self.no_credentials:
            return CHANGES_STATE | NEEDS_API
        return CHANGES_STATE if self.readonly else frozenset()

    def on_key(self, event: events.Key) -> None:
        if off := self._turned_off():
            reason = "no usable credentials" if self.no_credentials else "started with --readonly"
            bindings = [b for b in MAIN_KEYS if b.action in off]
            why = refusal(event.key, bindings, self.app._keymap, reason)
            if why:
                self.notify(why, severity="warning", timeout=3)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._turned_off():
            return False  # hidden from the footer and the palette (a press says why)
        if self.monitor is None:
            return action in WITHOUT_ENGINE
        return True

    # --- the selected job, or the marked ones ----------------------------------------------

    def marked_states(self) -> list[JobState]:
        """The marked rows' jobs (space): what u, d, D, c, y and m act on when any are."""
        states = self.states()
        return [states[j] for j in self.query_one(JobTable).marked if j in states]

    def action_copy_url(self) -> None:
        self.job_actions.copy_url()

    def action_copy_id(self) -> None:
        self.job_actions.copy_id()

    def action_open(self) -> None:  # y and o on a storyboard are the tree's own
        self.outputs.open_output(self.selected_state())

    def action_report(self) -> None:
        self.job_actions.report()

    def action_download(self) -> None:
        self.job_actions.download()

    def action_cancel_downloads(self) -> None:
        self.query_one(Downloads).cancel_all()

    def action_resume_job(self) -> None:
        self.job_actions.resume()

    # --- the watch list ------------------------------------------------------------------

    def action_add(self) -> None:
        self.list_edits.add()

    def action_submit(self) -> None:
        self.list_edits.submit()

    def action_remove(self) -> None:
        self.list_edits.remove()

    # --- the engine ----------------------------------------------------------------------

    def action_refresh(self) -> None:
        state = self.selected_state()
        if state is not None and self.monitor is not None:
            self.monitor.refresh_now(state.job_id)
            title = safe(self.title_of(state.job_id), 60)
            self.notify(f"Refreshing {title}", timeout=2, markup=False)

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
        self.refresh_status()

    # --- the view ------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(JobFilter).open()

    def action_clear_filter(self) -> None:
        """esc backs out one level: the filter, then the marks."""
        table = self.query_one(JobTable)
        if self.query_one(JobFilter).close():
            table.focus()
        elif count := table.clear_marks():
            self.notify(f"{count} unmarked", timeout=2)

    def action_sort(self) -> None:
        table = self.query_one(JobTable)
        table.sort = table.sort.next()  # the list re-sorts itself
        self.notify(f"Sorted {table.sort.name} (S reverses)", timeout=2)

    def action_reverse_sort(self) -> None:
        table = self.query_one(JobTable)
        table.sort = table.sort.turned()
        self.notify(f"Sorted {table.sort.name}", timeout=2)

    def watch_zoomed(self) -> None:
        self.panes.arrange()

    def watch_events_open(self) -> None:
        self.panes.arrange()

    def action_events(self) -> None:
        self.zoomed = None  # the log comes (or goes) beside the others
        self.events_open = not self.events_open

    def action_zoom(self) -> None:
        self.panes.zoom()

    def action_pane(self, name: str) -> None:
        self.panes.focus(name)

    def action_help(self) -> None:
        app = self.app
        rows = key_rows(app, KEYS) + key_rows(app, TABLE_KEYS)
        rows += key_rows(app, [*FOLD_KEYS, *STORYBOARD_KEYS], "on a storyboard")
        rows += key_rows(app, [JUMP], "in the event log")
        dialogs = [submit_key("Submit, add"), CANCEL, *CONFIRM_KEYS]
        rows += key_rows(app, dialogs, "in a dialog")
        app.push_screen(HelpScreen(rows))
