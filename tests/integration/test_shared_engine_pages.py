"""One engine per state db with the watch list read a page at a time (the TUI's first frame
comes from its first jobs): the jobs of pages read later are the watch list's, not a
follower's own (guests), and a change to the watch list made before every page is read
starts the jobs it names from their stored rows, as the pages would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.integration.engine_rig import FakeClock
from tests.wait import wait_async
from yike_tui.cli import main
from yike_tui.engine import monitor as monitor_module
from yike_tui.engine.shared import SharedMonitor
from yike_tui.engine.status import Update
from yike_tui.session import RunOptions, Session, open_session
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.store import Store

FIRST = 2


@pytest.fixture
def still_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    """The demo on a stopped clock (every answer the same), its jobs stored once."""
    monkeypatch.setattr(monitor_module, "CONFIRM_DELAY", 0.2)
    with SimulatorThread(scenario="demo", clock=FakeClock()) as sim:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        yield sim


@contextlib.asynccontextmanager
async def engine_of(session: Session) -> AsyncIterator[tuple[SharedMonitor, list[Update]]]:
    """``session``'s shared engine over its first ``FIRST`` jobs, running."""
    async with session.make_client() as client:
        monitor = session.make_monitor(client, first=FIRST)
        assert isinstance(monitor, SharedMonitor) and len(monitor.jobs) == FIRST
        updates: list[Update] = []
        monitor.subscribe(updates.append)
        task = asyncio.create_task(monitor.run())
        try:
            yield monitor, updates
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def told(updates: list[Update]) -> set[str]:
    return {e.job_id for u in updates for e in u.events}


@pytest.fixture
def ids(still_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The demo's jobs, watched, each one's answer stored."""
    ids = list(still_sim.job_ids)
    assert main(["add", *ids]) == 0
    assert main(["watch", "--once"]) in (0, 1)  # alone: it stores what it finds
    capsys.readouterr()
    return ids


async def test_a_watch_list_change_before_the_last_page_starts_jobs_from_their_rows(
    ids: list[str],
) -> None:
    with open_session(RunOptions(), []) as session:
        async with engine_of(session) as (engine, updates):
            await wait_async(lambda: engine.role == "engine", "the only process is the engine")
            with Store.open() as other:  # elsewhere, before this engine read its pages
                other.unwatch([ids[-1]])
            await wait_async(lambda: set(engine.jobs) == set(ids[:-1]), "the change read")
            # Started from what is stored: the same answers again say nothing new.
            assert all(engine.jobs[j].row is not None for j in ids[:-1])
            await wait_async(
                lambda: all(not s.stale for s in engine.jobs.values() if not s.is_terminal),
                "every running job asked again",
            )
            for _ in session.more_jobs(engine):  # the pages: nothing more, nothing twice
                pass
            assert set(engine.jobs) == set(ids[:-1])
            assert told(updates) == set()


async def test_the_jobs_of_later_pages_are_the_watch_lists_not_a_followers_own(
    ids: list[str],
) -> None:
    with Store.open() as store:
        store.unwatch([ids[-1]])
    with (
        open_session(RunOptions(), []) as first,
        open_session(RunOptions(), []) as second,
    ):
        async with engine_of(first) as (engine, _), engine_of(second) as (follower, _):
            await wait_async(lambda: engine.role == "engine", "the first is the engine")
            await wait_async(lambda: follower.role == "follower", "the second follows")
            for _ in second.more_jobs(follower):
                pass
            follower.add([ids[-1]])  # its own: the only job it asks the engine to poll
            db = second.store
            assert db is not None
            await wait_async(lambda: db.live_guests() == {ids[-1]}, "the guest listed")
            await wait_async(lambda: ids[-1] in _guests(engine), "the engine polls it")


def _guests(engine: SharedMonitor) -> dict[str, Any]:
    guests = engine._guests
    return {} if guests is None else dict(guests.jobs)
