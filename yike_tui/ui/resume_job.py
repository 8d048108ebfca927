"""u: resume a Suspended job after asking, then refresh it so its row says where it stands;
with rows marked (space), every marked Suspended job, asked about once.

The one key that calls the API itself (the others ask the engine); its worker runs on the
screen, so an error lands in the screen's one worker-error handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.screen import Screen

from yike_tui.api.errors import ApiError
from yike_tui.core.models import JobStatus
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.ui.cells import safe
from yike_tui.ui.screens.confirm import ConfirmScreen, listing

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient


def _suspended(state: JobState) -> bool:
    return state.job is not None and state.job.status is JobStatus.SUSPENDED


def ask_to_resume(
    screen: Screen[None], client: ApiClient, monitor: Monitor, state: JobState, title: str
) -> None:
    """Ask, then resume ``state``'s job; say why not when it is not Suspended."""
    if not _suspended(state):
        screen.notify("Only a Suspended job can be resumed.", severity="warning")
        return
    job_id = state.job_id
    detail = Text(f"{safe(title, 80)}\n{safe(job_id)}")

    def done(yes: bool | None) -> None:
        if yes:
            work = _resume(screen, client, monitor, job_id, title)
            screen.run_worker(work, group="resume", exit_on_error=False)

    screen.app.push_screen(ConfirmScreen("Resume this suspended job?", detail, "Resume"), done)


def ask_to_resume_marked(
    screen: Screen[None],
    client: ApiClient,
    monitor: Monitor,
    states: list[JobState],
    title_of: Callable[[str], str],
) -> None:
    """u with rows marked: ask once, naming them, then resume each Suspended one; the
    others are left, and counted in the question."""
    suspended = [s for s in states if _suspended(s)]
    if not suspended:
        note = f"None of the {len(states)} marked jobs is Suspended: nothing to resume."
        screen.notify(note, severity="warning")
        return
    left = len(states) - len(suspended)
    question = f"Resume {len(suspended)} suspended job{'s' if len(suspended) > 1 else ''}?"
    if left:
        question += f" ({left} marked not Suspended: left as they are)"
    detail = listing([title_of(s.job_id) for s in suspended])

    def done(yes: bool | None) -> None:
        if not yes:
            return
        for state in suspended:
            title = title_of(state.job_id)
            work = _resume(screen, client, monitor, state.job_id, title)
            screen.run_worker(work, group="resume", exit_on_error=False)

    screen.app.push_screen(ConfirmScreen(question, detail, "Resume"), done)


async def _resume(
    screen: Screen[None], client: ApiClient, monitor: Monitor, job_id: str, title: str
) -> None:
    try:
        await client.resume_job(job_id)
    except ApiError as err:
        message = f"Resume failed: {err.code}: {err.message}\n{err.hint}"
        screen.notify(message, severity="error", markup=False)
        return
    screen.notify(f"Resumed {safe(title, 60)}", markup=False)
    monitor.refresh_now(job_id)
