"""One line at the bottom that says what is going on, including what is stale."""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from yike_tui.api.credits import LOW_CREDITS, Credits
from yike_tui.core.models import JobStatus
from yike_tui.core.presentation import STATUS_SYMBOL, ago
from yike_tui.engine.monitor import Monitor
from yike_tui.session import Session
from yike_tui.ui import cells


def render_status(
    monitor: Monitor,
    now: float,
    *,
    endpoint: str,
    credentials: str,
    credits: Credits | None = None,
    credits_note: str = "",
    readonly: bool = False,
    marked: int = 0,
) -> Text:
    """Most important first, as a narrow terminal cuts from the right: paused, offline (and
    since when), the account refused (and what to do) or stale, then when it refreshed and
    will next, then what went wrong, then
    the credit balance and the counts; the endpoint and the credentials (which `info` shows
    too) last. No balance (unread, or an account without Yike credits): nothing about it,
    unless ``credits_note`` says how to see it (ICE without a Yike user id), after the
    counts."""
    status = monitor.status
    text = Text()
    if status.pause_reason:
        text.append(
            f" PAUSED: {cells.safe(status.pause_reason, 90)} (R retries) ",
            style="bold white on red",
        )
    elif status.paused:
        text.append(" PAUSED ", style="bold black on yellow")
    if status.offline_since is not None:
        text.append(" OFFLINE ", style="bold white on red")
    if status.account_problem:
        # One state for the account, not one job's error after another.
        text.append(" ACCOUNT ", style="bold white on red")
    if status.following:  # another process polls: what follows is its engine's state
        text.append(f" following {cells.safe(status.following, 80)} ", style="bold black on cyan")
    last = status.last_success
    interval = monitor.interval
    stale_after = 2 * interval if interval > 0 else None
    if (stale_after and last and now - last > stale_after) or (
        not last and any(s.stale for s in monitor.jobs.values())  # shown from the cache only
    ):
        text.append(" STALE ", style="bold black on yellow")
    if readonly:  # the keys that change state are off: said where the eye is
        text.append(" READONLY ", style="bold black on cyan")
    _append_marked(text, marked)
    if status.throttled:
        text.append(" throttled ", style="yellow")
    if status.offline_since is not None:
        # One state for the outage, not one job's error after another.
        since = clock_time(status.offline_since, now)
        text.append(
            f" endpoint unreachable since {since} ({jobs(status.offline_jobs)})", style="red"
        )
        text.append(" ·")
    if status.account_problem:
        text.append(f" {cells.safe(status.account_problem, 200)} (R asks now)", style="red")
        text.append(" ·")
    text.append(" refreshed ")
    text.append(ago(now - last) if last else "never", style="" if last else "yellow")
    if status.next_pass is not None and not status.paused:
        text.append(f" · next {max(0, int(status.next_pass - now))}s")
    elif interval <= 0:
        text.append(" · manual (r/R)")
    if status.in_flight:
        text.append(f" · {status.in_flight} in flight", style="cyan")
    if status.offline_reason:
        text.append(f" · {cells.safe(status.offline_reason, 80)}", style="red")
    if status.history_error:
        text.append(f" · {cells.safe(status.history_error, 80)}", style="red")
    tally = monitor.tally()
    if tally.errors:  # each job's own error is in its detail pane; here only how many
        text.append(f" · {jobs(tally.errors)} with errors", style="red")
    if tally.loading and not status.account_problem:  # nothing loads until the account works
        text.append(f" · loading {tally.total - tally.loading}/{tally.total}", style="cyan")
    if credits is not None:
        text.append(" · ")
        text.append_text(credits_cell(credits))
    _append_counts(text, tally.counts)
    if credits is None and credits_note:  # after the counts: they matter more than a hint
        text.append(f" · {credits_note}", style="dim")
    text.append(f" · {cells.safe(endpoint, 48)}", style="dim")
    text.append(f" · {cells.safe(credentials, 40)}", style="dim")
    return text


def _append_marked(text: Text, marked: int) -> None:
    """`` 3 marked ``: what u, d, D, c, y and m act on instead of the selected job."""
    if marked:
        text.append(f" {marked} marked ", style="bold reverse")
        text.append(" esc unmarks ·", style="dim")


def render_offline(monitor: Monitor, marked: int = 0) -> Text:
    """Without credentials: read-only, nothing refreshed (the banner says the rest), and
    the counts of the jobs as last known."""
    text = Text(" READ-ONLY ", style="bold black on yellow")
    _append_marked(text, marked)
    text.append(" no credentials: nothing is refreshed (see above)", style="yellow")
    _append_counts(text, monitor.tally().counts)
    text.append(" · q quits", style="dim")
    return text


def _append_counts(text: Text, counts: Mapping[JobStatus, int]) -> None:
    """`` · ▶9 ✓4 ✗1``: how many jobs are in each status, those with none left out."""
    shown = [s for s in _COUNTED if counts.get(s)]
    if shown:
        text.append(" ·")
    for job_status in shown:
        text.append(
            f" {STATUS_SYMBOL[job_status]}{counts[job_status]}",
            style=cells.STATUS_STYLE[job_status],
        )


VERY_LOW = 1000  # red below this: the next job will likely be suspended on the way


def credits_cell(credits: Credits) -> Text:
    """``credits 12,340``; under the vendor's 5,000 ``credits 4,200 low`` in yellow, red
    under 1,000."""
    amount = f"credits {int(max(credits.remaining, Decimal(0))):,}"  # 4,999.6 is not "5,000 low"
    if credits.remaining >= LOW_CREDITS:
        return Text(amount)
    style = "bold red" if credits.remaining < VERY_LOW else "bold yellow"
    return Text(f"{amount} low", style=style)


def jobs(count: int) -> str:
    return f"{count} job" if count == 1 else f"{count} jobs"


def clock_time(wall: float, now: float) -> str:
    """``14:01`` in local time; with the date when that was a day or more ago."""
    shape = "%H:%M" if now - wall < 86400 else "%b %d %H:%M"
    return time.strftime(shape, time.localtime(wall))


_COUNTED = (
    JobStatus.RUNNING,
    JobStatus.SUCCEEDED,
    JobStatus.FAILED,
    JobStatus.SUSPENDED,
    JobStatus.UNKNOWN,
)


class StatusBar(Static):
    """Redrawn every second (its "next 12s"), so only when the line changed, and without a
    layout pass: it is one row high whatever it says (a layout reflows the whole screen)."""

    _shown: Text | None = None

    def _show(self, text: Text) -> None:
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)

    def show_engine(
        self,
        monitor: Monitor | None,
        session: Session | None,
        now: float,
        credits: Credits | None = None,
        credits_note: str = "",
        readonly: bool = False,
        marked: int = 0,
    ) -> None:
        """What the engine is doing now, or that there is no connection to do it over;
        ``marked``: how many rows are marked (space)."""
        if monitor is None or session is None:
            self._show(Text(" no connection: see the message above · q quits", style="yellow"))
            return
        conn = session.conn
        if conn is None:  # the banner above says why and what to do; here only the counts
            self._show(render_offline(monitor, marked))
            return
        credentials = conn.credentials.describe()
        self._show(
            render_status(
                monitor,
                now,
                endpoint=conn.endpoint,
                credentials=credentials,
                credits=credits,
                credits_note=credits_note,
                readonly=readonly,
                marked=marked,
            )
        )
