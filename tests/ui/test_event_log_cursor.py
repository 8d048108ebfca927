"""The event log is a list to move in: a cursor when focused, enter goes to the event's
job in the job list (selected, its detail shown), storyboards named by title.
Pilot against the simulator."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.ui.conftest import AppFactory, by_title, toast_texts
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.core.events import EventKind
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_table import JobTable


def detail_text(app: YikeApp) -> str:
    return str(app.query_one("#detail-body").render())


async def open_log(pilot: Pilot[int]) -> EventLog:
    """4: the log opened and focused."""
    log = pilot.app.query_one(EventLog)
    await pilot.press("4")
    await wait_for(pilot, lambda: log.display and pilot.app.focused is log, "the log focused")
    return log


async def move_to(
    pilot: Pilot[int], log: EventLog, job_id: str, kind: EventKind | None = None
) -> None:
    """j (down) until the cursor is on one of ``job_id``'s events (of ``kind``)."""
    for _ in range(log.count):
        event = log.selected
        if event is not None and event.job_id == job_id and kind in (None, event.kind):
            return
        row = log.cursor_row
        await pilot.press("j")
        await wait_for(pilot, lambda: log.cursor_row == row + 1, "j to move the cursor")  # noqa: B023
    raise AssertionError(f"no event of {job_id!r} in the log")


async def test_enter_on_an_event_selects_its_job_and_shows_its_detail(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        assert table.selected_id != courier
        log = await open_log(pilot)
        assert log.cursor_row == 0 and log.selected is not None  # on the newest
        await move_to(pilot, log, courier)
        await pilot.press("k", "j")  # the cursor goes back and forth, as in the job list
        await wait_for(pilot, lambda: log.selected and log.selected.job_id == courier, "back")
        await pilot.press("enter")
        await wait_for(pilot, lambda: table.selected_id == courier, "the job selected")
        assert app.focused is table  # j/k move in the list now
        await wait_for(pilot, lambda: "Midnight Courier" in detail_text(app), "its detail")
        assert log.display  # the log stays open


async def test_enter_clears_a_filter_that_hides_the_job(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        await pilot.press("slash", *"harbour", "enter")
        await wait_for(pilot, lambda: table.row_count == 1, "the filter to hide the rest")
        log = await open_log(pilot)
        await move_to(pilot, log, courier)
        await pilot.press("enter")
        await wait_for(pilot, lambda: table.selected_id == courier, "the job selected")
        assert table.filter_text == "" and table.row_count == len(sim.job_ids)


async def test_storyboards_are_named_by_their_titles(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")
    app = make_app([courier])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None
        job = app.monitor.jobs[courier].job
        assert job is not None
        failed = next(sb for sb in job.storyboards if sb.is_failed)
        shot = next(s for s in job.failed_shots if s.storyboard_id == failed.id)
        log = await open_log(pilot)
        lines = log.line_texts()
        said_failed = f"storyboard “{failed.title}” failed (Editing/CreateFailed, Exception)"
        assert any(said_failed in line for line in lines), lines
        said = f"shot {shot.shot_id} of “{failed.title}” failed: {shot.error_code}"
        assert any(said in line for line in lines), lines
        kinds = {e.kind for e in log._events}
        assert {EventKind.STORYBOARD_FAILED, EventKind.SHOT_FAILED} <= kinds
        assert not any(failed.id in line for line in lines)  # the title, not the id


async def test_a_note_says_it_is_no_job_s(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app([by_title(sim, "Harbour Lights")])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        for n in range(4):  # two toasts shown, the rest go to the log as notes
            app.notify(f"problem {n}")
        log = await open_log(pilot)
        await move_to(pilot, log, "", EventKind.NOTE)
        before = detail_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("not about a job" in n for n in toast_texts(app)))
        assert app.focused is log and detail_text(app) == before
