"""An outage, or the account refused, told once in `watch`'s lines, not once per job.

When the endpoint cannot be reached, every watched job's fetch fails and, when it comes back,
every job recovers: 500 jobs made 1,000 lines saying one thing twice. The engine knows it is
one state (``EngineStatus.offline_since``); this says it that way: one line when the endpoint
goes, one when it is back. ``--json`` and ``--exec`` still get every event (machines count).

An account the API refuses (not enabled for Yike) is no job's event at all: one line on
stderr when it starts, in human and ``--json`` runs alike, and one when it is served again.
"""

from __future__ import annotations

import time

from yike_tui.core.events import Event, EventKind
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import EngineStatus
from yike_tui.safety.safe_text import clean


class OutageLines:
    def __init__(self) -> None:
        self._told = False  # the outage under way has been printed
        self._quiet: set[str] = set()  # jobs whose failure was the outage's, not printed
        self._since = 0.0
        self._most = 0  # the most jobs the outage kept from being reached

    def swallow(self, event: Event, monitor: Monitor) -> bool:
        """True when ``event`` is part of the outage (its line would only repeat it)."""
        if event.kind is EventKind.FETCH_FAILED:
            state = monitor.jobs.get(event.job_id)
            if state is not None and state.unreachable:
                self._quiet.add(event.job_id)
                return True
        elif event.kind is EventKind.FETCH_RECOVERED and event.job_id in self._quiet:
            self._quiet.discard(event.job_id)
            return True
        return False

    def lines(self, status: EngineStatus) -> list[str]:
        """What changed about the endpoint since the last call, as lines to print."""
        if status.offline_since is not None:
            self._most = max(self._most, status.offline_jobs)
            if self._told:
                return []
            # Said when the first job fails: how many it reaches is told when it is over.
            self._told, self._since = True, status.offline_since
            since = time.strftime("%H:%M:%S", time.localtime(status.offline_since))
            why = clean(status.offline_reason, one_line=True)[:200]
            return [f"! OFFLINE    endpoint unreachable since {since}: {why}"]
        if not self._told:
            return []
        self._told = False
        jobs, self._most = self._most, 0
        return [
            f"  online     the endpoint answers again (unreachable since "
            f"{time.strftime('%H:%M:%S', time.localtime(self._since))}, "
            f"{jobs} job{'' if jobs == 1 else 's'} waited)"
        ]


class AccountLines:
    """The engine's account-level state (``EngineStatus.account_problem``) as two lines."""

    def __init__(self, every: float) -> None:
        self._every = every  # how often the engine asks again meanwhile
        self._told = ""

    def lines(self, status: EngineStatus) -> list[str]:
        problem = status.account_problem
        if problem == self._told:
            return []
        was, self._told = self._told, problem
        if problem:
            every = f"{self._every / 60:g} min" if self._every >= 60 else f"{self._every:g} s"
            return [f"{clean(problem, one_line=True)}; watching on, asked again every {every}"]
        return ["the API serves the account again: watching every job"] if was else []
