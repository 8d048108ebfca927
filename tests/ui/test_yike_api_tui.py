"""The TUI on the stand-alone Yike product's API (issue 18): `yike-tui --api yike --demo`
under Pilot, built by the same open_session the launcher uses, over real HTTP."""

from __future__ import annotations

import argparse

from textual.widgets import Static

from tests.wait import wait_for
from yike_tui.session import open_session
from yike_tui.ui.app import YikeApp

UNKNOWN = "0123456789abcdef0123456789abcdef"


def tui_args(**given: object) -> argparse.Namespace:
    """What ``yike-tui --api yike --demo`` parses to."""
    args = {"api": "yike", "region": None, "endpoint": None, "profile": None, "demo": True}
    return argparse.Namespace(**{**args, "interval": None, "readonly": False, **given})


def detail_text(app: YikeApp) -> str:
    return str(app.query_one("#detail-body", Static).render())


async def test_api_yike_demo_loads_the_jobs_with_their_credits() -> None:
    with open_session(tui_args(), []) as session:
        assert session.conn.api.version == "2026-03-19"
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
