"""The add dialog refuses exactly the ids the CLI and config.toml refuse (one JobId rule)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tests.ui.conftest import AppFactory
from tests.unit.test_job_ids import BAD
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.store import Store

# A TextArea keeps text as lines and NEL (U+0085) ends a line there (str.splitlines), so a
# pasted "job<NEL>id" shows, and is read, as two lines: two ids. Every other bad id is tried.
IN_DIALOG = {why: job_id for why, job_id in BAD.items() if "\x85" not in job_id}


@pytest.mark.parametrize("job_id", IN_DIALOG.values(), ids=IN_DIALOG.keys())
async def test_the_add_dialog_refuses_what_the_cli_refuses(
    job_id: str, make_app: AppFactory, sim: SimulatorThread
) -> None:
    store = Store.open()
    app = make_app(ids=[sim.job_ids[0]], store=store)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.query("#add-ids"), "the add dialog")
        app.screen.query_one("#add-ids").insert(job_id)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#add-error", Static)
        await wait_for(pilot, lambda: "JobId" in str(error.render()), "the dialog's refusal")
        assert len(app.screen_stack) == 2  # still open: nothing was added
    with store:
        assert store.watchlist() == []


async def test_ids_not_shaped_like_a_jobid_are_asked_about_before_any_call(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    store = Store.open()
    app = make_app(ids=[sim.job_ids[0]], store=store)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.query("#add-ids"), "the add dialog")
        app.screen.query_one("#add-ids").insert("bad id!!")  # type: ignore[attr-defined]
        before = sim.server.sim.stats.requests if sim.server else 0
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#add-error", Static)
        await wait_for(pilot, lambda: "not the shape of a JobId" in str(error.render()), "ask")
        assert "bad, id!!" in str(error.render())
        assert len(app.screen_stack) == 2 and sim.server is not None
        assert sim.server.sim.stats.requests == before  # nothing asked of the API yet
        await pilot.press("ctrl+s")  # the user insists: added as typed
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the dialog closed")
        await wait_for(pilot, lambda: len(store.watchlist()) == 2, "both added")
    with store:
        assert [job.id for job in store.watchlist()] == ["bad", "id!!"]


def test_the_jobid_shapes_the_service_hands_out() -> None:
    from yike_tui.core.job_ids import looks_like_job_id

    assert looks_like_job_id("0123456789abcdef0123456789ABCDEF")
    assert looks_like_job_id("1a2ba046-263c-3560-978a-fb28778211ab")
    assert not looks_like_job_id("8173a292")  # a short id, as the Job column shows
    assert not looks_like_job_id("bad")
