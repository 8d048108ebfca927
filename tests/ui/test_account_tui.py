"""An account not enabled for Yike is one state in the TUI: ACCOUNT in the status bar with
what it means and what to do, a toast that says it whole once, and no job shown as failed,
unknown or with an error; R asks again and, once the account is served, every job loads
and a toast says the account is served.
Real app, real HTTP: the demo simulator plays the account."""

from __future__ import annotations

from tests.ui.conftest import AppFactory, toast_texts
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui import cells
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar

MEANS = "this Alibaba Cloud account is not enabled for Yike"


def bar_text(app: YikeApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


def toasts(app: YikeApp) -> list[str]:
    return toast_texts(app)


async def test_one_account_state_then_r_brings_every_job_in(
    sim: SimulatorThread, make_app: AppFactory
) -> None:
    assert sim.server is not None
    simulator = sim.server.sim
    simulator.account_enabled = False
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: "ACCOUNT" in bar_text(app), "the ACCOUNT state")
        # At 80 columns what is wrong shows first; the rest of the line says what to do.
        assert bar_text(app)[:80].startswith(" ACCOUNT  STALE  ICE says " + MEANS)
        full = bar_text(app)
        assert "--api yike" in full and "(R asks now)" in full
        assert "with errors" not in full and "loading" not in full
        # The toast says it whole, once, whatever the bar's width cuts.
        await wait_for(pilot, lambda: toasts(app), "the toast")
        said = [t for t in toasts(app) if MEANS in t]
        assert len(said) == 1 and "--api yike" in said[0]
        # No row claims a failure, an unknown JobId or an error of its own.
        assert monitor.tally().errors == 0
        for state in monitor.jobs.values():
            assert state.error is None and not state.not_found
            assert cells.status_word(state) not in ("Error", "NotFound")
        asked = simulator.stats.requests
        assert asked <= len(monitor.jobs) // 2  # the first refusal stopped the pass

        await pilot.press("R")  # not yet enabled: one more ask, the same one state
        await wait_for(pilot, lambda: simulator.stats.requests > asked, "the ask")
        assert simulator.stats.requests == asked + 1
        assert "ACCOUNT" in bar_text(app)
        assert len([t for t in toasts(app) if MEANS in t]) == 1  # not said again

        simulator.account_enabled = True  # enabled in the console
        await pilot.press("R")
        await wait_for(
            pilot,
            lambda: all(s.job is not None for s in monitor.jobs.values()),
            "every job answered",
        )
        app.flush_updates()
        assert "ACCOUNT" not in bar_text(app) and MEANS not in bar_text(app)
        await wait_for(pilot, lambda: "serves the account again" in toasts(app)[-1], "the end")
        assert app.screen.query_one(JobTable).row_count == len(monitor.jobs)


async def test_a_fresh_output_link_refused_for_the_account_says_so_not_the_old_link(
    sim: SimulatorThread, make_app: AppFactory
) -> None:
    assert sim.server is not None
    simulator = sim.server.sim
    done = next(j.id for j in simulator.book if j.params["Title"].startswith("Harbour"))
    app = make_app([done])
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.jobs[done].job is not None, "the job")
        old = monitor.jobs[done].job.output_url  # type: ignore[union-attr]
        assert old
        simulator.account_enabled = False
        # What c, o and D ask for when the kept link is not fresh: a fetch made now.
        assert await app.main_screen.outputs.fresh_url(done) == ""

        def said() -> list[str]:
            return [t for t in toasts(app) if t.startswith("Could not get a fresh output URL")]

        await wait_for(pilot, said, "the toast")
        assert len(said()) == 1 and MEANS in said()[0], toasts(app)
