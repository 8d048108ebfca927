"""TUI paths a user hits that other tests do not run: ``o`` open, ``R`` after the API
refused the credentials, the periodic credentials re-check on its own timer, and a fresh
output URL that cannot be fetched before copy, open or download.

The browser is a real program: a small script named by ``$BROWSER`` (as a user sets it)
that writes down the link it was asked to open. No real browser is ever started.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import AppFactory, by_title, toast_texts
from tests.wait import wait_for
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.sim.faults import FaultSpec
from yike_tui.sim.verify import KeyPair
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.downloads import Downloads
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree


def notes(app: YikeApp) -> list[str]:
    return toast_texts(app)


def status_text(app: YikeApp) -> str:
    return str(app.query_one(StatusBar).render())


async def select(pilot: Pilot[int], job_id: str) -> None:
    table = pilot.app.query_one(JobTable)
    table.move_cursor(row=table.get_row_index(job_id))
    await pilot.pause()


async def first_pass(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, YikeApp) and app.monitor is not None
    monitor = app.monitor
    await wait_for(pilot, lambda: monitor.status.passes >= 1, what="the first refresh pass")
    app.flush_updates()
    await pilot.pause()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$BROWSER`` set to a script that appends each link it gets to a file; returns it."""
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{opened}"\n')
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    # webbrowser reads $BROWSER once per process: make it read it again for this test.
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    return opened


def opened_links(opened: Path) -> list[str]:
    return opened.read_text().splitlines() if opened.exists() else []


# --- o: open -------------------------------------------------------------------------------


async def test_o_opens_the_output_and_the_storyboard_editor(
    make_app: AppFactory, sim: SimulatorThread, browser: Path
) -> None:
    done, running = by_title(sim, "Harbour Lights"), sim.job_ids[0]
    app = make_app(ids=[running, done])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None
        await select(pilot, running)
        await pilot.press("o")
        await wait_for(pilot, lambda: any("No output URL yet" in n for n in notes(app)))
        await select(pilot, done)
        await pilot.press("o")
        await wait_for(pilot, lambda: opened_links(browser), what="the browser to be started")
        url = app.monitor.jobs[done].job.output_url  # type: ignore[union-attr]
        assert opened_links(browser) == [url] and "Signature=" in url  # the whole signed link
        await wait_for(pilot, lambda: any("in the browser" in n for n in notes(app)))
        assert not any("Signature=" in n for n in notes(app))  # the toast shows it unsigned

        tree = app.query_one(StoryboardTree)
        tree.focus()
        await pilot.press("down")  # the first storyboard
        await pilot.press("o")
        await wait_for(pilot, lambda: len(opened_links(browser)) == 2, what="the editor link")
        assert opened_links(browser)[1].startswith(
            "https://www.yikeai.com/#/storyboard/editing?storyboardId=st_"
        )


async def test_o_without_a_graphical_browser_says_copy_the_link(
    make_app: AppFactory, sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)  # over SSH: no browser to start
    done = by_title(sim, "Harbour Lights")
    app = make_app(ids=[done])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: any("no graphical browser" in n for n in notes(app)))
        assert not any("Signature=" in n for n in notes(app))


# --- R after a credentials error -----------------------------------------------------------


