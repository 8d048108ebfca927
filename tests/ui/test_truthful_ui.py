"""What the TUI says and where focus goes (issue 15): under Pilot against the simulator."""

from __future__ import annotations

from rich.cells import cell_len
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Static

from screenshots.scenes import first_pass
from tests.ui.conftest import AppFactory, by_title
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.screens.help import HelpScreen
from yike_tui.ui.widgets.detail import DetailPane
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree


def _screen_lines(widget: Static) -> list[str]:
    """The lines the widget draws, as text (one string per terminal row)."""
    region = Region(0, 0, widget.size.width, widget.virtual_size.height or widget.size.height)
    return [strip.text for strip in widget.render_lines(region)]


async def test_event_log_keeps_its_message_column_for_cjk_titles(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await pilot.press("e")
        body = app.query_one("#events-body", Static)
        await wait_for(
            pilot,
            lambda: sum("watching (" in line for line in _screen_lines(body)) == len(sim.job_ids),
            "every job's first event in the log",
        )
        lines = [line for line in _screen_lines(body) if "watching (" in line]
        starts = {cell_len(line[: line.index("watching (")]) for line in lines}
        assert starts == {8 + 2 + 28 + 2}, lines  # clock, title column, gaps: one column
        assert any("湘西古镇" in line for line in lines)  # the CJK title is among them


async def test_closing_the_event_log_gives_focus_back(make_app: AppFactory) -> None:
    """Read the log (e, then into it), close it (e): j/k move the job list at once."""
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        log = app.query_one(EventLog)
        jobs = app.query_one(JobTable)
        await pilot.press("e")
        log.focus()  # as a click or tabs to it would
        await wait_for(pilot, lambda: app.focused is log, "the event log focused")
        await pilot.press("e")
        await wait_for(pilot, lambda: not log.display, "the event log closed")
        assert app.focused is jobs
        before = jobs.selected_id
        await pilot.press("j")
        assert jobs.selected_id != before  # j moved the cursor: no Tab needed first


async def test_closing_the_event_log_keeps_focus_where_it_was(make_app: AppFactory) -> None:
    """e twice from the detail pane: the detail pane keeps the focus."""
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        detail = app.query_one(DetailPane)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is detail, "the detail pane focused")
        await pilot.press("e", "e")
        assert app.focused is detail


async def test_help_scrolls_at_once_at_80x24(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_pass(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        dialog = app.screen.query_one("#help-dialog", VerticalScroll)
        await wait_for(pilot, lambda: dialog.max_scroll_y > 0, "the help laid out")
        for key, moved in (("j", 1), ("down", 2), ("k", 1), ("up", 0)):
            await pilot.press(key)
            await wait_for(pilot, lambda m=moved: dialog.scroll_y == m, f"{key} to scroll")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: dialog.scroll_y > 2, "pgdn to scroll a page")
        await pilot.press("G")
        await wait_for(pilot, lambda: dialog.scroll_y == dialog.max_scroll_y, "G: the end")
        last_rows = " ".join(_screen_lines_of(app))
        assert "Copy report" in last_rows  # the last keys can be read
        await pilot.press("pageup", "g")
        await wait_for(pilot, lambda: dialog.scroll_y == 0, "g: the top")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "esc closes")


def _screen_lines_of(app: YikeApp) -> list[str]:
    """The whole screen as text, row by row."""
    from textual.strip import Strip

    lines: list[Strip] = app.screen._compositor.render_strips()
    return [strip.text for strip in lines]


async def test_jkgG_scroll_the_detail_pane(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_pass(pilot)
        detail = app.query_one(DetailPane)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is detail, "the detail pane focused")
        await wait_for(pilot, lambda: detail.max_scroll_y > 2, "a detail taller than its pane")
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: detail.scroll_y == 2, "j to scroll down")
        await pilot.press("k")
        await wait_for(pilot, lambda: detail.scroll_y == 1, "k to scroll up")
        await pilot.press("G")
        await wait_for(pilot, lambda: detail.scroll_y == detail.max_scroll_y, "G: the end")
        await pilot.press("g")
        await wait_for(pilot, lambda: detail.scroll_y == 0, "g: the top")


async def test_jkgG_move_in_the_storyboard_tree(make_app: AppFactory, sim: SimulatorThread) -> None:
    courier = by_title(sim, "Midnight Courier")  # 7 storyboards, 3 failed shots under 2
    app = make_app([courier])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        tree = app.query_one(StoryboardTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 7, "the 7 storyboards")
        tree.focus()
        await wait_for(pilot, lambda: app.focused is tree, "the tree focused")
        start = tree.cursor_line
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: tree.cursor_line == start + 2, "j to move down")
        await pilot.press("k")
        await wait_for(pilot, lambda: tree.cursor_line == start + 1, "k to move up")
        await pilot.press("G")
        await wait_for(pilot, lambda: tree.cursor_line == tree.last_line, "G: the last node")
        assert tree.selected_storyboard is not None
        assert tree.selected_storyboard.storyboard.id == tree.root.children[-1].data.storyboard.id  # type: ignore[union-attr]
        await pilot.press("g")
        await wait_for(pilot, lambda: tree.cursor_line == 0, "g: the first node")
