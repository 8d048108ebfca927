"""Toasts only for what needs attention, where they cover neither the status bar nor the
storyboard tree; finished jobs announced to the terminal and the desktop from the TUI."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from textual.widgets import Footer
from textual.widgets._toast import Toast

from tests.ui.conftest import AppFactory, FakeClock, by_title
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.core.events import EventKind
from yike_tui.sim import SimulatorThread
from yike_tui.sim.faults import FaultSpec
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.status_bar import StatusBar
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree

ESC, BEL = "\x1b", "\x07"


def toasts(app: YikeApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_toasts_cover_neither_the_status_bar_nor_the_tree(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        await first_pass(pilot)
        for n in range(3):  # a stack of them, as many as one update raises, one long
            message = "Running → Succeeded" + (" and more words" * 8 if n == 1 else "")
            app.notify(message, title=f"Winter Market {n}", timeout=60)
        await wait_for(pilot, lambda: len(app.screen.query(Toast)) == 3, "three toasts")
        keep_clear = {
            "status bar": app.query_one(StatusBar).region,
            "storyboard tree": app.query_one(StoryboardTree).region,
            "footer": app.query_one(Footer).region,
        }
        assert all(region.area for region in keep_clear.values())
        shown_any = False
        for toast in app.screen.query(Toast):
            shown = app.screen.find_widget(toast).visible_region  # scrolled out: nothing
            shown_any = shown_any or bool(shown.area)
            for what, region in keep_clear.items():
                overlap = shown.intersection(region)
                assert not overlap.area, f"a toast covers the {what} at {size}: {overlap}"
        assert shown_any


async def test_a_finishing_job_toasts_and_a_poll_error_does_not(
    make_app: AppFactory, sim: SimulatorThread, sim_clock: FakeClock
) -> None:
    teaser = by_title(sim, "Quick Teaser")
    app = make_app(ids=[teaser])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        monitor = app.monitor
        assert monitor is not None and sim.server is not None
        # The endpoint stops answering: poll errors, told in the event log only.
        sim.server.sim.faults = FaultSpec(error503=1.0)
        monitor.refresh_now(teaser)
        log = app.query_one(EventLog)
        logged = lambda: any(e.kind is EventKind.FETCH_FAILED for e in log._events)  # noqa: E731
        await wait_for(pilot, lambda: monitor.jobs[teaser].error is not None, "the poll error")
        app.flush_updates()
        await wait_for(pilot, logged, "the poll error in the event log")
        assert toasts(app) == []
        # It answers again, and the job has finished: that is a toast.
        sim.server.sim.faults = FaultSpec()
        sim_clock.t = 5000
        monitor.refresh_now(teaser)
        await wait_for(pilot, lambda: toasts(app), "the toast for the finished job")
        assert toasts(app) == ["Running → Succeeded"]


def fake_notify_send(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "notify-send"
    record = tmp_path / "argv.ndjson"
    script.write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"open({str(record)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


async def test_jobs_finishing_in_one_pass_are_announced_once(
    make_app: AppFactory, sim: SimulatorThread, sim_clock: FakeClock, tmp_path: Path
) -> None:
    """Inside tmux on a desktop: one OSC 9 (tmux passthrough) with a BEL that flags the
    window, and one notify-send, for all the jobs that finished in the pass."""
    app = make_app()
    assert app.announcer is not None
    written: list[str] = []
    app.announcer.write = written.append  # the driver's output, which headless has not
    bin_dir = fake_notify_send(tmp_path)
    app.announcer.env = {
        "TMUX": "/tmp/tmux-1000/default,1,0",
        "DISPLAY": ":0",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert written == []  # what was already finished at start is not news
        monitor = app.monitor
        assert monitor is not None
        passes = monitor.status.passes
        sim_clock.t = 5000  # every running job has played out
        monitor.refresh_now()
        await wait_for(pilot, lambda: monitor.status.passes > passes, "the refresh pass")
        await wait_for(pilot, lambda: written, "the announcement")
        await wait_for(pilot, lambda: (tmp_path / "argv.ndjson").exists(), "notify-send")
        await pilot.pause()
    assert len(written) == 1, written
    (out,) = written
    assert out.startswith(f"{ESC}Ptmux;{ESC}{ESC}]9;yike-tui: ") and out.endswith(f"{ESC}\\{BEL}")
    assert " jobs finished: " in out or " jobs: " in out
    calls = [json.loads(line) for line in (tmp_path / "argv.ndjson").read_text().splitlines()]
    assert len(calls) == 1 and calls[0][:2] == ["-a", "yike-tui"]


async def test_news_of_a_long_pass_is_told_before_the_pass_ends(
    make_app: AppFactory, sim_clock: FakeClock
) -> None:
    """A paced pass over thousands of running jobs lasts minutes: a job found finished early
    in it is announced once its news has waited HOLD_AT_MOST, while the pass goes on."""
    import time

    from yike_tui.engine.announce import HOLD_AT_MOST

    app = make_app(wall=time.time)  # the engine hands over its news as time goes by
    assert app.announcer is not None
    written: list[str] = []
    app.announcer.write = written.append
    app.announcer.env = {}
    held_since = [0.0]
    app.announcer.clock = lambda: held_since[0]  # the hold, on a clock of the test's
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        monitor = app.monitor
        assert monitor is not None and app.announcer is not None
        announcer = app.announcer
        passes = monitor.status.passes
        monitor.limiter.rate = 0.5  # one request every 2 s: 14 jobs make a pass of ~26 s
        sim_clock.t = 5000  # every running job has played out
        monitor.refresh_now()
        await wait_for(pilot, lambda: announcer.pending, "a finished job held for the pass")
        assert written == [] and monitor.pass_under_way
        held_since[0] += HOLD_AT_MOST
        await wait_for(pilot, lambda: written, "the announcement while the pass goes on")
        assert monitor.pass_under_way and monitor.status.passes == passes
    assert len(written) == 1 and written[0].startswith(f"{ESC}]9;yike-tui: ")


async def test_at_most_two_toasts_then_the_rest_go_to_the_event_log_counted_once(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        for n in range(5):  # five problems at once (a paste of five bad ids, say)
            app.notify(f"problem {n}", severity="error", markup=False)
        await wait_for(pilot, lambda: any("+3 more" in t for t in toasts(app)), "the count")
        await wait_for(pilot, lambda: len(toasts(app)) == 3, "the oldest taken down")
        # The newest two, and the one that counts the rest.
        assert toasts(app) == ["problem 3", "problem 4", "+3 more in the event log (e)"]
        log = app.query_one(EventLog)
        notes = [e for e in log._events if e.kind is EventKind.NOTE]
        assert [e.message for e in notes] == ["problem 0", "problem 1", "problem 2"]
        await pilot.press("e")  # and there they are
        await wait_for(pilot, lambda: "problem 0" in "\n".join(log.line_texts()))


async def test_a_toast_from_a_worker_thread_is_shown(make_app: AppFactory) -> None:
    import asyncio

    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await asyncio.to_thread(app.notify, "from a thread", markup=False)
        await wait_for(pilot, lambda: "from a thread" in toasts(app), "the toast")
