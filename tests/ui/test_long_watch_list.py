"""A watch list longer than the first screenful (issue 27): the app draws its first frame
from the first jobs and the others follow, in the watch list's order, while the engine runs
and keys are answered; a sort chosen meanwhile holds for the jobs that come after it.

Built as the launcher builds it: ``open_session`` from the user's files (the keys and the
endpoint in the environment, the watch list in the state db)."""

from __future__ import annotations

import pytest

from tests.ui.conftest import FIXED_WALL
from tests.wait import wait_for
from yike_tui.session import RunOptions, open_session
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, running_simulator
from yike_tui.store import Store
from yike_tui.ui import app as app_module
from yike_tui.ui.app import YikeApp
from yike_tui.ui.screens.main import MainScreen
from yike_tui.ui.widgets import job_sort
from yike_tui.ui.widgets.job_table import JobTable

JOBS = 40
FIRST = 6


@pytest.fixture(autouse=True)
def first_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "FIRST_JOBS", FIRST)


async def test_the_jobs_after_the_first_screenful_follow_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_simulator(scenario="load", jobs=JOBS) as sim:
        ids = list(sim.sim.book.ids)
        with Store.open() as store:
            store.watch(ids[:10], "first ten")
            store.watch(ids[10:])
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        with open_session(RunOptions(), [ids[30]]) as session:
            app = YikeApp(session, wall=lambda: FIXED_WALL)
            assert app.monitor is not None and len(app.monitor.jobs) == 1 + FIRST
            async with app.run_test(size=(160, 45)) as pilot:
                table = app.query_one(JobTable)
                await wait_for(pilot, lambda: table.row_count == JOBS, "every job listed")
                order = [ids[30], *(j for j in ids if j != ids[30])]
                assert table.row_ids == order == list(app.monitor.jobs)
                assert [app.monitor.jobs[j].label for j in ids[:11]] == ["first ten"] * 10 + [""]
                assert table.view_title() == f"Jobs {JOBS}"
                jobs = app.monitor.jobs
                await wait_for(pilot, lambda: all(not s.loading for s in jobs.values()), "answers")


@pytest.mark.parametrize("resort_all", [4, 512])  # the others placed one by one, or sorted
async def test_a_sort_chosen_before_the_others_come_holds_for_them(
    monkeypatch: pytest.MonkeyPatch, resort_all: int
) -> None:
    monkeypatch.setattr(job_sort, "RESORT_ALL", resort_all)

    class SortedFirst(MainScreen):
        def _read_more_jobs(self) -> None:
            table = self.query_one(JobTable)
            assert table.row_count == FIRST
            table.sort = table.sort.turned()  # as added, turned over: the newest on top
            super()._read_more_jobs()

    monkeypatch.setattr(app_module, "MainScreen", SortedFirst)
    async with running_simulator(scenario="load", jobs=JOBS) as sim:
        ids = list(sim.sim.book.ids)
        with Store.open() as store:
            store.watch(ids)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        with open_session(RunOptions(), []) as session:
            app = YikeApp(session, wall=lambda: FIXED_WALL)
            async with app.run_test(size=(160, 45)) as pilot:
                table = app.query_one(JobTable)
                await wait_for(pilot, lambda: table.row_count == JOBS, "every job listed")
                assert table.row_ids == ids[::-1]
                assert table.selected_id == ids[0]  # the cursor stayed on its job
