"""The submit form's lists open inside the form, which scrolls to show them: the styles'
list ran past the dialog at 80x24. Pilot against the simulator, `n` and the
keys a user presses."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Select
from textual.widgets._select import SelectOverlay

from tests.ui.conftest import AppFactory
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.ui.screens.submit_form import SubmitForm


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (160, 45)])
@pytest.mark.parametrize("choice", ["style", "voice", "video_model"])
async def test_a_list_opens_inside_the_form(
    make_app: AppFactory, size: tuple[int, int], choice: str
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await first_pass(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitForm), "the form")
        form = app.screen
        select = form.query_one(f"#choice-{choice}", Select)
        select.focus()
        await wait_for(pilot, lambda: app.focused is select, "the list's field focused")
        await pilot.press("enter")
        overlay = select.query_one(SelectOverlay)
        await wait_for(pilot, lambda: app.focused is overlay, "the list open")
        fields = form.query_one("#submit-fields", VerticalScroll)

        def inside() -> bool:
            return overlay.region.height >= 2 and fields.region.contains_region(overlay.region)

        await wait_for(pilot, inside, f"the {choice} list inside the form's fields")
        assert form.query_one("#submit-dialog").region.contains_region(overlay.region)
        await pilot.press("down", "enter")  # it works as a list: the next option chosen
        await wait_for(pilot, lambda: app.focused is select, "the list closed")
        assert select.value is not Select.NULL
