"""The view says what it shows and follows the user: sort direction, columns
dropped by priority on narrow terminals, failure marks kept when cut, loading rows, zoom,
1..4 to a pane, and a footer that follows context. Pilot against the simulator."""

from __future__ import annotations

import socket

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from tests.ui.conftest import FIXED_WALL, AppFactory, FakeClock, by_title
from tests.ui.scenes import first_pass, status_line
from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.session import session_for
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.detail import DetailPane
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_rows import GUTTER
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree

NEW_ID = "0123456789abcdef0123456789abcdef"  # a well-formed JobId the simulator never made


def rows(app: YikeApp) -> list[str]:
    """The job list's lines as drawn (after the gutter that marks a row): the header, then
    one line a job."""
    table = app.query_one(JobTable)
    return [table.render_line(y).text[GUTTER:] for y in range(table.row_count + 1)]


def row_of(app: YikeApp, title: str) -> str:
    return next(line for line in rows(app) if title in line)


def footer(app: YikeApp) -> str:
    """What the active screen's footer shows, key and description, left to right."""
    bar = app.screen.query_one(Footer)
    keys = [f"{k.key_display} {k.description}".strip() for k in bar.query(FooterKey)]
    labels = [str(label.render()) for label in bar.query("FooterLabel")]
    return " | ".join(keys + labels)


async def test_the_sort_shows_its_direction_and_S_turns_it_over(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        await pilot.press("s")
        assert str(table.border_title).endswith("· ↓status")
        assert rows(app)[1].startswith("✗ Failed")  # failures first
        assert rows(app)[-1].startswith("✓ Succeeded")
        await pilot.press("S")
        assert str(table.border_title).endswith("· ↑status")
        assert rows(app)[1].startswith("✓ Succeeded")
        assert rows(app)[-1].startswith("✗ Failed")  # turned over
        await pilot.press("s")  # the next sort starts the natural way round
        assert str(table.border_title).endswith("· ↓last change")
        await pilot.press("s", "s")  # back to the order jobs were added: nothing to say
        assert "↓" not in str(table.border_title)
        first = rows(app)[1]
        await pilot.press("S")  # ... unless turned over: last added first
        assert str(table.border_title).endswith("· ↑added")
        assert rows(app)[-1] == first


@pytest.mark.parametrize(
    ("width", "columns"),
    [
        (160, ["Status", "Title", "Job", "Boards", "✗Shots", "Changed", "Checked"]),
        (80, ["Status", "Title", "Job", "Boards", "✗Shots"]),
        (60, ["Status", "Title", "Job", "Boards"]),
    ],
)
async def test_narrow_terminals_drop_checked_then_changed_then_shots(
    make_app: AppFactory, width: int, columns: list[str]
) -> None:
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await first_pass(pilot)
        assert rows(app)[0].split() == columns
        # The title keeps its room: 30 cells when a column could go, what is left at 60.
        title_width = app.query_one(JobTable).title_width
        assert title_width >= (30 if width >= 80 else 20)
        assert "Chronicles of the Ja" in row_of(app, "5/13")  # a long title still reads
        if "✗Shots" not in columns:  # the failed shots come with the title instead
            assert "Midnight Courier ✗3" in row_of(app, "Midnight Courier")


async def test_a_cut_title_keeps_its_failure_mark(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(50, 24)) as pilot:
        await first_pass(pilot)
        line = row_of(app, "Midnight")
        assert "Midnight… ✗3" in line  # the text is cut, the mark stays
        assert line.startswith("✗ Failed")


async def test_a_job_not_answered_yet_is_loading_not_unknown(make_app: AppFactory) -> None:
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
        assert "?" not in line  # "?" is the unknown-JobId mark
        await pilot.press("s")  # by status: answered jobs first, the loading one after all
        assert table.row_ids[-1] == NEW_ID


def focused(app: YikeApp) -> Widget | None:
    """The focused widget as of now: a key press moves it, so each look reads it afresh."""
    return app.focused


async def test_z_zooms_the_focused_pane_and_1_to_4_jump_to_panes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        jobs, detail = app.query_one(JobTable), app.query_one(DetailPane)
        tree, log = app.query_one(StoryboardTree), app.query_one(EventLog)
        assert "Zoom" in footer(app) and "1234" in footer(app).replace(" | ", "")
        await pilot.press("2")
        assert focused(app) is detail
        await pilot.press("z")
        await wait_for(pilot, lambda: detail.region.width == 160, "the detail pane full width")
        assert not jobs.display and not tree.display
        assert "zoomed" in str(detail.border_subtitle)
        await pilot.press("3")  # while zoomed, the pane jumped to is the one shown
        await wait_for(pilot, lambda: tree.region.width == 160, "the tree full width")
        assert focused(app) is tree and not detail.display
        await pilot.press("z")
        await wait_for(pilot, lambda: jobs.display and detail.display, "every pane back")
        assert jobs.region.width > 80 and not tree.border_subtitle
        await pilot.press("4")  # the event log opens to take the focus
        await wait_for(pilot, lambda: app.focused is log, "the event log focused")
        await pilot.press("z")
        await wait_for(pilot, lambda: log.region.height > 30, "the event log full height")
        await pilot.press("1")
        await wait_for(pilot, lambda: app.focused is jobs and jobs.region.width == 160, "jobs")
        before = jobs.selected_id
        await pilot.press("j")  # the keys act on the pane jumped to
        assert jobs.selected_id != before


async def _focus_tree(pilot: Pilot[int]) -> None:
    await pilot.press("3")
    await wait_for(pilot, lambda: isinstance(pilot.app.focused, StoryboardTree), "the tree")


async def test_the_footer_follows_context(make_app: AppFactory) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        on_row = footer(app)
        assert "? Help" in on_row and "/ Filter" in on_row  # symbols, not question_mark
        assert "Add" not in on_row  # --readonly: what would do nothing is not offered
        assert "Copy editor link" not in on_row
        await _focus_tree(pilot)
        assert "y Copy editor link" in footer(app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not app.screen_stack[0], "the help dialog")
        in_dialog = footer(app)
        assert "Close" in in_dialog  # the dialog's keys, not the list's behind it
        assert "Copy URL" not in in_dialog and "Filter" not in in_dialog


async def test_the_palette_shows_key_symbols(make_app: AppFactory) -> None:
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"Filter")

        def shown() -> str:
            options = app.screen.query_one(OptionList)
            return " ".join(
                str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
            )

        await wait_for(pilot, lambda: "binding id: filter" in shown(), "the Filter command")
        assert "key: /" in shown() and "slash" not in shown()


