"""What the TUI says and where focus goes (issue 15): under Pilot against the simulator."""

from __future__ import annotations

from rich.cells import cell_len
from textual.geometry import Region
from textual.widgets import Static

from screenshots.scenes import first_pass
from tests.ui.conftest import AppFactory
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread


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