async def test_r_resumes_polling_once_the_key_is_enabled_again(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    assert sim.server is not None
    keys = sim.server.sim.keys
    keys[DEMO_ACCESS_KEY_ID] = KeyPair(DEMO_ACCESS_KEY_SECRET, active=False)  # disabled
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None
        monitor = app.monitor
        assert monitor.status.paused and monitor.status.last_success is None
        await wait_for(pilot, lambda: "PAUSED: InvalidAccessKeyId.Inactive" in status_text(app))
        assert "(R retries)" in status_text(app)
        # The user enables the key in the console again, then presses R.
        keys[DEMO_ACCESS_KEY_ID] = KeyPair(DEMO_ACCESS_KEY_SECRET)
        await pilot.press("R")
        await wait_for(
            pilot,
            lambda: all(s.job is not None for s in monitor.jobs.values()),
            what="every job fetched after R",
        )
        assert not monitor.status.paused and monitor.status.last_success is not None
        await wait_for(pilot, lambda: "PAUSED" not in status_text(app), what="PAUSED to go")
        assert app.query_one(JobTable).row_count == len(sim.job_ids)


async def test_r_fetches_every_job_again_even_finished_ones(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    assert sim.server is not None
    stats = sim.server.sim.stats
    done = by_title(sim, "Harbour Lights")
    app = make_app(ids=[done])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        before = stats.by_job[done]
        await pilot.press("R")
        await wait_for(pilot, lambda: stats.by_job[done] == before + 1, what="a fetch of it")
        assert any("Refreshing all jobs" in n for n in notes(app))


# --- the credentials re-check, on the app's own timer ----------------------------------------


async def test_fixed_credentials_are_picked_up_by_the_timer(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every tick instead of every 10th: the real 1-second timer drives it, only sooner.
    monkeypatch.setattr("yike_tui.ui.app.CREDENTIALS_EVERY", 1)
    app = make_app(secret="a-typo-in-the-secret")
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None
        monitor = app.monitor
        assert monitor.status.pause_reason.startswith("SignatureDoesNotMatch")
        # The user fixes their credentials (here: the environment) while the app runs.
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        await wait_for(
            pilot,
            lambda: monitor.status.last_success is not None,
            timeout=30.0,
            what="the timer to notice the fixed credentials",
        )
        assert not monitor.status.paused
        assert any("Credentials changed" in n for n in notes(app))
        await wait_for(pilot, lambda: "PAUSED" not in status_text(app), what="PAUSED to go")


# --- a fresh output URL that cannot be fetched -----------------------------------------------


async def test_copy_open_and_download_say_why_when_the_fresh_url_fails(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path, browser: Path
) -> None:
    done = by_title(sim, "Harbour Lights")
    downloads = tmp_path / "videos"
    store = Store.open(tmp_path / "state.sqlite3")
    try:
        app = make_app(ids=[done], store=store)
        async with app.run_test(size=(160, 45)) as pilot:
            await first_pass(pilot)  # the finished job is now on disk, its link unsigned

        assert sim.server is not None
        app = make_app(ids=[done], store=store, downloads_dir=str(downloads))
        async with app.run_test(size=(160, 45)) as pilot:
            assert app.monitor is not None
            monitor = app.monitor
            await wait_for(pilot, lambda: app.query_one(JobTable).row_count == 1)
            sim.server.sim.faults = FaultSpec.parse("error500=1")  # the API is down now

            def failures() -> int:
                return sum("Could not get a fresh output URL" in n for n in notes(app))

            for key in ("c", "o", "D"):
                app.clear_notifications()  # each key's own message, however many came before
                await pilot.press(key)
                await wait_for(pilot, lambda: failures() == 1, what=f"{key}'s message")
                assert all("InternalError" in n for n in notes(app) if "fresh output URL" in n)
            assert app.last_copied == ""  # nothing stale was copied...
            assert opened_links(browser) == []  # ...opened...
            assert not downloads.exists() or not any(downloads.iterdir())  # ...or saved
            assert not app.main_screen.query_one(Downloads).active  # not stuck as "in progress"

            sim.server.sim.faults = FaultSpec()  # the API is back: the same keys work
            await pilot.press("D")
            await wait_for(
                pilot,
                lambda: list(downloads.glob("*.mp4")),
                timeout=30.0,
                what="the download after the API came back",
            )
            await pilot.press("c")
            await wait_for(pilot, lambda: "Signature=" in app.last_copied, what="the copy")
            assert monitor.jobs[done].error is None
    finally:
        store.close()
