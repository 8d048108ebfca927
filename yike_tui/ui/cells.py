"""Rich ``Text`` for what the TUI shows: API strings always as data, never as markup.

Every string from the API or the user goes through ``safe`` (control characters made
visible, one line) into a ``Text`` built without markup, so a title like ``[/bold]`` or
one holding escape sequences shows literally.

The job list's cells read ``JobState.row`` (the job's summary), never ``JobState.job``: a
job known from the state db is drawn without its stored answer being read or parsed.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from yike_tui.core.models import JobStatus
from yike_tui.core.presentation import STATUS_SYMBOL, ago
from yike_tui.engine.job_state import JobState, status_of
from yike_tui.safety.safe_text import clean, truncate

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


LOADING = "◌"  # not answered yet: neither the unknown-JobId "?" nor an unknown status
MARK = "✗"  # failures; a cell cut to fit keeps it (see ``fit``)


def is_loading(state: JobState) -> bool:
    """Asked for but not answered yet (no answer from disk either)."""
    return state.loading and state.error is None and state.row is None


def status_word(state: JobState) -> str:
    if state.not_found:
        return "NotFound"
    row = state.row
    if row is None:
        if state.error:
            return "Error"
        return "Loading" if state.loading else "Unfetched"
    return safe(row.status_raw or status_of(row.status_raw).value, 16)


def status_cell(state: JobState) -> Text:
    if state.not_found:
        return Text("? NotFound", style="red")
    row = state.row
    if row is None:  # not answered yet, or never answered: not the "?" of NotFound
        if state.unreachable:  # the endpoint's outage, not this job's: the status bar says
            return Text("! No answer", style="red")
        if state.error:
            return Text("! Error", style="red")
        if not state.loading:  # never fetched, and nothing will (no credentials)
            return Text("– Unfetched", style="dim")
        return Text(f"{LOADING} Loading", "dim")
    status = status_of(row.status_raw)
    return Text(f"{STATUS_SYMBOL[status]} {status_word(state)}", style=STATUS_STYLE[status])


def title_cell(state: JobState, *, shots_mark: bool = False) -> Text:
    """The title and the user's label; ``shots_mark`` (the Shots column is not shown) ends
    it with ✗N for N failed shots, which ``fit`` never cuts."""
    row = state.row
    if row is None:  # not known yet: "(untitled)" would be a claim about the job
        text = Text("–", style="dim")
    else:
        title = row.title
        text = Text(safe(title, MAX_TITLE) or "(untitled)", style="" if title else "dim")
    if state.label:  # the user's own tag, after the title so sorting and scanning still work
        text.append(f" · {safe(state.label, 24)}", style="dim italic")
    failed = row.shots_failed if row is not None and shots_mark else 0
    if failed:
        text.append(f" {MARK}{failed}", style="red")
    return text


def fit(text: Text, width: int) -> Text:
    """``text`` cut (with …) or padded to ``width`` cells. A failure mark is never what
    gets cut: a cell ending in ``✗N`` loses text before it instead (``10/12 ✗2`` in seven
    cells is ``10/… ✗2``, not ``10/12 …``); a mark at the start stays by itself."""
    plain = text.plain
    at = plain.rfind(MARK)
    tail_len = cell_len(plain[at:]) if at > 0 else 0
    if at > 0 and cell_len(plain) > width and tail_len + 2 <= width:
        head = text[:at]
        head.rstrip()
        head.truncate(width - tail_len - 1, overflow="ellipsis")  # always cut: room < head
        return Text.assemble(head, " ", text[at:], end="")
    piece = text.copy()
    piece.truncate(width, overflow="ellipsis", pad=True)
    return piece


def storyboards_cell(state: JobState) -> Text:
    row = state.row
    if row is None or not row.storyboards_total:
        return Text("–", style="dim")
    text = Text(f"{row.storyboards_done}/{row.storyboards_total}")
    if row.storyboards_failed:
        text.append(f" ✗{row.storyboards_failed}", style="red")
    return text


def failed_cell(state: JobState) -> Text:
    """The ✗Shots column: ``✗3`` for three failed shots; ``–`` while the job is not known
    (as its Boards cell: not a count of none)."""
    row = state.row
    if row is None:
        return Text("–", style="dim")
    count = row.shots_failed
    return Text(f"{MARK}{count}", style="red") if count else Text("0", style="dim")


def changed_cell(state: JobState, now: float) -> Text:
    return (
        Text(ago(now - state.last_change), style="")
        if state.last_change
        else Text("–", style="dim")
    )


def checked_cell(state: JobState, now: float) -> Text:
    if state.error is not None and not state.not_found:
        return Text("error", style="bold red")  # the code and advice are in the detail pane
    if state.stale and state.row is not None:
        return Text("stale", style="yellow")
    if not state.last_checked:
        return Text("–", style="dim")
    return Text(ago(now - state.last_checked), style="dim")
