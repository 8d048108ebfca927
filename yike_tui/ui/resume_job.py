"""u: resume a Suspended job after asking, then refresh it so its row says where it stands.

The one key that calls the API itself (the others ask the engine); its worker runs on the
screen, so an error lands in the screen's one worker-error handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.screen import Screen

from yike_tui.api.errors import ApiError
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.ui.cells import safe
from yike_tui.ui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient


def ask_to_resume(
    screen: Screen[None], client: ApiClient, monitor: Monitor, state: JobState, title: str
) -> None:
    """Ask, then resume ``state``'s job; say why not when it is not Suspended."""
    if state.job is None or state.job.status.value != "Suspended":
        screen.notify("Only a Suspended job can be resumed.", severity="warning")
        return
    job_id = state.job_id
    detail = Text(f"{safe(title, 80)}\n{safe(job_id)}")

    def done(yes: bool | None) -> None:
        if yes:
            work = _resume(screen, client, monitor, job_id, title)
            screen.run_worker(work, group="resume", exit_on_error=False)

    screen.app.push_screen(ConfirmScreen("Resume this suspended job?", detail, "Resume"), done)


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
