"""The engine's own state as subscribers see it: each batch's ``Update``, the
``EngineStatus`` (paused, offline, throttled, the account refused) and the ``Tally``."""

from __future__ import annotations

from dataclasses import dataclass

from yike_tui.api.errors import ErrorKind
from yike_tui.core.events import Event
from yike_tui.core.models import JobStatus


@dataclass(frozen=True)
class Update:
    """What one batch of work changed: the events and the ids whose state moved."""

    events: list[Event]
    changed: set[str]


@dataclass
class EngineStatus:
    paused: bool = False
    pause_reason: str = ""  # set when an error paused polling; "" when the user paused
    pause_kind: ErrorKind | None = None  # the kind of that error
    in_flight: int = 0
    last_success: float | None = None  # wall time
    next_pass: float | None = None  # wall time; None when manual or paused
    # The newest per-job API error or failure to save ("" once none is current). The
    # status bar counts per-job errors instead (Tally.errors) and shows ``history_error``.
    last_error: str = ""
    history_error: str = ""  # saving history failed; "" again after the next good save
    offline_since: float | None = None  # wall time the endpoint stopped answering; None: online
    offline_jobs: int = 0  # jobs that could not be reached since then
    offline_reason: str = ""  # the newest transport error, "Code: message"
    # The API refuses the account (not enabled for Yike): what it means and what to do, one
    # line; "" when not. Since when (wall time); ``next_pass`` says when it is asked again.
    account_problem: str = ""
    account_since: float | None = None
    throttled: bool = False
    # One engine per state db (engine/shared.py): whose engine this process follows, as
    # "pid 4242 on host" ("" while it is the engine itself, or alone).
    following: str = ""
    requests: int = 0
    passes: int = 0
    peak_in_flight: int = 0


@dataclass(frozen=True)
class Tally:
    """The watch list at a glance, counted in one pass over it."""

    counts: dict[JobStatus, int]  # jobs with an answer (or a snapshot), by status
    loading: int  # jobs with nothing to show yet (JobState.loading)
    errors: int  # jobs whose last fetch got an API error, an unknown JobId included
    total: int
