"""The status line puts what matters where a narrow terminal still shows it: one OFFLINE
state while the endpoint cannot be reached (gone at the first answer), per-job errors as a
count, jobs not answered yet as loading."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.ui.conftest import FIXED_WALL, FakeClock
from tests.wait import wait_for
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.engine.monitor import Monitor
from yike_tui.session import session_for
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimServer, running_simulator
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.status_bar import StatusBar, render_status

KEY = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="a test")
SINCE = time.strftime("%H:%M", time.gmtime(FIXED_WALL))  # the UI tests run with TZ=UTC
BAD_ID = "0" * 32  # a well-formed JobId the simulator does not know


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    # On the test's own loop, so it can be stopped and started again on the same port.
    async with running_simulator(scenario="demo", clock=FakeClock()) as server:
        yield server


def bar_text(app: YikeApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


def make_app(endpoint: str, job_ids: list[str]) -> YikeApp:
    session = session_for(
        endpoint,
        KEY,
        job_ids,
        settings=Settings(interval=30.0, rate_limit=0.0, clipboard="osc52"),  # type: ignore[call-arg]
    )
    return YikeApp(session, wall=lambda: FIXED_WALL)


def render(monitor: Monitor) -> str:
    line = render_status(monitor, FIXED_WALL, endpoint="http://e", credentials="key")
    return str(line)


async def test_at_80_columns_offline_and_since_show_then_the_first_answer_clears_them(
    sim: SimServer,
) -> None:
    job_id = sim.sim.book.ids[0]
    port = sim.port
    await sim.stop()  # the endpoint is down: connections are refused
    app = make_app(f"http://127.0.0.1:{port}", [job_id])
    async with app.run_test(size=(80, 24)) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: "OFFLINE" in bar_text(app), "the OFFLINE state")
        visible = bar_text(app)[:80]
        # What is wrong, since when and how much of the list it hides fit in 80 columns.
        assert visible.startswith(f" OFFLINE  STALE  endpoint unreachable since {SINCE} (1 job)")
        assert "01234567" not in visible and job_id[:8] not in visible  # no one job's error
        full = bar_text(app)
        # The transport's reason comes after the timing, the endpoint and key last.
        assert full.index("refreshed never") < full.index("ConnectionFailed")
        assert full.index("ConnectionFailed") < full.index(str(port)) < full.index("a test")

        await sim.start("127.0.0.1", port)  # the endpoint is back
        await pilot.press("R")  # refresh all: the first answer...
        await wait_for(pilot, lambda: "OFFLINE" not in bar_text(app), "OFFLINE to clear")
        await wait_for(pilot, lambda: "refreshed just now" in bar_text(app), "the answer")
        full = bar_text(app)
        # ...leaves no old error behind: not the outage, not its reason, not a count.
        for gone in ("unreachable", "ConnectionFailed", "with errors", "STALE"):
            assert gone not in full, full
        assert monitor.status.last_error == ""


async def test_render_status_offline_first_with_since_and_the_jobs_it_hides(
    sim: SimServer,
) -> None:
    ids = sim.sim.book.ids[:2]
    port = sim.port
    await sim.stop()
    async with ApiClient(KEY, endpoint=f"http://127.0.0.1:{port}", retries=0) as client:
        monitor = Monitor(client, interval=30, rate_limit=0, clock=FakeClock())
        monitor.wall = lambda: FIXED_WALL
        monitor.add(ids)
        assert "loading 0/2" in render(monitor)  # nothing answered yet: loading, no "?"
        await monitor.run_pass()
        line = render(monitor)
        assert line.startswith(f" OFFLINE  STALE  endpoint unreachable since {SINCE} (2 jobs) ·")
        assert "loading" not in line and "with errors" not in line
        assert line.count("ConnectionFailed") == 1  # the reason once, for the endpoint

        await sim.start("127.0.0.1", port)
        await monitor.fetch_now(ids[0])
        line = render(monitor)
        assert "OFFLINE" not in line and "unreachable" not in line
        assert "ConnectionFailed" not in line and "with errors" not in line


async def test_render_status_counts_job_errors_and_loading_instead_of_naming_them(
    sim: SimServer,
) -> None:
    ids = sim.sim.book.ids
    async with ApiClient(KEY, endpoint=sim.endpoint, retries=0) as client:
        monitor = Monitor(client, interval=30, rate_limit=0, clock=FakeClock())
        monitor.wall = lambda: FIXED_WALL
        monitor.add([*ids[:3], BAD_ID])
        line = render(monitor)
        assert "loading 0/4" in line and "?" not in line  # loading is not an unknown JobId
        await monitor.fetch_now(ids[0])
        assert "loading 1/4" in render(monitor)  # the first pass under way
        await monitor.run_pass()
        line = render(monitor)
        assert "OFFLINE" not in line and "loading" not in line
        # The bad JobId is one job with an error (its detail pane says which), not a "?"
        # count and not its error text rotating through the bar.
        assert "1 job with errors" in line
        assert "JobNotFound" not in line and BAD_ID[:8] not in line
        assert "?" not in line


async def test_a_failed_save_shows_until_the_next_good_one(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("yike_tui.store.db.LOCK_TIMEOUT", 0.05)  # a locked db fails at once
    store = Store.open(tmp_path / "state.sqlite3")
    holder = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
    try:
        async with ApiClient(KEY, endpoint=sim.endpoint, retries=0) as client:
            monitor = Monitor(client, store=store, interval=30, rate_limit=0, clock=FakeClock())
            monitor.wall = lambda: FIXED_WALL
            monitor.add([*sim.sim.book.ids[:2], BAD_ID])
            holder.execute("BEGIN EXCLUSIVE")  # another program holds the db
            await monitor.run_pass()
            line = render(monitor)
            assert "saving history failed" in line and "locked" in line
            assert "1 job with errors" in line  # the bad JobId: its own, counted apart
            holder.execute("ROLLBACK")  # it lets go: the next save works and says so...
            monitor.refresh_now()
            await monitor.run_pass()
            line = render(monitor)
            # ...even while a job still has an error of its own (the old bar kept showing
            # the failed save for as long as any job had one).
            assert "saving history failed" not in line and "1 job with errors" in line
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
        store.close()
