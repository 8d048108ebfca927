"""u: resume a Suspended job after asking; every other answer says why nothing happened."""

from __future__ import annotations

from tests.ui.conftest import AppFactory, by_title
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.ui.app import YikeApp


def notes(app: YikeApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def resumes(sim: SimulatorThread) -> int:
    assert sim.server is not None
    return sum(1 for job in sim.server.sim.book for h in job.history if h.startswith("resumed"))


async def test_u_on_a_job_that_is_not_suspended_says_so(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    running = sim.job_ids[0]
    app = make_app(ids=[running])
    async with app.run_test(size=(140, 40)) as pilot:
        await first_pass(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: notes(app), "a message")
        assert notes(app) == ["Only a Suspended job can be resumed."]
        assert len(app.screen_stack) == 1  # nothing asked
    assert resumes(sim) == 0


async def test_saying_no_resumes_nothing(make_app: AppFactory, sim: SimulatorThread) -> None:
    paused = by_title(sim, "Paper Cranes")
    app = make_app(ids=[paused])
    async with app.run_test(size=(140, 40)) as pilot:
        await first_pass(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: len(app.screen_stack) == 2, "the question")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the question gone")
        assert app.monitor is not None
        assert app.monitor.jobs[paused].status.value == "Suspended"
    assert resumes(sim) == 0


async def test_a_refused_resume_says_why(make_app: AppFactory, sim: SimulatorThread) -> None:
    paused = by_title(sim, "Paper Cranes")
    app = make_app(ids=[paused])
    async with app.run_test(size=(140, 40)) as pilot:
        await first_pass(pilot)
        # Someone else resumes it first: the screen still says Suspended, the API refuses.
        creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="a colleague")
        async with ApiClient(creds, endpoint=sim.endpoint) as colleague:
            await colleague.resume_job(paused)
        await pilot.press("u")
        await wait_for(pilot, lambda: len(app.screen_stack) == 2, "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Resume failed" in n for n in notes(app)), "why")
        (note,) = [n for n in notes(app) if "Resume failed" in n]
        assert note.startswith("Resume failed: InvalidStatus: The job is ")
        assert "only a Suspended job can be resumed" in note
    assert resumes(sim) == 1  # the colleague's, not a second one
