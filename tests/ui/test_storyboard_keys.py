"""y and o on the storyboard tree are the tree's own keys: the footer names
them when the tree has the focus, they act on the storyboard under the cursor, and a
rebinding of the job's y moves the tree's too (one binding id)."""

from __future__ import annotations

from tests.ui.conftest import AppFactory, by_title
from tests.ui.scenes import first_pass, select_title
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree

EDITOR = "https://www.yikeai.com/#/storyboard/editing?storyboardId=st_"


def footer(app: YikeApp) -> dict[str, str]:
    """What the footer shows: key -> description, for the bindings it lists."""
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show
    }


def notes(app: YikeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_y_and_o_on_a_storyboard_are_the_trees_and_the_footer_says_so(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")
    app = make_app(ids=[courier])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await select_title(pilot, "Midnight Courier")
        assert app.focused is app.query_one(JobTable)
        shown = footer(app)
        assert shown.get("o") == "Open" and "y" not in shown  # the job's keys

        await pilot.press("y")  # on the job list: the JobId
        await wait_for(pilot, lambda: app.last_copied == courier, "the JobId copied")

        tree = app.query_one(StoryboardTree)
        tree.focus()
        await pilot.pause()
        shown = footer(app)
        assert shown.get("y") == "Copy editor link" and shown.get("o") == "Open editor"

        await pilot.press("y")  # the cursor on the tree's root: no storyboard there
        await wait_for(pilot, lambda: any("no editor page yet" in n for n in notes(app)))
        assert app.last_copied == courier

        await pilot.press("down")  # the first storyboard
        await pilot.press("y")
        await wait_for(pilot, lambda: app.last_copied.startswith(EDITOR), "the editor link")
        ref = tree.selected_storyboard
        assert ref is not None and app.last_copied.endswith(ref.storyboard.id)


async def test_rebinding_copy_id_moves_the_trees_y_too(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    courier = by_title(sim, "Midnight Courier")
    app = make_app(ids=[courier], keys={"copy_id": "ctrl+y"})
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await select_title(pilot, "Midnight Courier")
        tree = app.query_one(StoryboardTree)
        tree.focus()
        await pilot.press("down")
        await pilot.press("y")  # rebound away: y does nothing here now
        await pilot.pause()
        assert not app.last_copied
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: app.last_copied.startswith(EDITOR), "the editor link")
