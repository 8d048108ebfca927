"""The engine lease is data, and an attacker can write it: a lease row of garbage,
of endless text, with a heartbeat far in the future or a host that is an escape sequence.

None crashes or hangs a process, none is shown raw, and none locks out the engine: garbage
holds no lease (taken at once), and a heartbeat that never moves is lost after LOST_AFTER
seconds whatever time it claims."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest

from tests.integration.process_rig import Watcher, command, environment
from tests.ui.conftest import FIXED_WALL
from tests.wait import wait_for, wait_until
from yike_tui.api.credentials import Credentials
from yike_tui.core import paths
from yike_tui.core.config import Settings
from yike_tui.session import session_for
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.store import Store
from yike_tui.store.lease import LOST_AFTER
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.status_bar import StatusBar

HOSTILE_HOST = "\x1b]52;c;aGFja2Vk\x07\x1b[2J[red]host[/red]\u202e\u200b" + "h" * 100_000
RAW = ("\x1b", "\x07", "\u202e", "\u200b", "[red]")


@pytest.fixture
def demo_sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo") as server:
        yield server


def plant(**row: object) -> None:
    """A lease row nobody renews, as an attacker (or a broken older file) leaves it."""
    Store.open().close()
    values = {
        "token": "t" * 32,
        "pid": 4242,
        "host": "elsewhere",
        "started_at": time.time(),
        "heartbeat": time.time(),
        "settings": "{}",
        "state": "{}",
        **row,
    }
    conn = sqlite3.connect(paths.state_db())
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO engine_lease (id, token, pid, host, started_at, heartbeat, "
            "settings, state) VALUES (1, :token, :pid, :host, :started_at, :heartbeat, "
            ":settings, :state)",
            values,
        )
    conn.close()


def test_a_lease_row_of_garbage_is_taken_at_once(demo_sim: SimulatorThread) -> None:
    env = environment(demo_sim.endpoint)
    command(["add", *demo_sim.job_ids], env)
    plant(pid="four thousand", host=b"\xff" * 1000, heartbeat="tomorrow", state="{" * 50_000)
    watcher = Watcher(["--interval", "1"], env)
    try:
        wait_until(lambda: watcher.kinds_of("job_added") >= set(demo_sim.job_ids), "it polls")
    finally:
        assert watcher.stop() == 143  # 128 + SIGTERM: it ran until stopped
    assert not watcher.said("following")
    assert not any("Traceback" in line for line in watcher.errors)
    with Store.open() as store:
        assert store.lease_holder() is None  # given up on the way out


@pytest.mark.slow  # waits out LOST_AFTER
def test_a_heartbeat_in_the_future_from_a_hostile_host_is_said_safely_and_outwaited(
    demo_sim: SimulatorThread,
) -> None:
    env = environment(demo_sim.endpoint)
    command(["add", *demo_sim.job_ids], env)
    state = '{"pause_reason": "\\u001b]0;pwned\\u0007", "paused": true, "in_flight": "many"}'
    plant(host=HOSTILE_HOST, heartbeat=time.time() + 10 * 365 * 86400, state=state)
    watcher = Watcher(["--interval", "1"], env)
    try:
        wait_until(lambda: watcher.said("following the engine of pid 4242 on "), "it follows")
        started = time.monotonic()
        wait_until(lambda: watcher.said("polls the API now"), "it takes over", 3 * LOST_AFTER)
        waited = time.monotonic() - started
        wait_until(lambda: watcher.kinds_of("job_added") >= set(demo_sim.job_ids), "it polls")
    finally:
        watcher.stop()
    assert waited < LOST_AFTER + 5, waited
    said = "\n".join(watcher.errors)
    assert not any(raw in said for raw in RAW), said[:300]
    assert max(len(line) for line in watcher.errors) < 300  # the host cut, not 100,000 long
    assert "Traceback" not in said


async def test_a_tui_shows_a_hostile_engine_safely() -> None:
    with SimulatorThread(scenario="demo") as sim:
        state = (
            '{"pause_reason": "\\u001b[2J[bold]creds\\u202e", "offline_since": 1.0,'
            f' "offline_reason": "{"x" * 5000}", "throttled": "yes"}}'
        )
        plant(host=HOSTILE_HOST, state=state, settings='{"interval": "soon"}')
        with Store.open() as store:
            creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")
            session = session_for(
                sim.endpoint,
                creds,
                list(sim.job_ids),
                store=store,
                settings=Settings(interval=30.0, rate_limit=0.0),  # type: ignore[call-arg]
            )
            session.shared = True
            app = YikeApp(session, wall=lambda: FIXED_WALL)
            async with app.run_test(size=(200, 40)) as pilot:
                bar = app.screen.query_one(StatusBar)
                await wait_for(pilot, lambda: "following pid 4242" in str(bar.render()), "bar")
                shown = str(bar.render())
                assert not any(raw in shown for raw in RAW), shown
                assert "PAUSED" in shown and "OFFLINE" in shown  # the engine's state...
                assert "throttled" not in shown  # ...what has the wrong type is left out
                notes = [str(n.message) for n in app._notifications]
                assert any("Following the engine of pid 4242" in note for note in notes), notes
                assert not any(raw in note for note in notes for raw in RAW), notes
                assert app.monitor is not None and app.monitor.interval == 30.0
