"""The detail pane: everything known about the selected job, as plain text."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.widgets import Static

from yike_tui.api.credits import Credits, JobCharge
from yike_tui.core.amounts import grouped
from yike_tui.core.models import Job, JobCredit, JobStatus
from yike_tui.core.presentation import ago, why_no_output
from yike_tui.engine.job_state import JobState
from yike_tui.safety.redaction import is_redacted, redact_url
from yike_tui.safety.safe_text import clean
from yike_tui.ui import cells
from yike_tui.ui.widgets.keyed_scroll import KeyedScroll


def missing_output(state: JobState) -> tuple[bool, str]:
    """Why a job has no output URL: (whether one may still come, why). "Yet" only for what
    will come: a failed job, a storyboards-only job or an unknown JobId never gets one."""
    job = state.job
    if state.not_found:
        return False, "the API does not know this JobId"
    if job is None:
        if state.error is not None:
            return False, "the job could not be fetched (see its last error)"
        return True, "the job has not been fetched"
    will_come, why = why_no_output(job)
    if job.status is JobStatus.SUCCEEDED and why.startswith("storyboards only"):
        return False, "storyboards only (open them in the Yike editor: the tree, o)"
    if job.status is JobStatus.SUSPENDED:
        return True, f"{why} (u resumes it)"
    return will_come, why


def no_output_message(state: JobState) -> str:
    """The toast for c, o and D on a job without an output URL."""
    will_come, why = missing_output(state)
    return f"No output URL{' yet' if will_come else ''}: {why}."


def _line(text: Text, label: str, value: str, style: str = "") -> None:
    text.append(f"{label:<14} " if len(label) < 14 else f"{label}  ", style="bold")
    text.append(value, style=style)
    text.append("\n")


def credit_cost_text(credit: JobCredit) -> str:
    """``1,234 (images 200, video 900, composition 134)``: what the job cost, on one line;
    "" when the API gave no figure."""
    parts = [
        (name, value)
        for name, value in (
            ("images", credit.element_image_generation),
            ("video", credit.video_generation),
            ("composition", credit.video_composition),
        )
        if value is not None
    ]
    if credit.total_credit_cost is None and not parts:
        return ""
    total = credit.total_credit_cost
    if total is None:
        total = sum((value for _, value in parts), Decimal(0))
    detail = ", ".join(f"{name} {grouped(value)}" for name, value in parts)
    return grouped(total) + (f" ({detail})" if detail else "")


def charge_text(charge: JobCharge) -> str:
    """``1,234.5, Deducted``: what GetYikeJobCredit says the job was charged."""
    cost = grouped(charge.cost) if charge.cost is not None else "no figure"
    return f"{cost}, {cells.safe(charge.status, 40)}" if charge.status else cost


def suspended_for_credits(job: Job, credits: Credits | None) -> str:
    """Why a Suspended job likely stopped, when the balance says so; "" otherwise."""
    if job.status is not JobStatus.SUSPENDED or credits is None or not credits.low:
        return ""
    left = f"{int(max(credits.remaining, Decimal(0))):,}"
    return f"credits ran low ({left} left): top up, then u resumes"


def render_detail(
    state: JobState | None,
    now: float,
    credits: Credits | None = None,
    charge: JobCharge | None = None,
) -> Text:
    """``credits``: the account's balance when known, to explain a Suspended job;
    ``charge``: what the job was charged, when the Yike product said (GetYikeJobCredit)."""
    text = Text()
    if state is None:
        text.append("No job selected.", style="dim")
        return text
    job = state.job
    _line(text, "Job", cells.safe(state.job_id))
    if state.label:
        _line(text, "Label", cells.safe(state.label))
    status = cells.status_cell(state)
    text.append(f"{'Status':<14} ", style="bold")
    text.append_text(status)
    if state.stale and job is not None:
        text.append("  (from disk, not refreshed yet)", style="yellow")
    text.append("\n")
    if job is not None and (why := suspended_for_credits(job, credits)):
        _line(text, "Likely why", why, "yellow")
    if job is not None:
        _line(text, "Title", cells.safe(job.title) or "(none)")
        done, total = job.storyboards_done, len(job.storyboards)
        _line(text, "Storyboards", f"{done}/{total} done, {job.storyboards_failed} failed")
        _line(text, "Failed shots", str(len(job.failed_shots)), "red" if job.failed_shots else "")
        if job.output_url:  # never the signature on screen: c, o and D use the whole link
            _line(text, "Output", cells.safe(redact_url(job.output_url)), "underline")
        else:
            will_come, why = missing_output(state)
            _line(text, "Output", f"{'not yet' if will_come else 'none'}: {why}", "dim")
        if is_redacted(job.output_url):
            note = "the signed link is not kept on disk: c, o or D fetch a fresh one"
            _line(text, "", note, "dim")
        if job.srt_url:
            _line(text, "Subtitles", cells.safe(job.srt_url))
        if job.credit is not None and (cost := credit_cost_text(job.credit)):
            _line(text, "Credits", cost)
        if charge is not None and charge.job_id == state.job_id:
            _line(text, "Charged", charge_text(charge))
        _line(text, "RequestId", cells.safe(job.request_id) or "–", "dim")
    if state.last_checked:
        clock = time.strftime("%H:%M:%S", time.localtime(state.last_checked))
        _line(text, "Checked", f"{ago(now - state.last_checked)} ({clock})")
    if state.error is not None:
        err = state.error
        text.append("\n")
        _line(text, "Last error", cells.safe(f"{err.code}: {err.message}"), "red")
        _line(text, "What to do", cells.safe(err.hint))
        if err.request_id:
            _line(text, "Error request", cells.safe(err.request_id), "dim")
    if state.not_found:
        _line(
            text,
            "Note",
            "the API does not know this JobId; it is not polled again (r retries)",
            "red",
        )
    if job is not None:
        text.append("\nParameters\n", style="bold underline")
        for key, value in job.params.items():
            if key == "ModelParams":
                continue
            _line(text, f"  {cells.safe(key, 24)}", cells.safe(value))
        if job.model_params is not None:
            text.append("  ModelParams\n", style="bold")
            pretty = json.dumps(job.model_params, indent=2, ensure_ascii=False)
            for row in pretty.splitlines():
                text.append(f"    {clean(row, one_line=True)}\n")
        elif job.params.get("ModelParams"):
            _line(text, "  ModelParams", cells.safe(job.params["ModelParams"]))
        if job.warnings:
            text.append("\nParse warnings\n", style="bold yellow")
            for warning in job.warnings:
                text.append(f"  {clean(warning, one_line=True)}\n", style="yellow")
    return text


class DetailPane(KeyedScroll):
    """Scrollable, focusable (``enter`` on the table comes here); j/k/g/G as everywhere."""

    can_focus = True

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("No job selected.", style="dim"), id="detail-body", markup=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: str | None = None  # the job shown: another opens at its top

    def show(
        self,
        state: JobState | None,
        now: float,
        credits: Credits | None = None,
        charge: JobCharge | None = None,
    ) -> None:
        body = render_detail(state, now, credits, charge)
        self.query_one("#detail-body", Static).update(body)
        job_id = state.job_id if state is not None else None
        if job_id != self._shown:  # the same job redrawn keeps where the reader is
            self._shown = job_id
            self.scroll_home(animate=False)
