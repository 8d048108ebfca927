"""`c` on a finished job: the toast says where the link went, and only what is known. A copy
that cannot be confirmed shows the whole link on a line of its own, to select by hand."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets._toast import Toast, ToastRack

from tests.tmux_server import tmux_server
from tests.ui.conftest import AppFactory, by_title
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.actions import clipboard
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import FULL, YikeApp
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree

CONFIRMED = "Copied output URL: "  # the heading of a copy known to be on the clipboard
BY_HAND = "Output URL: not confirmed on your terminal's clipboard; select it by hand:"


async def copy_url(app: YikeApp, pilot: Pilot[int], sim: SimulatorThread) -> tuple[str, str]:
    """Select the succeeded job, press `c`: (its signed URL, the toast's text)."""
    await first_pass(pilot)
    done = by_title(sim, "Harbour Lights")
    table = app.query_one(JobTable)
    table.move_cursor(row=table.get_row_index(done))
    await pilot.pause()
    before = len(app._notifications)
    await pilot.press("c")
    await wait_for(pilot, lambda: len(app._notifications) > before, "the toast")
    assert app.monitor is not None
    url = app.monitor.jobs[done].job.output_url  # type: ignore[union-attr]
    assert "Signature=" in url
    *_, toast = [n.message for n in app._notifications]  # the copy's: the newest
    return url, toast


def lines(toast: str) -> list[str]:
    return toast.splitlines()


async def test_osc52_over_ssh_is_sent_not_copied(
    make_app: AppFactory, sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    app = make_app()  # clipboard = "osc52"
    written: list[str] = []
    monkeypatch.setattr(app, "_write_terminal", written.append)
    async with app.run_test(size=(160, 45)) as pilot:
        url, toast = await copy_url(app, pilot, sim)
        assert app.last_copied == url
    assert lines(toast) == [
        BY_HAND,
        url,  # whole: the user's own link, which nothing confirmed is on the clipboard
        "sent to your terminal by OSC 52 (it may not allow it)",
    ]
    assert len(written) == 1 and written[0].startswith("\x1b]52;c;")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
async def test_in_tmux_with_its_defaults_the_toast_says_tmuxs_buffer_only(
    make_app: AppFactory, sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmux_server("toast-defaults") as tmux:
        for name, value in tmux.env.items():
            monkeypatch.setenv(name, value)
        app = make_app()
        written: list[str] = []
        monkeypatch.setattr(app, "_write_terminal", written.append)
        async with app.run_test(size=(160, 45)) as pilot:
            url, toast = await copy_url(app, pilot, sim)
        assert tmux.buffer() == url.encode()
    assert lines(toast) == [
        BY_HAND,
        url,
        "copied to tmux's paste buffer (prefix ]); not to your terminal's clipboard: "
        "tmux does not see a clipboard feature in your terminal",
    ]
    assert written == []  # tmux would drop an OSC 52: none is sent


async def test_in_tmux_passing_it_on_the_toast_says_copied(
    make_app: AppFactory, sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[tuple[list[str], bytes | None]] = []

    def tmux(args: Sequence[str], stdin: bytes | None, *, env: object) -> bytes:
        loaded.append((list(args), stdin))
        return b"external|0|256,clipboard,focus\n" if args[0] == "display-message" else b""

    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,4242,0")
    monkeypatch.setattr(clipboard, "run_tmux", tmux)
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        url, toast = await copy_url(app, pilot, sim)
    assert loaded[-1] == (["load-buffer", "-w", "-"], url.encode())
    assert lines(toast) == [
        f"{CONFIRMED}{url.split('?')[0]}?…",  # confirmed: named without its signed query
        "copied to tmux's paste buffer (prefix ]); your terminal's clipboard too",
    ]


async def test_a_desktop_tool_is_a_confirmed_copy(
    make_app: AppFactory, sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out, bin_dir = tmp_path / "clip", tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "xclip"
    tool.write_text(f'#!/bin/sh\n{shutil.which("cat")} > "{out}"\n')
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("PATH", str(bin_dir))
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    app = make_app(clipboard="auto")
    async with app.run_test(size=(160, 45)) as pilot:
        url, toast = await copy_url(app, pilot, sim)
    assert out.read_text() == url
    assert lines(toast)[1] == f"copied {len(url)} characters with xclip"
    assert lines(toast)[0].startswith(CONFIRMED) and "Signature=" not in toast


async def test_copying_off_shows_the_link_to_select(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    app = make_app(clipboard="off")
    async with app.run_test(size=(160, 45)) as pilot:
        url, toast = await copy_url(app, pilot, sim)
        assert app.last_copied == ""
    assert lines(toast) == [
        "Output URL: not copied; select it by hand:",
        url,
        'copying is off (settings.clipboard = "off")',
    ]


@pytest.mark.parametrize(("size", "rows"), [((60, 20), 6), ((80, 24), 6)])
async def test_a_link_to_select_by_hand_takes_a_few_rows_where_the_panes_stack(
    make_app: AppFactory, sim: SimulatorThread, size: tuple[int, int], rows: int
) -> None:
    """Beside the tree it was a column 28 wide and 14 rows high at 60×20, over most of the
    screen. Where the panes stack it spans the screen with no blank rows: a few rows, and
    the link still whole on the screen, row after row, to select."""
    app = make_app(clipboard="off")
    async with app.run_test(size=size, notifications=True) as pilot:
        app.notify("Harbour Lights is downloaded already", timeout=60)
        url, _ = await copy_url(app, pilot, sim)
        await wait_for(pilot, lambda: len(app.screen.query(Toast)) == 2, "the toasts drawn")
        other, toast = app.screen.query(Toast)
        await wait_for(pilot, lambda: toast.region.width >= size[0] - 2, "the toast widened")
        tree = app.query_one(StoryboardTree)
        await wait_for(pilot, lambda: other.region.right <= tree.region.x, "the other beside")
        visible = app.screen.find_widget(toast).visible_region
        assert visible == toast.region, "the toast is cut"
        assert toast.region.height <= rows, toast.region
        assert toast.region.bottom <= app.query_one(StatusBar).region.y  # above the status bar
        screen = app.screen._compositor.render_strips()
        shown = [strip.text[toast.region.x : toast.region.right] for strip in screen]
        drawn = "".join(line.strip(" ▌▐") for line in shown[toast.region.y : toast.region.bottom])
        assert url in drawn  # every character on screen, in order
        # Gone, the toasts are beside the tree again.
        app.clear_notifications()
        rack = app.screen.get_child_by_type(ToastRack)
        await wait_for(pilot, lambda: rack.styles.width != FULL, "the rack narrowed again")
        assert rack.styles.width is not None and rack.styles.width.value <= tree.region.x


async def test_wide_the_link_to_select_stays_left_of_the_tree(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    app = make_app(clipboard="off")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await copy_url(app, pilot, sim)
        await wait_for(pilot, lambda: len(app.screen.query(Toast)) == 1, "the toast drawn")
        await pilot.pause()
        toast = app.screen.query_one(Toast)
        assert toast.region.right <= app.query_one(StoryboardTree).region.x