async def test_the_detail_pane_shows_no_signature(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        table.move_cursor(row=table.get_row_index(by_title(sim, "Harbour Lights")))
        body = app.query_one("#detail-body", Static)
        await wait_for(pilot, lambda: "Harbour Lights" in str(body.render()), "its detail")
        shown = str(body.render())
        assert "/output.mp4" in shown  # where the video is, without the signed query
        assert "Signature" not in shown and "OSSAccessKeyId" not in shown


async def test_with_the_endpoint_down_rows_say_no_answer_not_a_title(sim: SimulatorThread) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"
    creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test credentials")
    settings = Settings(concurrency=1, rate_limit=0.0, clipboard="osc52")  # type: ignore[call-arg]
    session = session_for(down, creds, list(sim.job_ids), settings=settings)
    app = YikeApp(session, wall=lambda: FIXED_WALL)
    async with app.run_test(size=(80, 24)) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.status.passes >= 1, "a pass without answers")
        app.flush_updates()
        await pilot.pause()
        line = rows(app)[1]
        assert line.startswith("! No answer")
        assert "(untitled)" not in line  # nothing is known about the job, not that it has none


async def test_at_60x20_the_event_log_leaves_the_job_list_rows(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await first_pass(pilot)
        await pilot.press("e")
        log = app.query_one(EventLog)
        await wait_for(pilot, lambda: log.region.height > 0, "the event log open")
        assert app.query_one(JobTable).scrollable_content_region.height >= 3  # header + 2 jobs


async def test_the_sort_stays_live_as_jobs_change_and_the_cursor_keeps_its_job(
    make_app: AppFactory, sim_clock: FakeClock
) -> None:
    """↓status a day later: every job that finished has moved to its group on the next
    refresh, none left among the Running rows, and the cursor is on the job it was on."""
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        await pilot.press("s")
        assert str(table.border_title).endswith("· ↓status")
        running = [job_id for job_id in table.row_ids if rows_status(app, job_id) == "Running"]
        assert running, "the demo has running jobs"
        table.move_cursor(row=table.get_row_index(running[-1]))
        kept = table.selected_id
        sim_clock.t = 86_400.0  # a day later: the running jobs have run to their end
        await pilot.press("R")
        monitor = app.monitor
        assert monitor is not None

        def settled() -> bool:
            finished = all(monitor.jobs[j].status.value != "Running" for j in running)
            return finished and monitor.status.in_flight == 0

        await wait_for(pilot, settled, "the running jobs to finish")
        app.flush_updates()
        await pilot.pause()
        ranks = [status_rank(app, job_id) for job_id in table.row_ids]
        assert ranks == sorted(ranks), [rows_status(app, j) for j in table.row_ids]
        assert table.selected_id == kept  # the cursor followed its job


def rows_status(app: YikeApp, job_id: str) -> str:
    assert app.monitor is not None
    return app.monitor.jobs[job_id].status.value


def status_rank(app: YikeApp, job_id: str) -> int:
    from yike_tui.ui.widgets.job_sort import status_rank

    assert app.monitor is not None
    return status_rank(app.monitor.jobs[job_id])


async def test_ctrl_d_and_ctrl_u_page_the_list_as_pgdn_and_pgup_do(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 12)) as pilot:  # a list longer than its pane
        await first_pass(pilot)
        table = app.query_one(JobTable)
        table.focus()
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: table.cursor_row > 1, "a page down")
        paged = table.cursor_row
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: table.cursor_row < paged, "a page up")


async def test_colon_opens_the_command_palette(make_app: AppFactory) -> None:
    from textual.command import CommandPalette

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_pass(pilot)
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")


async def test_another_job_opens_its_detail_at_the_top(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await first_pass(pilot)
        detail = app.query_one(DetailPane)
        detail.scroll_end(animate=False)
        await wait_for(pilot, lambda: detail.scroll_y > 0, "the detail scrolled down")
        table = app.query_one(JobTable)
        table.focus()
        await pilot.press("j")
        await wait_for(pilot, lambda: detail.scroll_y == 0, "the next job's detail at its top")


async def test_a_readonly_session_says_so_in_the_status_bar(make_app: AppFactory) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await wait_for(pilot, lambda: "READONLY" in status_line(app), "READONLY shown")


async def test_at_80x24_the_lower_panes_take_the_whole_width(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_pass(pilot)
        detail = app.query_one(DetailPane).region
        tree = app.query_one(StoryboardTree).region
        assert detail.x == 0 and detail.width + tree.width == 80
