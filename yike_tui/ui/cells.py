"""Rich ``Text`` for what the TUI shows: API strings always as data, never as markup.

Every string from the API or the user goes through ``safe`` (control characters made
visible, one line) into a ``Text`` built without markup, so a title like ``[/bold]`` or
one holding escape sequences shows literally.
"""

from __future__ import annotations

from rich.text import Text

from yike_tui.models import JobStatus
from yike_tui.monitor import JobState
from yike_tui.presentation import STATUS_SYMBOL, ago
from yike_tui.safe_text import clean, truncate

STATUS_STYLE = {
    JobStatus.RUNNING: "cyan",
    JobStatus.SUCCEEDED: "green",
    JobStatus.FAILED: "bold red",
    JobStatus.SUSPENDED: "yellow",
    JobStatus.UNKNOWN: "magenta",
}
MAX_TITLE = 80


def safe(text: str, limit: int = 0) -> str:
    cleaned = clean(text, one_line=True)
    return truncate(cleaned, limit) if limit else cleaned


def status_word(state: JobState) -> str:
    if state.not_found:
        return "NotFound"
    if state.job is None:
        return "Error" if state.error else "Loading"
    return safe(state.job.status_raw or state.job.status.value, 16)


def status_cell(state: JobState) -> Text:
    if state.not_found:
        return Text("? NotFound", style="red")
    if state.job is None:
        return Text(
            "! Error" if state.error else "… Loading", style="red" if state.error else "dim"
        )
    status = state.job.status
    return Text(f"{STATUS_SYMBOL[status]} {status_word(state)}", style=STATUS_STYLE[status])


def title_cell(state: JobState) -> Text:
    title = state.job.title if state.job else ""
    text = Text(safe(title, MAX_TITLE) or "(untitled)", style="" if title else "dim")
    if state.label:  # the user's own tag, after the title so sorting and scanning still work
        text.append(f" · {safe(state.label, 24)}", style="dim italic")
    return text


def storyboards_cell(state: JobState) -> Text:
    job = state.job
    if job is None or not job.storyboards:
        return Text("–", style="dim")
    text = Text(f"{job.storyboards_done}/{len(job.storyboards)}")
    if job.storyboards_failed:
        text.append(f" ✗{job.storyboards_failed}", style="red")
    return text


def failed_cell(state: JobState) -> Text:
    count = len(state.job.failed_shots) if state.job else 0
    return Text(str(count), style="red") if count else Text("0", style="dim")


def changed_cell(state: JobState, now: float) -> Text:
    return (
        Text(ago(now - state.last_change), style="")
        if state.last_change
        else Text("–", style="dim")
    )


def checked_cell(state: JobState, now: float) -> Text:
    if state.error is not None and not state.not_found:
        return Text("error", style="bold red")  # the code and advice are in the detail pane
    if state.stale and state.job is not None:
        return Text("stale", style="yellow")
    if not state.last_checked:
        return Text("–", style="dim")
    return Text(ago(now - state.last_checked), style="dim")
