"""Send a checked submit once, and keep the job it creates whatever happens next.

The one place the CLI and the TUI submit. A submit spends credits, so the job it creates
must never be lost:

- before the request goes out, a note that a submit is out is written to the state db;
  the next ``submit`` (and ``list``) finds it if the process died before the answer was
  kept, and says where to look for a job that may exist;
- the JobId in the answer is checked by the one JobId rule and saved to the watch list
  before anything is printed or drawn; an id that cannot be used is reported with the
  submit's RequestId (never printed raw: it came from a server);
- while the answer is awaited and saved, a stop asked for by a signal waits
  (``GUARD``): the answer's deadline bounds the wait.

What is certain and what is not is said apart: a refusal with an error code means nothing
was created; a lost or garbled answer means the job may exist and be charged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yike_tui.actions.submit import SubmitRequest
from yike_tui.api.errors import ApiError, api_text
from yike_tui.core.job_ids import InvalidJobId, check_job_id
from yike_tui.safety.safe_text import clean
from yike_tui.store import Store

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient


log = logging.getLogger(__name__)

IN_FLIGHT_KEY = "submit_in_flight"
CONSOLE = "https://www.yikeai.com"
# Errors raised before a byte of the request left: nothing can have been created.
_NOT_SENT = frozenset({"ConnectionFailed", "NameResolutionFailed", "TLSError", "RequestInvalid"})


class JobMayExist(Exception):
    """The submit went out but no usable JobId came back: the job may exist and be charged.

    ``str()`` is one line: what happened, the RequestId when there is one, where to look.
    """

    def __init__(self, what: str, request_id: str = "") -> None:
        self.request_id = request_id
        rid = f" [RequestId {request_id}]" if request_id and request_id not in what else ""
        super().__init__(
            f"the submit's outcome is unknown: {what}{rid}; the job may exist and be charged: "
            f"find it in the Yike console ({CONSOLE}) before submitting again"
        )


@dataclass(frozen=True)
class Submitted:
    job_id: str
    request_id: str
    save_error: str = ""  # why the job is not in the watch list; "" when it is


class SubmitGuard:
    """Counts submits whose answer is out or not yet kept; what to run once none is.

    A signal handler asks ``when_idle(stop)``: the stop runs at once, or as soon as the
    last answer is kept. Process-wide, as signals are.
    """

    def __init__(self) -> None:
        self._active = 0
        self._waiting: list[Callable[[], None]] = []

    @property
    def busy(self) -> bool:
        return self._active > 0

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        self._active += 1
        try:
            yield
        finally:
            self._active -= 1
            if not self._active:
                waiting, self._waiting = self._waiting, []
                for run in waiting:
                    run()

    def when_idle(self, run: Callable[[], None]) -> None:
        if self.busy:
            self._waiting.append(run)
        else:
            run()


GUARD = SubmitGuard()


def _note_in_flight(store: Store | None, request: SubmitRequest) -> None:
    if store is None or store.in_memory:
        return
    note = {"title": request.query.get("Title", ""), "sent": time.time()}
    try:
        store.set_meta(IN_FLIGHT_KEY, json.dumps(note, ensure_ascii=False))
    except sqlite3.Error as exc:  # the note is a safety net; the submit still goes
        log.warning("the in-flight submit could not be noted: %s", exc)


def _clear_in_flight(store: Store | None) -> None:
    if store is None or store.in_memory:
        return
    try:
        store.set_meta(IN_FLIGHT_KEY, "")
    except sqlite3.Error as exc:
        log.warning("the in-flight submit note could not be cleared: %s", exc)


def interrupted_submit(store: Store | None) -> str:
    """One line about a submit whose answer was never kept (the process died), or ""."""
    if store is None:
        return ""
    try:
        raw = store.get_meta(IN_FLIGHT_KEY)
        note = json.loads(raw) if raw else None
    except (sqlite3.Error, ValueError):
        return ""
    if not isinstance(note, dict):
        return ""
    title = clean(str(note.get("title", "")), one_line=True)[:128]
    sent = note.get("sent")
    when = (
        time.strftime("%Y-%m-%d %H:%M", time.localtime(sent))
        if isinstance(sent, int | float) and 0 < sent < 1e11
        else "an unknown time"
    )
    return (
        f"a submit sent at {when} (title {title!r}) ended before its answer was kept: the job "
        f"may exist; find it in the Yike console ({CONSOLE})"
    )


def forget_interrupted(store: Store | None) -> None:
    """The user has been told about an interrupted submit: do not say it again."""
    _clear_in_flight(store)


def _checked_id(job_id: object, request_id: str) -> str:
    if not isinstance(job_id, str) or not job_id:
        raise JobMayExist("its answer carried no JobId", request_id)
    try:
        return check_job_id(job_id)
    except InvalidJobId:
        shown = api_text(job_id, 60)
        raise JobMayExist(
            f"its answer carried a JobId that cannot be one ({shown!r})", request_id
        ) from None


def _request_id(value: object) -> str:
    return api_text(value, 100) if isinstance(value, str) else ""


async def submit_and_keep(
    client: ApiClient,
    request: SubmitRequest,
    *,
    store: Store | None,
    keep: Callable[[str], None] | None = None,
) -> Submitted:
    """Send ``request`` once; the new job is in the watch list before this returns.

    ``keep`` saves the id to the watch list (the default: ``store.watch``); ``store``
    holds the in-flight note. Raises ApiError when the service refused (nothing was
    created), JobMayExist when the job may exist without a usable JobId.
    """
    with GUARD.holding():
        _note_in_flight(store, request)
        try:
            return await _send_and_keep(client, request, store, keep)
        finally:  # told now, or kept: the note is only for a process that died in here
            _clear_in_flight(store)


async def _send_and_keep(
    client: ApiClient,
    request: SubmitRequest,
    store: Store | None,
    keep: Callable[[str], None] | None,
) -> Submitted:
    try:
        answer = await client.submit_job(request.query, request.form)
    except ApiError as err:
        if 300 <= err.http_status < 500 or err.code in _NOT_SENT:
            raise  # refused (a redirect, a 4xx), or never sent: nothing was created
        raise JobMayExist(str(err), err.request_id) from None
    request_id = _request_id(answer.request_id)
    job_id = _checked_id(answer.job_id, request_id)
    try:
        if keep is not None:
            keep(job_id)
        elif store is not None and not store.in_memory:
            store.watch([job_id])
        else:
            return Submitted(job_id, request_id, "no state db to keep it in")
    except (sqlite3.Error, OSError, ValueError) as exc:
        return Submitted(job_id, request_id, clean(str(exc), one_line=True)[:200])
    return Submitted(job_id, request_id)
