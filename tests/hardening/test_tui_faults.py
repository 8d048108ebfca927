"""The TUI under Pilot through the soak's faults: responsive, errors in the status bar, no
crash, no flood of modals or toasts."""

from __future__ import annotations

from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.session import session_for
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.sim.faults import FaultSpec

FAULTS = (
    "throttle=0.05,error500=0.02,error503=0.01,timeout=0.01,reset=0.01,malformed=0.01,slow=0.05"
)
CODES = ("Throttling", "InternalError", "ServiceUnavailable", "Timeout", "ConnectionReset",
         "MalformedResponse")  # fmt: skip


async def test_tui_rides_out_faults() -> None:
    from yike_tui.ui.app import YikeApp
    from yike_tui.ui.widgets.job_table import JobTable
    from yike_tui.ui.widgets.status_bar import StatusBar

    # Faults on every fifth request on top of the soak's mix, so errors surely show.
    faults = FaultSpec.parse(FAULTS.replace("error500=0.02", "error500=0.2") + ",slow=0.05")
    with SimulatorThread(
        scenario="load", jobs=200, speed=300, faults=faults, hang_s=0.3, slow_ms=30
    ) as sim:
        session = session_for(
            sim.endpoint,
            Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET),
            sim.job_ids,
            settings=Settings(interval=1, rate_limit=200, concurrency=8, clipboard="osc52"),  # type: ignore[call-arg]
        )
        app = YikeApp(session)
        seen_errors: list[str] = []
        async with app.run_test(size=(120, 36)) as pilot:
            assert app.monitor is not None
            table = app.query_one(JobTable)
            monitor = app.monitor

            def errors_shown_while_working() -> bool:
                status = str(app.query_one(StatusBar).render())
                seen_errors.extend(code for code in (*CODES, "with errors") if code in status)
                return bool(seen_errors) and monitor.status.requests >= 50

            await wait_for(pilot, errors_shown_while_working, "errors in the status bar")
            # A key press is handled while faults rain.
            await pilot.press("j", "j")
            assert table.cursor_row == 2
            await pilot.press("p")
            assert app.monitor.status.paused
            await pilot.press("p")
            assert not app.monitor.status.paused
            assert app.is_running and len(app.screen_stack) == 1  # no crash, no modal
            assert table.row_count == 200
            assert app.monitor.status.requests >= 50  # the engine kept working
            toasts = len(app._notifications)
    assert seen_errors, "no error reached the status bar"
    assert toasts <= 10, f"{toasts} notifications: a flood"
