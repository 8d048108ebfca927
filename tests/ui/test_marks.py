"""Space marks rows, as in k9s and lazygit: u, d, D, c, y and m act on the marked jobs when
any are (d asking first, saying how many), the rows show ● and the status bar "N marked",
esc unmarks. Pilot against the simulator."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import AppFactory, by_title, toast_texts
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.core.events import EventKind
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.screens.confirm import ConfirmScreen
from yike_tui.ui.widgets.downloads import Downloads
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_rows import MARKED
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar


def status(app: YikeApp) -> str:
    return str(app.query_one(StatusBar).render())


def gutter(app: YikeApp, job_id: str) -> str:
    """The cell left of a row's status: ● when marked."""
    table = app.query_one(JobTable)
    return table.render_line(table.get_row_index(job_id) + 1).text[0]


async def mark(pilot: Pilot[int], *job_ids: str) -> None:
    """Space on each of ``job_ids``' rows, as a user would: the cursor there, then space."""
    table = pilot.app.query_one(JobTable)
    for job_id in job_ids:
        table.move_cursor(row=table.get_row_index(job_id))
        await wait_for(pilot, lambda: table.selected_id == job_id, "the row selected")  # noqa: B023
        count = table.marked_count
        await pilot.press("space")
        await wait_for(pilot, lambda: table.marked_count == count + 1, "the row marked")  # noqa: B023


def heard(app: YikeApp) -> list[str]:
    """What the toasts said, those up and those moved to the event log (two at a time)."""
    log = app.query_one(EventLog)
    notes = [str(e.data.get("text")) for e in log._events if e.kind is EventKind.NOTE]
    return notes + toast_texts(app)


def resumes(sim: SimulatorThread) -> int:
    assert sim.server is not None
    return sum(1 for job in sim.server.sim.book for h in job.history if h.startswith("resumed"))


async def test_space_marks_shows_it_and_esc_unmarks(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        first, second = table.row_ids[:2]
        assert table.selected_id == first
        await pilot.press("space")
        await wait_for(pilot, lambda: table.marked == [first], "the first row marked")
        assert table.selected_id == second  # space moves on, to mark the next
        await pilot.press("space")
        await wait_for(pilot, lambda: table.marked_count == 2, "two marked")
        assert gutter(app, first) == gutter(app, second) == MARKED
        assert gutter(app, table.row_ids[2]) == " "
        await wait_for(pilot, lambda: " 2 marked " in status(app), "the status bar's count")
        table.move_cursor(row=0)
        await pilot.press("space")  # again: unmarked
        await wait_for(pilot, lambda: table.marked == [second], "the first unmarked")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not table.marked_count, "esc to unmark")
        assert "marked" not in status(app) and gutter(app, second) == " "
        assert any("1 unmarked" in note for note in toast_texts(app))


async def test_y_and_c_copy_every_marked_job(make_app: AppFactory, sim: SimulatorThread) -> None:
    harbour, teaser = by_title(sim, "Harbour Lights"), by_title(sim, "Rainy Alley")
    courier = by_title(sim, "Midnight Courier")  # failed: no output URL
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await mark(pilot, harbour, courier, teaser)
        await pilot.press("y")
        await wait_for(pilot, lambda: "\n" in app.last_copied, "the ids copied")
        assert app.last_copied.splitlines() == [
            j for j in app.query_one(JobTable).marked if j in (harbour, courier, teaser)
        ]
        assert any("3 job ids" in note for note in heard(app))
        app.last_copied = ""
        await pilot.press("c")
        await wait_for(pilot, lambda: app.last_copied, "the URLs copied")
        urls = app.last_copied.splitlines()
        assert len(urls) == 1 and urls[0].startswith("http")  # Harbour's: the others have none
        assert harbour in urls[0]
        assert any("output URL (2 marked without one)" in note for note in heard(app))


async def test_d_removes_every_marked_job_after_saying_how_many(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    harbour, courier = by_title(sim, "Harbour Lights"), by_title(sim, "Midnight Courier")
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        await mark(pilot, harbour, courier)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == "Remove 2 jobs from the watch list?"
        listed = app.screen.detail.plain.splitlines()
        assert listed == ["• Harbour Lights — Episode 1", "• Midnight Courier"]
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == len(sim.job_ids) - 2, "both removed")
        assert harbour not in table.rows and courier not in table.rows
        assert table.marked_count == 0 and "marked" not in status(app)


async def test_u_resumes_the_marked_suspended_jobs(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    cranes, keeper = by_title(sim, "Paper Cranes"), by_title(sim, "Harbour Lights")
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await mark(pilot, cranes, keeper)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == (
            "Resume 1 suspended job? (1 marked not Suspended: left as they are)"
        )
        await pilot.press("y")
        await wait_for(pilot, lambda: resumes(sim) == 1, "the suspended one resumed")
        await wait_for(pilot, lambda: any("Resumed Paper Cranes" in n for n in heard(app)))


async def test_D_downloads_every_marked_video(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    harbour, cat = by_title(sim, "Harbour Lights"), by_title(sim, "🎬 Cyberpunk")
    courier = by_title(sim, "Midnight Courier")
    folder = tmp_path / "videos"
    app = make_app(downloads_dir=str(folder))
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await mark(pilot, harbour, cat, courier)
        await pilot.press("D")
        await wait_for(pilot, lambda: any("1 of the 3 marked" in n for n in heard(app)))
        pane = app.query_one(Downloads)
        await wait_for(pilot, lambda: len(list(folder.glob("*.mp4"))) == 2, "two videos")
        await wait_for(pilot, lambda: not pane.active, "the downloads to end")
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["Harbour Lights — Episode 1.mp4", "🎬 Cyberpunk Cat Café ☕🐱 Ep. 2.mp4"]
