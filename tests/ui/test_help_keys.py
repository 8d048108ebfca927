"""? lists every key with its binding id, and every binding has one: enter, tab,
pgup/pgdn, ctrl+p, the tree's fold keys and the storyboard's y and o (saying so). g/Home go
to the real top at every size. Pilot against the simulator."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll

import yike_tui.ui
from tests.ui.conftest import AppFactory
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.ui.app import YikeApp
from yike_tui.ui.keys import checked_keymap
from yike_tui.ui.screens.help import HelpScreen


def every_ui_class() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(yike_tui.ui.__path__, "yike_tui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name:
                found.append(cls)
    return found


def test_every_binding_of_the_ui_has_an_id_config_can_rebind() -> None:
    checked = 0
    for cls in every_ui_class():
        for binding in cls.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding), (cls, binding)
            assert binding.id, f"{cls.__name__}: {binding.key} -> {binding.action} has no id"
            keymap, warnings = checked_keymap({binding.id: "f12"})  # each can be rebound
            assert warnings == [] and keymap[binding.id].endswith("f12"), binding.id
            checked += 1
    assert checked > 40


async def open_help(app: YikeApp, pilot: object) -> HelpScreen:
    await pilot.press("question_mark")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
    assert isinstance(app.screen, HelpScreen)
    return app.screen


async def test_help_lists_every_key_with_its_id(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        help_screen = await open_help(app, pilot)
        rows = {does: (keys, binding_id) for keys, does, binding_id in help_screen.rows}
        assert all(binding_id for _, binding_id in rows.values()), [
            does for does, (_, binding_id) in rows.items() if not binding_id
        ]
        expected = {
            "Next pane": ("tab", "next_pane"),
            "palette": ("^p", "palette_ctrl_p"),
            "Detail of the job": ("⏎", "select"),
            "Page up": ("pgup / ^u", "page_up"),
            "Page down": ("pgdn / ^d", "page_down"),
            "Mark for u d D c y m": ("space", "mark"),
            "Copy editor link (on a storyboard)": ("y", "copy_id"),
            "Open editor (on a storyboard)": ("o", "open"),
            "Fold or unfold (on a storyboard)": ("space / ⏎", "fold"),
            "Fold or unfold all (on a storyboard)": ("shift+space", "fold_all"),
            "Go to its job (in the event log)": ("⏎", "jump"),
        }
        for does, (keys, binding_id) in expected.items():
            assert does in rows, does
            shown, said_id = rows[does]
            assert said_id == binding_id
            assert shown.lower() == keys.lower(), (does, shown)


@pytest.mark.parametrize("size", [(160, 45), (80, 24), (60, 20)])
@pytest.mark.parametrize("top", ["g", "home"])
async def test_g_and_home_go_to_the_real_top(
    make_app: AppFactory, size: tuple[int, int], top: str
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await first_pass(pilot)
        await open_help(app, pilot)
        dialog = app.screen.query_one("#help-dialog", VerticalScroll)
        await wait_for(pilot, lambda: dialog.max_scroll_y > 0, "the help longer than the screen")
        for keys in (("G",), ("j", "j", "j"), ("pagedown",)):
            await pilot.press(*keys)
            await wait_for(pilot, lambda: dialog.scroll_y > 0, f"{keys} to scroll down")
            await pilot.press(top)
            await wait_for(pilot, lambda: dialog.scroll_y == 0, f"{top}: the top")
            title = app.screen.query_one(".dialog-title")
            assert title.region.y >= dialog.region.y  # the dialog's title shows, whole
            assert dialog.region.contains_region(title.region)


def typed(app: YikeApp, *keys: str) -> None:
    """Keys as a terminal sends them when typed quickly: one read, handled back to back with
    no frame between (``pilot.press`` waits for the screen after each)."""
    for key in keys:
        char = key if len(key) == 1 else None
        app.post_message(events.Key(key, char))


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("top", ["g", "home"])
@pytest.mark.parametrize("before", [("j",), ("j", "j", "j"), ("pagedown",), ("down", "down")])
async def test_g_and_home_straight_after_other_keys_end_at_the_top(
    make_app: AppFactory, size: tuple[int, int], top: str, before: tuple[str, ...]
) -> None:
    """Typed quickly (as in a terminal: j then g with no frame between), g or Home left the
    list a line short of the top: j's scroll was put off until after the next frame, so it
    came after g's. Each key now scrolls when pressed, in the order pressed."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await first_pass(pilot)
        await open_help(app, pilot)
        dialog = app.screen.query_one("#help-dialog", VerticalScroll)
        await wait_for(pilot, lambda: dialog.max_scroll_y > 3, "the help longer than the screen")
        typed(app, *before, top)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        assert dialog.scroll_y == 0 and dialog.scroll_target_y == 0
        title = app.screen.query_one(".dialog-title")
        assert dialog.region.contains_region(title.region)  # the dialog's title, whole
        typed(app, *before, "G")  # and G after them: the bottom
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        assert dialog.scroll_y == dialog.max_scroll_y
