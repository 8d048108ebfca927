"""The filter box is one row, and enter puts it away with the filter kept: the job list
gets its rows back (it stayed 3 rows high). Filter and sort are the job list's reactives:
setting them redraws the list, with no call to make. Pilot against the
simulator."""

from __future__ import annotations

import pytest
from textual.reactive import Reactive

from tests.ui.conftest import AppFactory
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.ui.widgets.job_filter import JobFilter
from yike_tui.ui.widgets.job_sort import SortOrder
from yike_tui.ui.widgets.job_table import JobTable


@pytest.mark.parametrize("size", [(160, 45), (80, 24), (60, 20)])
async def test_enter_puts_the_box_away_and_the_list_gets_its_rows_back(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await first_pass(pilot)
        table, box = app.query_one(JobTable), app.query_one(JobFilter)
        rows = table.size.height
        await pilot.press("slash")
        await wait_for(pilot, lambda: box.display and app.focused is box, "the box open")
        await wait_for(pilot, lambda: box.size.height == 1, "the box laid out")
        assert table.size.height == rows - 1  # one row, not three
        await pilot.press(*"ing", "enter")
        await wait_for(pilot, lambda: not box.display, "the box put away")
        await wait_for(pilot, lambda: table.size.height == rows, "the list's rows back")
        assert app.focused is table
        assert table.filter_text == "ing" and "· /ing" in str(table.border_title)
        await pilot.press("slash")  # back to edit it, as it was
        await wait_for(pilot, lambda: box.display and box.value == "ing", "the box again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not box.display and table.filter_text == "", "cleared")


async def test_filter_and_sort_are_reactives_the_list_redraws_from(make_app: AppFactory) -> None:
    assert isinstance(JobTable.__dict__["filter_text"], Reactive)
    assert isinstance(JobTable.__dict__["sort"], Reactive)
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        everything = table.row_count
        table.filter_text = "fail"  # nothing else: the watcher refilters
        await wait_for(pilot, lambda: table.row_count < everything, "the filter applied")
        assert app.monitor is not None
        assert all("fail" in table.search_text(app.monitor.jobs[j]) for j in table.row_ids)
        table.filter_text = ""
        await wait_for(pilot, lambda: table.row_count == everything, "every job again")
        table.sort = SortOrder(1)  # by status
        await wait_for(pilot, lambda: "↓status" in str(table.border_title), "the sort named")
        monitor = app.monitor
        assert monitor is not None
        assert monitor.jobs[table.row_ids[0]].status.value == "Failed"  # failures first
        await pilot.press("S")
        assert table.sort == SortOrder(1, reversed=True)
        assert "↑status" in str(table.border_title)


async def test_typing_on_shows_what_the_whole_filter_shows(make_app: AppFactory) -> None:
    """Each key typed looks only among the rows the filter showed before it; what it
    shows, and in which order, is what the same filter typed at once shows; a deleted
    character widens the list again."""
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        table = app.query_one(JobTable)
        table.sort = SortOrder(1)  # by status: the narrowed rows must keep the sort's order
        await wait_for(pilot, lambda: "↓status" in str(table.border_title), "sorted")

        def shown_for(text: str) -> list[str]:
            table.filter_text = ""
            table.filter_text = text  # the whole filter at once: a full rebuild
            return list(table.row_ids)

        typed = ["e", "ep", "epi e", "epi ep", "epi ep 1"]
        wanted = [shown_for(text) for text in typed]
        assert len(wanted[0]) > len(wanted[-1]) > 0  # the filters narrow, and keep some
        table.filter_text = ""
        for text, rows in zip(typed, wanted, strict=True):
            table.filter_text = text  # one more key: only the rows shown are looked at
            await pilot.pause()
            assert list(table.row_ids) == rows, text
        table.filter_text = "epi ep"  # a character deleted
        await pilot.pause()
        assert list(table.row_ids) == wanted[3]
