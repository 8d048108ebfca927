"""The TUI on the stand-alone Yike product's API: `yike-tui --api yike --demo`
under Pilot, built by the same open_session the launcher uses, over real HTTP."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from tests.wait import wait_for
from yike_tui.actions.report import render_report
from yike_tui.session import RunOptions, open_session
from yike_tui.sim.scenarios import DEMO_RECIPES, job_id_for
from yike_tui.ui.app import YikeApp
from yike_tui.ui.screens.main import MainScreen
from yike_tui.ui.widgets.job_table import JobTable

UNKNOWN = "0123456789abcdef0123456789abcdef"


def tui_args(**given: Any) -> RunOptions:
    """What ``yike-tui --api yike --demo`` parses to."""
    return RunOptions(**{"api": "yike", "demo": True, **given})


def detail_text(app: YikeApp) -> str:
    return str(app.query_one("#detail-body", Static).render())


async def test_api_yike_demo_loads_the_jobs_with_their_credits() -> None:
    with open_session(tui_args(), []) as session:
        assert session.connection.api.version == "2026-03-19"
        app = YikeApp(session)
        async with app.run_test(size=(160, 45)) as pilot:
            monitor = app.monitor
            assert monitor is not None
            await wait_for(
                pilot,
                lambda: all(s.job is not None for s in monitor.jobs.values()),
                "every demo job loaded",
            )
            assert len(monitor.jobs) == len(session.job_ids) > 0
            # Credits come only in the Yike product's answers: the detail pane shows them.
            await wait_for(pilot, lambda: "Credits" in detail_text(app), "the credits line")


async def test_a_job_unknown_to_yike_says_in_the_detail_pane_to_try_ice() -> None:
    with open_session(tui_args(), [UNKNOWN]) as session:
        app = YikeApp(session)
        async with app.run_test(size=(160, 45)) as pilot:
            hint = "not known to the Yike product; if it is a job of ICE, try --api ice"
            await wait_for(
                pilot,
                lambda: hint in " ".join(detail_text(app).split()),
                "the other-API hint in the detail pane",
            )


async def test_the_detail_pane_says_what_the_job_was_charged_and_the_report_too() -> None:
    """GetYikeJobCredit (the Yike product's): asked for the job looked at, its figure and
    CreditStatus shown in the detail pane and in the report m copies. A finished job (Harbour
    Lights): its charge does not move while the test looks."""
    harbour = job_id_for(0, "demo", 1)
    assert DEMO_RECIPES[1].title.startswith("Harbour") and DEMO_RECIPES[1].age > 3600
    with open_session(tui_args(), [harbour]) as session:
        app = YikeApp(session)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            assert isinstance(screen, MainScreen)
            # Made with the client, after the first frame.
            await wait_for(pilot, lambda: screen.charges is not None, "the charge book")
            book = screen.charges
            assert book is not None
            await wait_for(pilot, lambda: "Charged" in detail_text(app), "the charge line")
            assert screen.query_one(JobTable).selected_id == harbour
            charge = book.get(harbour)
            assert charge is not None and charge.cost is not None and charge.status == "Deducted"
            line = next(x for x in detail_text(app).splitlines() if x.startswith("Charged"))
            assert f"{charge.cost:,f}" in line and charge.status in line
            report = render_report(
                [s.job for s in screen.states().values() if s.job is not None],
                "md",
                screen._charges_known(),
            )
            assert "| Charged |" in report.splitlines()[0]
            asked = book.asked
            await pilot.press("r")  # the same job again, its state unchanged: not asked again
            await pilot.pause()
            assert book.asked == asked


async def test_ice_has_no_job_charges_to_ask_for() -> None:
    with open_session(tui_args(api="ice"), []) as session:
        app = YikeApp(session)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            assert isinstance(screen, MainScreen)
            await wait_for(pilot, lambda: "Credits" not in detail_text(app), "a detail")
            assert screen.charges is None
