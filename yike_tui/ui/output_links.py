"""The selected job's output link for c (copy), o (open), D (download) and m (report).

The copy kept on disk is unsigned (``redaction``): before it is copied, opened or
downloaded a fresh one is fetched. Where there is no link, the user is told why (not yet,
or never) instead of nothing happening.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping

from textual.screen import Screen
from textual.widget import Widget

from yike_tui.actions.report import render_report
from yike_tui.api.credits import JobCharge
from yike_tui.core import links
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.safety.redaction import is_redacted
from yike_tui.ui.widgets.detail import no_output_message

# The app's clipboard: copy(text, what it is, link=is it a URL): it says what happened.
Copy = Callable[..., None]


async def open_in_browser(node: Widget, url: str) -> None:
    """Open ``url`` the way the desktop does (off the event loop) and say what happened."""
    try:
        message = await asyncio.to_thread(links.open_url, url)
    except ValueError as exc:
        message = str(exc)
    node.notify(message, markup=False)


class OutputLinks:
    """What the main screen does with a job's output link. Work runs as workers on the
    screen, so an error lands in its one ``on_worker_state_changed``."""

    def __init__(
        self,
        screen: Screen[None],
        monitor: Monitor | None,
        copy: Copy,
        charges: Callable[[], Mapping[str, JobCharge]] = dict,
    ) -> None:
        """``charges``: what jobs were charged, as far as known (the report's column)."""
        self.screen, self.monitor, self.copy = screen, monitor, copy
        self.charges = charges

    def usable(self, state: JobState | None) -> JobState | None:
        """``state`` when its job has an output URL; otherwise None, having said why."""
        if state is None:
            self.screen.notify("No job selected.", severity="warning")
            return None
        if not state.job or not state.job.output_url:
            self.screen.notify(no_output_message(state), severity="warning", markup=False)
            return None
        return state

    async def fresh_url(self, job_id: str) -> str:
        """The output URL from a fetch made now (the signed link is never kept on disk);
        "" after saying why when there is none."""
        assert self.monitor is not None
        state = await self.monitor.fetch_now(job_id)
        url = state.job.output_url if state.job else ""
        # Refused for the account, the job keeps its last answer (whose link is not fresh).
        refused = self.monitor.status.account_problem
        if state.error is not None or not url or is_redacted(url) or refused:
            why = f"{state.error.code}: {state.error.message}" if state.error else "no URL"
            why = refused or why
            message = f"Could not get a fresh output URL ({why})"
            self.screen.notify(message, severity="error", markup=False)
            return ""
        return url

    def copy_url(self, selected: JobState | None) -> None:
        """c: the output URL to the clipboard, fetched anew when the kept one is unsigned."""
        state = self.usable(selected)
        if state is None or state.job is None:
            return
        if is_redacted(state.job.output_url):
            work = self._copy_fresh(state.job_id)
            self.screen.run_worker(work, group="copy", exit_on_error=False)
            return
        self.copy(state.job.output_url, "Copied output URL", link=True)

    def copy_urls(self, states: list[JobState]) -> None:
        """c with rows marked: the output URLs of those that have one, a line each (fetched
        anew where the kept one is unsigned); the toast counts those without."""
        having = [s for s in states if s.job is not None and s.job.output_url]
        if not having:
            note = f"None of the {len(states)} marked jobs has an output URL."
            self.screen.notify(note, severity="warning")
            return
        work = self._copy_many(having, len(states) - len(having))
        self.screen.run_worker(work, group="copy", exit_on_error=False)

    async def _copy_many(self, states: list[JobState], without: int) -> None:
        async def url_of(state: JobState) -> str:
            url = state.job.output_url if state.job else ""
            return await self.fresh_url(state.job_id) if is_redacted(url) else url

        urls = []
        for url in await asyncio.gather(*(url_of(s) for s in states)):
            try:
                urls.append(links.check_url(url))  # each as a single link would be
            except ValueError:
                without += 1
        if not urls:
            return  # fresh_url said why
        what = f"Copied {len(urls)} output URL{'s' if len(urls) > 1 else ''}"
        if without:
            what += f" ({without} marked without one)"
        self.copy("\n".join(urls), what)

    async def _copy_fresh(self, job_id: str) -> None:
        url = await self.fresh_url(job_id)
        if url:
            self.copy(url, "Copied output URL", link=True)

    def open_output(self, selected: JobState | None) -> None:
        """o: the output in the desktop's browser or player."""
        state = self.usable(selected)
        if state is not None and state.job is not None:
            work = self._open(state.job.output_url, state.job_id)
            self.screen.run_worker(work, group="open", exit_on_error=False)

    async def _open(self, url: str, job_id: str) -> None:
        if is_redacted(url):
            url = await self.fresh_url(job_id)
            if not url:
                return
        await open_in_browser(self.screen, url)

    def copy_report(self, states: Iterable[JobState]) -> None:
        """m: a Markdown report of the jobs shown, to the clipboard."""
        jobs = [s.job for s in states if s.job is not None]
        if not jobs:
            self.screen.notify("No jobs to report yet.", severity="warning")
            return
        report = render_report(jobs, "md", self.charges())
        self.copy(report, f"Copied a Markdown report of {len(jobs)} job(s)")
