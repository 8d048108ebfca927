"""The job list's title says what the view shows: how many, the filter, the sort."""

from __future__ import annotations

from tests.ui.conftest import AppFactory
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui.widgets.job_table import JobTable


async def test_the_title_counts_and_names_the_filter_and_sort(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    total = len(sim.job_ids)
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.screen.query_one(JobTable)

        def title() -> str:
            return str(table.border_title)

        assert title() == f"Jobs {total}"
        await pilot.press("slash", *"courier")
        await wait_for(pilot, lambda: table.row_count == 1, "the filter applied")
        assert title() == f"Jobs 1/{total} · /courier"
        await pilot.press(*"zz")
        await wait_for(pilot, lambda: table.row_count == 0, "nothing left")
        assert title() == f"Jobs 0/{total} · /courierzz (no match: esc clears)"
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: table.row_count == total, "the filter cleared")
        assert title() == f"Jobs {total}"
        await pilot.press("s")
        assert title() == f"Jobs {total} · ↓status"
        await pilot.press("S")
        assert title() == f"Jobs {total} · ↑status"
