"""The TUI under Pilot against the simulator: what a user does and sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.ui.conftest import AppFactory, FakeClock, by_title
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.core import paths
from yike_tui.sim import SimulatorThread
from yike_tui.sim.scenarios import HOSTILE_PREFIX
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree


def table(app: YikeApp) -> JobTable:
    return app.query_one(JobTable)


def detail_text(app: YikeApp) -> str:
    return str(app.query_one("#detail-body", Static).render())


def status_text(app: YikeApp) -> str:
    return str(app.query_one(StatusBar).render())


async def select(pilot: Pilot[int], job_id: str) -> None:
    t = table(pilot.app)  # type: ignore[arg-type]
    t.move_cursor(row=t.get_row_index(job_id))
    await pilot.pause()


async def test_keyboard_navigation_and_detail(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        t = table(app)
        assert t.row_count == len(sim.job_ids)
        assert t.selected_id == sim.job_ids[0]
        await pilot.press("j", "j")
        assert t.selected_id == sim.job_ids[2]
        assert "Midnight Courier" in detail_text(app)
        await pilot.press("G")
        assert t.selected_id == sim.job_ids[-1]
        await pilot.press("g")
        assert t.selected_id == sim.job_ids[0]
        await pilot.press("k")  # already at the top: stays
        assert t.selected_id == sim.job_ids[0]


async def test_failure_tree_shows_shots_and_keeps_folding(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await select(pilot, courier)
        tree = app.query_one(StoryboardTree)
        labels = [str(n.label) for n in tree.root.children]
        shots = [str(leaf.label) for n in tree.root.children for leaf in n.children]
        assert len(labels) == 7
        assert any("Failed · 1 failed shot  (Editing/CreateFailed, Exception)" in x for x in labels)
        assert "shot 12: NoMediaData" in shots and "shot 3: VideoGenerationTimeout" in shots
        folded = next(n for n in tree.root.children if n.children)
        folded.collapse()
        assert app.monitor is not None and sim.server is not None
        stats, before = sim.server.sim.stats.by_job, sim.server.sim.stats.by_job[courier]
        app.monitor.refresh_now(courier)  # every answer redraws the selected job's tree
        monitor = app.monitor
        await wait_for(pilot, lambda: stats[courier] > before, "the refresh to reach the server")
        await wait_for(pilot, lambda: not monitor.jobs[courier].in_flight, "its answer")
        app.flush_updates()
        await pilot.pause()
        again = next(n for n in tree.root.children if n.children)
        assert not again.is_expanded  # a refresh did not reopen what the user folded


async def test_add_and_remove_are_saved_to_the_watch_list(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    store = Store.open()  # the watch list is state: saved in the state db
    app = make_app(ids=[sim.job_ids[0]], store=store)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await pilot.press("a")
        await pilot.pause()
        pasted = f"{sim.job_ids[1]}\n{sim.job_ids[2]}, {sim.job_ids[0]}"
        app.screen.query_one("#add-ids").insert(pasted)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: table(app).row_count == 3, "the two new rows")
        await wait_for(pilot, lambda: watched(store) == sim.job_ids[1:3], "the two saved")
        await select(pilot, sim.job_ids[1])
        await pilot.press("d")
        await wait_for(pilot, lambda: len(app.screen_stack) == 2, "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: sim.job_ids[1] not in table(app).rows, "the row removed")
        await wait_for(pilot, lambda: watched(store) == [sim.job_ids[2]], "one left saved")
    store.close()
    assert not paths.config_file().exists()  # config.toml is the user's: never written


def watched(store: Store) -> list[str]:
    return [job.id for job in store.watchlist()]


async def test_add_modal_rejects_bad_ids(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app(ids=[sim.job_ids[0]])
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#add-ids").insert("good\x1b[2Jbad")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "control characters" in str(app.screen.query_one("#add-error", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert table(app).row_count == 1


async def test_filter_and_clear(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await pilot.press("slash", *"courier")
        await pilot.pause()
        assert table(app).row_count == 1
        await pilot.press("enter")  # back to the table, filter kept
        await pilot.press("escape")
        await pilot.pause()
        assert table(app).row_count == len(sim.job_ids)
        assert not app.query_one("#filter", Input).display
        await pilot.press("slash", *"suspended")
        await pilot.pause()
        assert list(table(app).rows) == [by_title(sim, "Paper Cranes")]  # the status word


async def test_copy_output_url_and_job_id(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await select(pilot, sim.job_ids[0])  # running: no URL yet
        await pilot.press("c")
        await pilot.pause()
        assert app.last_copied == ""
        assert any("No output URL yet" in n.message for n in app._notifications)
        done = by_title(sim, "Harbour Lights")
        await select(pilot, done)
        await pilot.press("c")
        await pilot.pause()
        assert app.monitor is not None
        url = app.monitor.jobs[done].job.output_url  # type: ignore[union-attr]
        assert app.last_copied == url and "Signature=" in url
        # OSC 52 gets no answer: the toast does not claim the copy, and shows the whole URL
        # to select by hand (tests/ui/test_copy_toast.py has each way a copy can go).
        toast = [n.message for n in app._notifications if url in n.message]
        assert len(toast) == 1 and not toast[0].startswith("Copied")
        assert f"select it by hand:\n{url}\n" in toast[0]
        await pilot.press("y")
        assert app.last_copied == done


async def test_pause_refresh_and_sort(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None
        await pilot.press("p")
        assert app.monitor.status.paused
        assert "PAUSED" in status_text(app)
        await pilot.press("p")
        assert not app.monitor.status.paused
        assert sim.server is not None
        stats, first_job = sim.server.sim.stats.by_job, sim.job_ids[0]
        before = stats[first_job]
        await pilot.press("r")
        await wait_for(pilot, lambda: stats[first_job] > before, "the selected job refreshed")
        assert stats[first_job] == before + 1
        selected = table(app).selected_id
        await pilot.press("s")  # by status: failed first
        await pilot.pause()
        assert table(app).selected_id == selected  # the cursor follows the job
        first = table(app).row_ids[0]
        assert app.monitor.jobs[str(first)].status.value == "Failed"


async def test_live_change_notifies_once(
    make_app: AppFactory, sim: SimulatorThread, sim_clock: FakeClock
) -> None:
    teaser = by_title(sim, "Quick Teaser")
    app = make_app(ids=[teaser])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert not app._notifications  # first load: no flood
        sim_clock.t = 5000
        monitor = app.monitor
        assert monitor is not None and sim.server is not None
        monitor.refresh_now(teaser)
        # Updates are drawn at most once a second: the next tick shows it.
        await wait_for(pilot, lambda: app._notifications, "the toast")
        notes = [n.message for n in app._notifications]
        assert notes == ["Running → Succeeded"]
        stats, before = sim.server.sim.stats.by_job, sim.server.sim.stats.by_job[teaser]
        monitor.refresh_now(teaser)
        await wait_for(pilot, lambda: stats[teaser] > before, "the second refresh")
        await wait_for(pilot, lambda: not monitor.jobs[teaser].in_flight, "its answer")
        app.flush_updates()
        await pilot.pause()
        assert len(app._notifications) == 1  # the same change is not announced twice


async def test_credential_error_shows_in_status_bar(make_app: AppFactory) -> None:
    app = make_app(secret="not-the-secret")
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        text = status_text(app)
        assert "PAUSED: SignatureDoesNotMatch" in text
        assert app.is_running
        first = table(app).selected_id
        await pilot.press("j")  # still responsive: the cursor moves
        assert table(app).selected_id != first and table(app).selected_id is not None


async def test_hostile_title_is_shown_inert(make_app: AppFactory, sim: SimulatorThread) -> None:
    hostile = by_title(sim, HOSTILE_PREFIX)
    app = make_app(ids=[hostile])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        cell = table(app).get_row(hostile)[1]
        # Named as the demo's example, then the text shown inert.
        assert cell.plain.startswith(f"{HOSTILE_PREFIX}␛]52;c;aGFja2Vk␇[/bold][red]BOOM")
        assert "\x1b" not in cell.plain and "\u202e" not in detail_text(app)
        assert "␛[2J" in detail_text(app)


async def test_narrow_terminal_stacks_panes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_pass(pilot)
        main = app.query_one("#main")
        assert app.screen.has_class("-narrow")
        assert main.styles.layout is not None and main.styles.layout.name == "vertical"
        await pilot.resize_terminal(160, 45)
        await pilot.pause()
        assert not app.screen.has_class("-narrow")
        assert main.styles.layout is not None and main.styles.layout.name == "horizontal"


async def test_readonly_disables_changes(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert table(app).row_count == len(sim.job_ids)
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]  # no modal opened


async def test_download_resume_and_report_from_the_tui(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    done, paused = by_title(sim, "Harbour Lights"), by_title(sim, "Paper Cranes")
    app = make_app(ids=[done, paused], downloads_dir=str(tmp_path))
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await select(pilot, done)
        await pilot.press("D")
        await wait_for(pilot, lambda: list(tmp_path.glob("*.mp4")), "the video saved")
        saved = list(tmp_path.glob("*.mp4"))
        assert [p.name for p in saved] == ["Harbour Lights — Episode 1.mp4"]
        assert saved[0].read_bytes()[4:8] == b"ftyp"
        await select(pilot, paused)
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("y")  # confirm
        monitor = app.monitor
        assert monitor is not None
        await wait_for(
            pilot, lambda: monitor.jobs[paused].status.value == "Running", "the job resumed"
        )
        await pilot.press("m")
        assert app.last_copied.startswith("|") and "Harbour Lights" in app.last_copied


async def test_keys_rebind_from_config_and_show_in_the_palette(make_app: AppFactory) -> None:
    app = make_app(keys={"copy_id": "ctrl+y"})
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await pilot.press("ctrl+y")
        assert app.last_copied == table(app).selected_id
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Copy URL", "Refresh all", "Resume job", "Download"} <= set(titles)


async def test_cached_output_url_is_fetched_afresh_to_copy(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    from yike_tui.store import Store

    done = by_title(sim, "Harbour Lights")
    store = Store.open(tmp_path / "state.sqlite3")
    app = make_app(ids=[done], store=store)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
    raw = (tmp_path / "state.sqlite3").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("state.sqlite3-*")
    )
    assert b"output.mp4" in raw and b"Signature=" not in raw  # the signature never hits disk

    # A restart: the finished job comes from disk, beside a running one that must be polled.
    running = sim.job_ids[0]
    app = make_app(ids=[done, running], store=store)
    assert sim.server is not None
    stats = sim.server.sim.stats.by_job
    before = stats[done]
    async with app.run_test(size=(160, 45)) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.status.passes >= 1, "a refresh pass")
        assert monitor.jobs[running].job is not None  # the pass ran and polled the running job
        assert stats[done] == before  # ...but not the finished one: its answer is final
        assert "not kept on disk" in detail_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.last_copied, "the URL copied")
        assert "Signature=" in app.last_copied  # fetched afresh, then copied
        assert stats[done] == before + 1
    store.close()


async def test_mouse_click_selects_a_row(make_app: AppFactory, sim: SimulatorThread) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        # Inside the border: line 1 is the header, line 2 the first job, line 4 the third.
        await pilot.click("#jobs", offset=(10, 4))
        await pilot.pause()
        assert table(app).selected_id == sim.job_ids[2]
        assert "Midnight Courier" in detail_text(app)


async def test_fixed_credentials_are_picked_up_without_a_restart(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

    app = make_app(secret="a-typo-in-the-secret")
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        assert app.monitor is not None and app.monitor.status.pause_reason
        # The user fixes their credentials (here: the environment) while the app runs.
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        await app._retry_if_credentials_changed()  # what the app does every 10 s while refused
        monitor = app.monitor
        await wait_for(pilot, lambda: monitor.status.last_success, "a successful answer")
        assert not app.monitor.status.paused
        assert app.monitor.status.last_success is not None
        assert any("Credentials changed" in n.message for n in app._notifications)
