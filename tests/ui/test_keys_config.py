"""config.toml's [keys] is checked: an unknown action, a value that is not a key and a key
another action has are each left out with a warning, and the arrows are never taken away."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import AppFactory
from tests.wait import wait_for
from yike_tui.core import paths
from yike_tui.sim import SimulatorThread
from yike_tui.ui.keys import checked_keymap, is_key_name
from yike_tui.ui.widgets.job_table import JobTable


@pytest.mark.parametrize(
    ("key", "ok"),
    [("n", True), ("ctrl+r", True), ("f5", True), ("question_mark", True), ("slash", True),
     ("shift+tab", True), ("notakey+++", False), ("frob", False), ("ctrl+", False),
     ("hyperdrive+x", False), (" ", False), ("", False)],
)  # fmt: skip
def test_what_is_a_key_name(key: str, ok: bool) -> None:
    assert is_key_name(key) is ok


def test_bad_rebindings_are_left_out_each_with_a_warning() -> None:
    keymap, warnings = checked_keymap(
        {"down": "n", "frobnicate": "k", "refresh": "notakey+++", "copy_url": "C"}
    )
    assert keymap == {"copy_url": "C"}
    assert warnings == [
        "[keys] down = 'n': n is New job's already (ignored)",
        "[keys] frobnicate = 'k': no such action (ignored); `?` lists them",
        "[keys] refresh = 'notakey+++': 'notakey+++' is not a key name (ignored)",
    ]


def test_a_movement_rebinding_keeps_the_arrows() -> None:
    keymap, warnings = checked_keymap({"down": "ctrl+n", "top": "t"})
    assert warnings == []
    assert keymap == {"down": "down,ctrl+n", "top": "home,t"}


def test_a_key_freed_by_an_earlier_rebinding_can_be_taken() -> None:
    keymap, warnings = checked_keymap({"submit": "N", "down": "n"})
    assert warnings == [] and keymap == {"submit": "N", "down": "down,n"}


async def test_the_tui_warns_once_and_new_job_keeps_n(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    app = make_app(keys={"down": "n", "frobnicate": "k"})
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(JobTable)
        await wait_for(pilot, lambda: table.row_count > 2, "the jobs")

        def said() -> str:
            return " ".join(str(n.message) for n in app._notifications)

        await wait_for(pilot, lambda: "frobnicate" in said(), "the warnings")
        assert "n is New job's already" in said()
        table.focus()
        start = table.cursor_row
        await pilot.press("down")  # the arrows still move
        await wait_for(pilot, lambda: table.cursor_row == start + 1, "the cursor down")
        await pilot.press("j")
        await wait_for(pilot, lambda: table.cursor_row == start + 2, "j still down")


def test_the_demo_honours_keys(tmp_path: Path) -> None:
    from yike_tui.session import RunOptions, open_session

    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('[keys]\nrefresh = "ctrl+r"\n', encoding="utf-8")
    with open_session(RunOptions(demo=True), []) as session:
        assert session.settings.keys == {"refresh": "ctrl+r"}
