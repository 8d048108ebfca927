"""Words and symbols shared by the CLI and the TUI, so both say the same thing."""

from __future__ import annotations

import re

from yike_tui.core.models import Job, JobStatus, Storyboard
from yike_tui.safety.safe_text import clean

# A symbol and a word for every status: colour is never the only signal.
STATUS_SYMBOL = {
    JobStatus.RUNNING: "▶",
    JobStatus.SUCCEEDED: "✓",
    JobStatus.FAILED: "✗",
    JobStatus.SUSPENDED: "⏸",
    JobStatus.UNKNOWN: "?",
}


def job_line(job: Job, *fields: str, status_width: int = 0) -> str:
    """A job on one line as the commands print it: ``▶ Running  <JobId>  <fields...>``.
    ``status_width`` pads the status word so a column of lines aligns (watch); the status
    and the id are made one line of clean text here, ``fields`` must already be."""
    status = clean(job.status_raw or job.status.value, one_line=True)
    head = f"{STATUS_SYMBOL[job.status]} {status:<{status_width}}"
    return "  ".join((head, clean(job.id, one_line=True), *fields)).rstrip()


def storyboard_symbol(sb: Storyboard) -> str:
    if sb.is_failed:
        return "✗"
    if sb.is_done:
        return "✓"
    return "…"


# Being named in ExceptionStoryboardIds, said among the vendor's values: the vendor's own
# status for such a storyboard (``get --json``'s), never a reason.
EXCEPTION = "Exception"
_EXCEPTION_AS_0_1_0_WROTE = re.compile(r"(?:(?<=, )|^)exception$")


def storyboard_values(sb: Storyboard) -> str:
    """The vendor's values for a storyboard, as the API gave them: ``Editing/CreateFailed``,
    ``Editing/Creating, Exception``, ``Exception`` (named only in ExceptionStoryboardIds);
    "" when the API says nothing of its status. The tree, ``get``, the event log, ``watch``
    and ``watch --json`` all say these words."""
    values = [sb.status_text] if sb.status or sb.sub_status else []
    if sb.exception:
        values.append(EXCEPTION)
    return ", ".join(values)


def stored_storyboard_values(text: str) -> str:
    """Values an event stored by version 0.1.0 holds (``Editing/Creating, exception``), in
    today's words."""
    return _EXCEPTION_AS_0_1_0_WROTE.sub(EXCEPTION, text)


def storyboard_status(sb: Storyboard) -> tuple[str, str]:
    """A storyboard's status as a word and the vendor's values behind it: ``("Failed",
    "Editing/CreateFailed, Exception")``, shown ``Failed … (Editing/CreateFailed,
    Exception)``."""
    if sb.is_failed:
        word = "Failed"
    elif sb.is_done:
        word = "Succeeded"
    elif sb.ready_to_edit:
        word = "Ready to edit"
    else:
        word = "Running"
    return word, clean(storyboard_values(sb), one_line=True)


def counted(n: int, thing: str) -> str:
    """``1 failed shot``, ``3 failed shots``."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def ago(seconds: float) -> str:
    """``42s ago``, ``3m ago``, ``5h ago``, ``2d ago``; ``just now`` under a second."""
    if seconds < 1:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"


def why_no_output(job: Job) -> tuple[bool, str]:
    """Why ``job`` has no output URL: (whether one may still come, why), the same words in
    the CLI and the TUI. "Yet" only for what will come: a failed job or a storyboards-only
    job never gets one. A Suspended job's resume hint is the caller's (a key, a command)."""
    if job.status is JobStatus.FAILED:
        return False, "the job failed"
    if job.status is JobStatus.SUCCEEDED:
        if _storyboards_only(job.params.get("ExecMode", ""), job.storyboards):
            return False, "storyboards only (open them in the Yike editor)"
        return False, "the job succeeded without one"
    return True, f"the job is {clean(job.status_raw or job.status.value, one_line=True)[:16]}"


def _storyboards_only(exec_mode: str, storyboards: tuple[Storyboard, ...]) -> bool:
    # The API does not echo ExecMode; a StoryboardOnly job ends with its storyboards created
    # (Editing/CreateSucc) and none produced.
    if exec_mode == "StoryboardOnly":
        return True
    return bool(storyboards) and all(sb.ready_to_edit for sb in storyboards)
