"""The storyboard tree and the job list say what they count: a storyboard reads
title, status, id; its status is a status word with the vendor's value; failed shots are
counted in words; a job not answered yet shows `–` for what is not known. Pilot against
the simulator."""

from __future__ import annotations

from tests.ui.conftest import AppFactory, by_title
from tests.ui.scenes import first_pass
from tests.ui.test_view_keys import NEW_ID, row_of, rows
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree


async def test_a_storyboard_reads_title_then_status_then_id(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")  # one storyboard failed, 3 shots under 2
    app = make_app([courier])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        tree = app.query_one(StoryboardTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 7, "the 7 storyboards")
        labels = [str(node.label) for node in tree.root.children]
        failed = next(label for label in labels if label.startswith("✗"))
        # The title first, then the status as a status (the vendor's values in brackets:
        # "Exception" is ExceptionStoryboardIds, not a reason), the shots in words, the id.
        title = failed[2 : failed.index("  ")]
        assert title and not title.startswith("st_")
        expected = f"✗ {title}  Failed · 1 failed shot  (Editing/CreateFailed, Exception)  st_"
        assert failed.startswith(expected), failed
        two = next(label for label in labels if "failed shots" in label)
        assert "  Succeeded · 2 failed shots  (Produced/ProduceSucc)  st_" in two
        assert not any("✗1 shots" in label or " exception" in label for label in labels)


async def test_the_failed_shots_column_says_what_it_counts(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        header = rows(app)[0].split()
        assert "✗Shots" in header and "Shots" not in header
        assert cell(app, "Harbour Lights", "✗Shots") == "0"
        assert cell(app, "Midnight Courier", "✗Shots") == "✗3"
        assert courier in app.query_one(JobTable).rows


def cell(app: YikeApp, title: str, column: str) -> str:
    """The text of ``column`` in the row of the job titled ``title`` (ASCII titles)."""
    at = rows(app)[0].index(column)
    return row_of(app, title)[at:].split()[0]


async def test_a_job_not_answered_yet_shows_dashes_for_boards_and_shots(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None
        app.monitor.pause()  # nothing answers the new job while the test looks at it
        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.query("#add-ids"), "the add dialog")
        app.screen.query_one("#add-ids").insert(NEW_ID)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        table = app.query_one(JobTable)
        await wait_for(pilot, lambda: NEW_ID in table.rows, "the new job listed")
        line = row_of(app, NEW_ID[:8])
        assert line.startswith("◌ Loading")
        after_id = line.split(NEW_ID[:8], 1)[1].split()
        assert after_id[:2] == ["–", "–"], line  # Boards and ✗Shots: not known, not 0
