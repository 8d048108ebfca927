"""What the TUI says and where focus goes: under Pilot against the simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Static

from tests.loopback import listening
from tests.ui.conftest import AppFactory, by_title, point_output_at, toast_texts
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.screens.help import HelpScreen
from yike_tui.ui.widgets.detail import DetailPane
from yike_tui.ui.widgets.downloads import Downloads
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
        log = app.query_one(EventLog)
        await wait_for(
            pilot,
            lambda: sum("watching (" in line for line in log.line_texts()) == len(sim.job_ids),
            "every job's first event in the log",
        )
        lines = [line for line in log.line_texts() if "watching (" in line]
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

            def scrolled(m: int = moved) -> bool:
                return dialog.scroll_y == m

            await wait_for(pilot, scrolled, f"{key} to scroll")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: dialog.scroll_y > 2, "pgdn to scroll a page")
        await pilot.press("G")
        await wait_for(pilot, lambda: dialog.scroll_y == dialog.max_scroll_y, "G: the end")
        last_rows = " ".join(_screen_lines_of(app))
        assert "Yes (in a dialog)" in last_rows  # the last keys can be read
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
        last = tree.root.children[-1].data
        assert last is not None and tree.selected_storyboard.storyboard == last.storyboard
        await pilot.press("g")
        await wait_for(pilot, lambda: tree.cursor_line == 0, "g: the first node")


def _notes(app: YikeApp) -> list[str]:
    return toast_texts(app)


async def _press_and_hear(pilot: Pilot[int], key: str, what: str) -> str:
    """Press ``key`` and return the toast it raised."""
    app = pilot.app
    assert isinstance(app, YikeApp)
    app.clear_notifications()
    await pilot.press(key)
    await wait_for(pilot, lambda: toast_texts(app), f"a toast for {what}")
    return toast_texts(app)[-1]


async def test_no_output_says_what_is_true(make_app: AppFactory, sim: SimulatorThread) -> None:
    """c, o and D and the detail pane say "yet" only for what will still come."""
    courier, rainy = by_title(sim, "Midnight Courier"), by_title(sim, "Rainy Alley")
    running = by_title(sim, "Winter Market")  # still running at the simulator's time 0
    app = make_app([courier, rainy, running, "0" * 32])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.jobs["0" * 32].not_found, "the unknown JobId")
        app.flush_updates()
        table = app.query_one(JobTable)
        expected = {
            courier: ("none: the job failed", "No output URL: the job failed"),
            rainy: ("none: storyboards only (open them", "No output URL: storyboards only"),
            running: ("not yet: the job is Running", "No output URL yet: the job is Running"),
        }
        for job_id, (shown, said) in expected.items():
            table.move_cursor(row=table.get_row_index(job_id))

            def selected(j: str = job_id) -> bool:
                return table.selected_id == j

            await wait_for(pilot, selected, "the row selected")
            detail = str(app.query_one("#detail-body", Static).render())
            assert f"Output         {shown}" in detail, detail
            for key in ("c", "o", "D"):
                note = await _press_and_hear(pilot, key, f"{key} on {job_id}")
                assert note.startswith(said), (key, note)
                assert job_id != rainy or "Yike editor" in note  # where the result is
        table.move_cursor(row=table.get_row_index("0" * 32))
        await wait_for(pilot, lambda: table.selected_id == "0" * 32, "the unknown row")
        note = await _press_and_hear(pilot, "c", "c on an unknown JobId")
        assert note == "No output URL: the API does not know this JobId."
        assert not any("yet" in n for n in _notes(app) if "Running" not in n)


async def test_keys_that_do_nothing_say_why(make_app: AppFactory, sim: SimulatorThread) -> None:
    """ctrl+x with nothing downloading; a, d and u under --readonly: a toast, not silence."""
    app = make_app(readonly=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        note = await _press_and_hear(pilot, "ctrl+x", "ctrl+x")
        assert note.startswith("Nothing is downloading")
        for key, what in (("a", "Add"), ("d", "Remove"), ("u", "Resume job")):
            note = await _press_and_hear(pilot, key, key)
            assert note == f"Read-only (started with --readonly): {what} is off."
        assert app.screen is app.screen_stack[0]  # still nothing opened
        assert app.query_one(JobTable).row_count == len(sim.job_ids)
        await pilot.press("slash", "a")  # typed into the filter: no toast for that
        await wait_for(pilot, lambda: app.query_one(JobTable).filter_text == "a", "the filter")
        assert _notes(app) == ["Read-only (started with --readonly): Resume job is off."]


class _MediaServer:
    """An output URL on loopback that sends ``head_bytes`` of a 1 MB file, then nothing."""

    def __init__(self, head_bytes: int) -> None:
        self.head_bytes = head_bytes
        self.requests = 0
        self.port = 0
        self._hold = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            if self.head_bytes:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: 1000000\r\n"
                    b'etag: "v1"\r\n\r\n' + b"\0" * self.head_bytes
                )
                await writer.drain()
            await self._hold.wait()  # never finishes: only a cancel ends this download
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def release(self) -> None:
        self._hold.set()


@pytest.mark.parametrize("head_bytes", [0, 64 * 1024])
async def test_cancel_says_the_partial_file_is_kept_only_when_there_is_one(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path, head_bytes: int
) -> None:
    harbour = by_title(sim, "Harbour Lights")
    media = _MediaServer(head_bytes)
    async with listening(media.handle) as media.port:
        app = make_app([harbour], downloads_dir=str(tmp_path))
        try:
            async with app.run_test(size=(160, 45)) as pilot:
                await first_pass(pilot)
                point_output_at(app, harbour, media.port)
                await pilot.press("D")
                await wait_for(pilot, lambda: media.requests == 1, "the download to start")

                def parts() -> list[int]:
                    return [p.stat().st_size for p in tmp_path.glob("*.part")]

                if head_bytes:
                    await wait_for(pilot, lambda: sum(parts()) == head_bytes, "bytes in the .part")
                await pilot.press("ctrl+x")

                def said() -> list[str]:
                    return [n for n in _notes(app) if "cancelled" in n]

                await wait_for(pilot, said, "the toast for the cancel")
                (note,) = said()
                assert not app.main_screen.query_one(Downloads).active
                if head_bytes:
                    assert note.endswith(
                        "cancelled; the partial file (64 KiB) is kept: D resumes it."
                    )
                else:
                    assert "partial file" not in note and "is kept" not in note
                    assert note.endswith(
                        "cancelled; no data had arrived, so there is nothing to resume."
                    )
                    assert sum(parts()) == 0  # truly nothing kept
        finally:
            media.release()
