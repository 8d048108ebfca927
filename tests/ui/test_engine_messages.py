"""The engine reaches the screen through messages: a burst is coalesced
into one message (``can_replace``) and drawn together; downloads are workers the widget
cancels through the workers API; the job list keeps a bounded cache of rendered lines.

``run_test(message_hook=...)`` sees every message as it is handled, as Harlequin's tests do.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.message import Message
from textual.worker import WorkerState

from tests.loopback import listening
from tests.ui.conftest import FIXED_WALL, AppFactory, by_title, point_output_at
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.core.events import fetch_failed
from yike_tui.engine.status import Update
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.engine_feed import EngineFeed
from yike_tui.ui.widgets.downloads import GROUP, Downloads
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_table import JobTable


def log_text(app: YikeApp) -> str:
    return "\n".join(app.query_one(EventLog).line_texts())


def news(seen: list[Message]) -> int:
    """How many engine messages the screen has handled."""
    return sum(isinstance(m, EngineFeed.Updated) for m in seen)


async def test_a_burst_of_engine_news_is_one_message(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    """A hundred answers reported back to back cost the screen one message, and every one
    of them reaches the event log."""
    job = sim.job_ids[0]
    seen: list[Message] = []
    app = make_app(ids=[job])
    async with app.run_test(size=(160, 45), message_hook=seen.append) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None
        app.monitor.pause()  # nothing else from the engine while we count
        await pilot.press("e")  # the event log, open
        await pilot.pause()
        before = news(seen)
        feed = app.main_screen.feed  # what the engine calls: its subscriber
        for n in range(100):
            feed(Update([fetch_failed(job, ts=FIXED_WALL, code=f"E{n:03}", message="x")], {job}))
        app.flush_updates()  # the batch window is not what this test is about
        await wait_for(pilot, lambda: "E099" in log_text(app), "the last of the burst")
        assert news(seen) - before == 1  # one message for the hundred
        assert all(f"E{n:03}" in log_text(app) for n in range(100))  # none lost


async def test_news_within_the_batch_window_is_held_then_drawn_together(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    """The first news after a quiet spell is drawn at once; what follows within the window
    waits for it to close (here: an hour, so nothing but the window decides)."""
    teaser = by_title(sim, "Quick Teaser")
    seen: list[Message] = []
    app = make_app(ids=[teaser], ui_batch=3600.0)
    async with app.run_test(size=(160, 45), message_hook=seen.append) as pilot:
        table = app.query_one(JobTable)
        # The engine's first answer is drawn at once: no flush, no tick needed.
        await wait_for(pilot, lambda: "Quick Teaser" in table.get_row(teaser)[1].plain)
        assert app.monitor is not None
        app.monitor.pause()
        await pilot.press("e")
        before = news(seen)
        event = fetch_failed(teaser, ts=FIXED_WALL, code="HeldBack", message="x")
        app.main_screen.feed(Update([event], {teaser}))
        await wait_for(pilot, lambda: news(seen) > before, "the message handled")
        assert "HeldBack" not in log_text(app)  # held: the window is still open
        app.main_screen.flush_updates()  # the window's timer firing
        await pilot.pause()
        assert "HeldBack" in log_text(app)


async def test_the_job_list_keeps_a_bounded_line_cache(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scrolling through every job keeps at most LINE_CACHE rendered rows, and every row
    still draws (an evicted row is rendered again)."""
    monkeypatch.setattr(JobTable, "LINE_CACHE", 50)
    ids = [f"{n:032x}" for n in range(1, 201)]
    app = make_app(ids=ids)
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.query_one(JobTable)
        assert app.monitor is not None
        app.monitor.pause()
        await wait_for(pilot, lambda: table.row_count == 200, "the 200 rows")
        while table.selected_id != ids[-1]:
            await pilot.press("pagedown")
        await pilot.press("g")
        assert table.selected_id == ids[0]
        assert 0 < table.cached_lines <= 50
        assert table.get_row(ids[-1])[2].plain == ids[-1][:8]  # evicted, built again


class _Stalled:
    """An output URL on loopback that sends a few bytes of a large file, then nothing."""

    def __init__(self) -> None:
        self.requests = 0
        self._hold = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            writer.write(
                b'HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\netag: "v1"\r\n\r\n' + b"\0" * 4096
            )
            await writer.drain()
            await self._hold.wait()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_a_download_is_a_worker_that_ctrl_x_cancels(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    """D starts a worker in the downloads group, owned by the downloads line; ctrl+x
    cancels it through the workers API and the line says what was kept."""
    harbour = by_title(sim, "Harbour Lights")
    media = _Stalled()
    async with listening(media.handle) as port:
        app = make_app([harbour], downloads_dir=str(tmp_path))
        try:
            async with app.run_test(size=(160, 45)) as pilot:
                await first_pass(pilot)
                point_output_at(app, harbour, port)
                line = app.query_one(Downloads)
                await pilot.press("D")
                await wait_for(pilot, lambda: line.display, "the progress line")
                (worker,) = [w for w in app.workers if w.group == GROUP]
                assert worker.node is line and worker.name == harbour
                assert line.active == [harbour]
                await pilot.press("D")  # twice: one download per job
                await wait_for(
                    pilot, lambda: any("Already" in n.message for n in app._notifications)
                )
                await pilot.press("ctrl+x")
                await wait_for(pilot, lambda: worker.state is WorkerState.CANCELLED, "the cancel")
                await wait_for(
                    pilot,
                    lambda: any("(4 KiB) is kept" in n.message for n in app._notifications),
                    "what the cancel kept",
                )
                assert line.active == [] and not line.display
                assert media.requests == 1
        finally:
            media._hold.set()


async def test_a_failing_worker_is_one_line_and_the_screen_stays(make_app: AppFactory) -> None:
    """Any worker's error (a bug, not a network answer) reaches one handler: a one-line
    toast naming the work, no control bytes, and the app keeps running."""
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)

        async def broken() -> None:
            raise RuntimeError("disk on fire\n\x1b[2Jand more")

        app.main_screen.run_worker(broken(), group="resume", exit_on_error=False)

        def said() -> list[str]:
            return [n.message for n in app._notifications if "disk on fire" in n.message]

        await wait_for(pilot, said, "the toast for the failed worker")
        (note,) = said()
        assert note.startswith("resume failed: RuntimeError: disk on fire")
        assert "\n" not in note and "\x1b" not in note
        table = app.query_one(JobTable)
        before = table.selected_id
        await pilot.press("j")
        assert app.is_running and table.selected_id != before
