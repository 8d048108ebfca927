"""Without usable credentials the TUI still shows the watch list, as last fetched: each job's
last known state, read-only, under one banner (no credentials, read-only, as of when, where to
look) that carries the credential help once. An empty watch list keeps the welcome text.

Built as the launcher builds it: ``open_session`` from the user's files (a state db filled by
a real pass against the simulator), with no credential in the environment or HOME."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from textual.widgets import Static

from tests.ui.conftest import FIXED_WALL, FakeClock
from tests.wait import wait_for
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.core.models import JobStatus
from yike_tui.engine.monitor import Monitor
from yike_tui.session import RunOptions, Session, open_session
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, running_simulator
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar

JOBS = 14
FETCHED = FIXED_WALL - 3 * 3600  # the last pass, three hours before the app opens
HELP = "ALIBABA_CLOUD_ACCESS_KEY_ID"  # a line of the credential help: said once


async def filled_state_db() -> dict[str, JobStatus]:
    """What `yike-tui add` and one `watch --once` with the keys leave: the watch list and
    a snapshot of each job. Returns each job's status as fetched."""
    async with running_simulator(scenario="load", jobs=JOBS, clock=FakeClock()) as sim:
        ids = list(sim.sim.book.ids)
        key = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="a test")
        with Store.open() as store:
            store.watch(ids)
            async with ApiClient(key, endpoint=sim.endpoint, retries=0) as client:
                monitor = Monitor(client, store=store, rate_limit=0, clock=FakeClock())
                monitor.wall = lambda: FETCHED
                monitor.add(ids)
                await monitor.run_pass()
            return {job_id: monitor.jobs[job_id].status for job_id in ids}


@pytest.fixture
def without_credentials() -> Iterator[Session]:
    """The user's session with no credentials anywhere (the autouse HOME has none)."""
    with open_session(RunOptions(), [], without_credentials=True) as session:
        assert session.conn is None and "no Alibaba Cloud credentials found" in (
            session.no_credentials
        )
        yield session


def screen_text(app: YikeApp) -> str:
    """Everything that says something in words: the banner, the welcome text (when shown),
    the status bar and the toasts."""
    parts = [str(app.query_one(StatusBar).render())]
    for name in ("#banner-text", "#welcome"):
        widget = app.query_one(name, Static)
        if widget.display and (widget.parent is None or widget.parent.display):
            parts.append(str(widget.render()))
    parts += [str(n.message) for n in app._notifications]
    return "\n".join(parts)


async def test_the_watch_list_shows_as_last_known_under_one_banner() -> None:
    statuses = await filled_state_db()
    assert len(statuses) == JOBS and len(set(statuses.values())) > 1  # a mix of states
    with open_session(RunOptions(), [], without_credentials=True) as session:
        assert session.conn is None
        app = YikeApp(session, wall=lambda: FIXED_WALL)
        async with app.run_test(size=(160, 45)) as pilot:
            table = app.query_one(JobTable)
            await wait_for(pilot, lambda: table.row_count == JOBS, "the 14 rows")
            for job_id, status in statuses.items():
                assert status.value in str(table.get_row(job_id)[0]), job_id
            assert not app.query_one("#welcome").display
            text = screen_text(app)
            assert "No jobs are being watched" not in text
            banner = str(app.query_one("#banner-text", Static).render())
            assert app.query_one("#banner").display
            assert "NO CREDENTIALS" in banner and "read-only" in banner
            newest = time.strftime("%Y-%m-%d %H:%M", time.localtime(FETCHED))
            assert f"the newest at {newest}" in banner
            assert "yike-tui info" in banner and "no Alibaba Cloud credentials found" in banner
            assert text.count(HELP) == 1, text  # the help once, in the banner
            assert "READ-ONLY" in str(app.query_one(StatusBar).render())
            # Nothing asks the API: r says why it is off, and no engine runs.
            assert app.client is None and app.monitor is not None
            assert not app.monitor.pass_under_way
            await pilot.press("r")
            await wait_for(pilot, lambda: app._notifications, "the refusal")
            notes = [str(n.message) for n in app._notifications]
            assert notes == ["Read-only (no usable credentials): Refresh is off."]
            for key in ("a", "d", "n", "u", "D", "c", "o", "R", "p"):
                await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.screen_stack[0]  # no dialog opened
            assert table.row_count == JOBS  # nothing removed
            assert all(s.status is statuses[j] for j, s in app.monitor.jobs.items())
    with Store.open(prune=False) as store:  # the watch list and its snapshots untouched
        assert [job.id for job in store.watchlist()] == list(statuses)
        assert {s.job_id: s.fetched_at for s in store.load_summaries()} == dict.fromkeys(
            statuses, FETCHED
        )


async def test_an_empty_watch_list_keeps_the_welcome_text(without_credentials: Session) -> None:
    app = YikeApp(without_credentials, wall=lambda: FIXED_WALL)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert app.query_one("#welcome").display and not app.query_one("#banner").display
        text = screen_text(app)
        assert "No jobs are being watched yet" in text
        assert "no Alibaba Cloud credentials found" in text and "yike-tui --demo" in text
        assert text.count(HELP) == 1, text  # the error lists where it looked: not again
        assert "yike-tui info" in text


async def test_a_job_never_fetched_reads_so_not_loading() -> None:
    """A JobId on the command line with nothing stored: nothing will ever load it."""
    job_id = "0123456789abcdef0123456789abcdef"
    with open_session(RunOptions(), [job_id], without_credentials=True) as session:
        app = YikeApp(session, wall=lambda: FIXED_WALL)
        async with app.run_test(size=(160, 45)) as pilot:
            table = app.query_one(JobTable)
            await wait_for(pilot, lambda: table.row_count == 1, "the row")
            assert str(table.get_row(job_id)[0]) == "– Unfetched"
            banner = str(app.query_one("#banner-text", Static).render())
            assert "these jobs were never fetched; nothing is refreshed" in banner
            assert "loading" not in str(app.query_one(StatusBar).render()).lower()
