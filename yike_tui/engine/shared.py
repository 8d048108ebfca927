"""One engine per state db: a ``Monitor`` that polls the API only while its process holds
the state db's lease (``store/lease.py``), and otherwise follows the process that does.

The TUI, ``watch`` and a teammate's TUI on one state db would each fetch every job; with this
the first to start is the engine and the others read what it writes (``engine/follower.py``):
the same job states, the same events in the same order, told to the same subscribers, so a
screen or a ``watch`` cannot tell which it is, and the API is asked once. ``run`` plays
whichever role the lease gives, and changes role without a restart:

- the engine polls as a ``Monitor`` does, renews the lease every ``RENEW_EVERY`` seconds with
  its state (paused, offline, throttled...), and every ``TICK`` looks for asks (refresh now,
  pause, resume), for changes to the watch list made elsewhere, and for the jobs followers
  watch beyond it (polled by a second, unseen ``Monitor``: "guests"). Each write checks the
  lease: an engine that finds another holds it (it slept through a takeover) writes nothing
  more and follows.
- a follower polls the db every ``TICK``, mirrors the engine's state in its ``status`` (and
  says whose it is: ``following``), and sends what changes the engine's work to it: refresh,
  pause and resume as asks; added or removed jobs through the watch list (or as guests).
  Resume and submit are API calls of their own, made by whoever asks.
- when the engine stops renewing (ended, killed, asleep) a follower takes the lease over,
  reads what the engine wrote last, and carries on from the stored snapshots on the same
  schedule: nothing is told twice, nothing is lost, no job is fetched twice.

A state db whose lease table cannot be used (a hostile schema) leaves the process on its own
engine, said once (``alone``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal

from yike_tui.api.errors import ApiError
from yike_tui.core.config import WatchedJob
from yike_tui.core.models import JobStatus, parse_job
from yike_tui.engine.follower import Follower
from yike_tui.engine.job_state import JobState, status_of
from yike_tui.engine.monitor import JobFetcher, Monitor
from yike_tui.engine.sharing import mirror, number, published_state
from yike_tui.engine.status import Update
from yike_tui.safety.safe_text import clean, truncate
from yike_tui.store import JobRow, Store
from yike_tui.store.db import is_busy
from yike_tui.store.lease import RENEW_EVERY, STEP_DOWN, Holder, Judge, forget_claim, new_claim

log = logging.getLogger(__name__)

TICK = 0.5  # seconds between looks at the db: asks and the watch list, or a follower's news
Role = Literal["starting", "engine", "follower", "alone"]


class SharedMonitor(Monitor):
    """A ``Monitor`` that shares its state db's one engine (see the module's docstring)."""

    def __init__(
        self,
        fetcher: JobFetcher,
        *,
        store: Store,
        settings: Mapping[str, Any],
        **options: Any,
    ) -> None:
        """``settings``: what this process would poll with, published when it is the engine
        (``interval``, ``rate_limit``, and the ``api`` and ``endpoint`` it asks)."""
        super().__init__(fetcher, store=store, **options)
        self.db = store
        self.role: Role = "starting"
        self.holder: Holder | None = None  # the engine this process follows (or followed)
        self._row: Holder | None = None  # the lease as last read (None: nobody holds it)
        self.on_note: Callable[[str], None] | None = None  # told each note once
        self.notes: list[str] = []
        self.signed_urls = False  # events told with working output links (watch --json)
        self.settings = dict(settings)
        self.follower = Follower(self, store)
        self._claim = new_claim(self.settings)
        self._judge = Judge()
        self._own_interval, self._own_rate = self.interval, self.limiter.rate
        self._watchlist: dict[str, str] = {}  # the watch list as last read: id -> label
        self._own: set[str] = set()  # jobs watched here beyond the watch list
        self._guest_rows: set[str] = set()  # the guests this follower listed
        self._guests: Monitor | None = None  # the engine's: the followers' own jobs
        self._guest_task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._renewed = 0.0  # monotonic: the last renewal that went through
        self._next_renew = 0.0
        self._seen_version: int | None = None  # data_version at the engine's last look
        self._told: set[str] = set()  # the holders already said to be followed
        self._ready = False
        self._known: tuple[dict[str, str], int] | None = None  # (watch list, its version)

    # --- start --------------------------------------------------------------------------

    def watchlist_known(self, labels: Mapping[str, str], version: int) -> None:
        """The watch list as read already (id -> label), and its version then: a change
        since is read at the first look. The rest of the list comes with its pages
        (``add_known``)."""
        self._known = (dict(labels), version)

    def load_cached(self, job_ids: Iterable[str] | None = None) -> int:
        """As ``Monitor.load_cached``, the follower's marks taken first: nothing written
        after it is missed."""
        self.follower.mark()
        if self._known is not None:
            self._watchlist, self.follower.watch_version = self._known
        else:
            self._watchlist = {w.id: w.label for w in self.db.watchlist()}
        self._known = None
        self._own = {job_id for job_id in self.jobs if job_id not in self._watchlist}
        self._ready = True
        return super().load_cached(job_ids)

    def add_known(self, entries: Iterable[tuple[str, str, JobRow | None]]) -> list[str]:
        """As ``Monitor.add_known``: a page of the watch list, known to be on it (not this
        process's own jobs, nor a follower's guests)."""
        watchlist = self._watchlist

        def listed() -> Iterator[tuple[str, str, JobRow | None]]:
            for entry in entries:
                watchlist[entry[0]] = entry[1]
                yield entry

        return super().add_known(listed())

    @property
    def following(self) -> bool:
        return self.role == "follower"

    def _say(self, text: str) -> None:
        log.info("%s", text)
        self.notes.append(text)
        if self.on_note is not None:
            try:
                self.on_note(text)
            except Exception:
                log.exception("telling a note failed")

    # --- the roles ----------------------------------------------------------------------

    async def run(self) -> None:
        """Poll while this process is the engine, follow while another is; until cancelled."""
        self._lost = asyncio.Event()
        try:
            while True:
                try:
                    holder = self.db.take_lease(
                        self._claim, self._judge, published_state(self.status)
                    )
                except sqlite3.Error as exc:
                    if not is_busy(exc) and self.role == "starting":
                        await self._alone(exc)
                        return
                    log.warning("the engine lease could not be read: %s", exc)
                    holder = self._row
                    if holder is None:  # nobody known to follow: look again soon
                        await asyncio.sleep(TICK)
                        continue
                if holder is None:
                    await self._lead()
                else:
                    await self._follow(holder)
        finally:
            self._stop_guests()
            self._release()

    async def _alone(self, exc: sqlite3.Error) -> None:
        self.role = "alone"
        why = truncate(clean(str(exc), one_line=True), 120)
        self._say(f"the state db's engine lease cannot be used ({why}): this process polls alone")
        await Monitor.run(self)

    async def _lead(self) -> None:
        took_over = self.role == "follower"
        before = self.holder
        try:
            await self.follower.poll(force=True)  # the last engine's last writes, told first
        except sqlite3.Error as exc:
            log.warning("reading the last engine's writes failed: %s", exc)
        self.role, self.holder = "engine", None
        self.lease, self.on_lease_lost = self._claim.token, self._lost.set
        self._lost.clear()
        self.interval, self.limiter.rate = self._own_interval, self._own_rate
        status = self.status
        status.following, status.paused, status.pause_reason = "", False, ""
        status.in_flight, status.throttled, status.next_pass = 0, False, None
        self._renewed = self._next_renew = time.monotonic()
        self._guest_rows.clear()  # taking the lease dropped them: this process polls its own
        if took_over:
            self._schedule_from_store()
            who = before.who if before is not None else "another process"
            self._say(f"the engine ({who}) stopped: this process polls the API now")
        self._seen_version = None
        self._emit(Update([], set()))
        engine = asyncio.create_task(Monitor.run(self))
        try:
            while not self._lost.is_set() and not engine.done():
                self._lead_tick()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._lost.wait(), TICK)
        finally:
            engine.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await engine
            self._stop_guests()
            self.lease = None
        failed = engine.exception() if engine.done() and not engine.cancelled() else None
        if failed is not None:
            raise failed

    def _lead_tick(self) -> None:
        now = time.monotonic()
        if now >= self._next_renew:
            self._renew(now)
        try:
            version = self.db.data_version()
            if version == self._seen_version:
                return
            self._seen_version = version
            asks = self.db.take_asks()
            for ask in asks:
                if ask.kind == "refresh":
                    Monitor.refresh_now(self, ask.job_id or None)
                    if self._guests is not None:
                        self._guests.refresh_now(ask.job_id or None)
                elif ask.kind == "pause":
                    Monitor.pause(self)
                else:
                    Monitor.resume(self)
            if asks:
                self._renew(now)  # the state they changed, shown in every window now
            if self.db.watchlist_version() != self.follower.watch_version:
                self._read_watchlist()
            self._sync_guests()
        except sqlite3.Error as exc:
            log.warning("looking at the state db failed: %s", exc)

    def _renew(self, now: float) -> None:
        self._next_renew = now + RENEW_EVERY
        try:
            held = self.db.renew_lease(self._claim.token, published_state(self.status))
        except sqlite3.Error as exc:
            log.warning("renewing the engine lease failed: %s", exc)
            if now - self._renewed > STEP_DOWN:  # a follower may take it any moment now
                self._lost.set()
            return
        if held:
            self._renewed = now
        else:
            self._lost.set()

    async def _follow(self, holder: Holder) -> None:
        if self.role == "engine":
            self._try(self.follower.resync)  # what this process held but may not have stored
            self._say(f"the engine is {holder.who} now: this process follows it")
        self.role = "follower"
        self.holder_seen(holder)
        self._try(self._list_guests)
        next_touch = time.monotonic() + RENEW_EVERY
        self.tell(Update([], set()))
        while True:
            try:
                await self.follower.poll()
                if time.monotonic() >= next_touch:
                    next_touch = time.monotonic() + RENEW_EVERY
                    if self._guest_rows:
                        self.db.touch_guests(self._claim.token)
            except sqlite3.Error as exc:
                log.warning("following the engine failed: %s", exc)
            if self._judge.lost(self._row):
                return  # run() takes the lease (or finds who took it first)
            await asyncio.sleep(TICK)

    def _release(self) -> None:
        try:
            if self.role == "engine":
                self.db.release_lease(self._claim.token)
            elif self._guest_rows:
                self.db.set_guests(self._claim, [])
        except sqlite3.Error as exc:
            log.warning("giving the engine lease up failed: %s", exc)
        forget_claim(self._claim)

    # --- what a follower sees -------------------------------------------------------------

    def holder_seen(self, holder: Holder | None) -> None:
        """The lease as read: whose engine this is, its state, its settings."""
        self._row = holder
        if holder is None or holder.token == self._claim.token:
            return  # None: given up, or a row that holds no lease: anyone's to take
        self.holder = holder
        self.follower.since = holder.started_at
        if self.role != "follower":
            return
        self.status.following = holder.who
        mirror(self.status, holder.state)
        interval = number(holder.settings, "interval")
        if interval is not None:
            self.interval = interval
        if holder.token not in self._told:
            self._told.add(holder.token)
            since = time.strftime("%H:%M", time.localtime(holder.started_at))
            self._say(
                f"following the engine of {holder.who} (running since {since}): "
                "this process sends no requests of its own"
            )
            self._say_settings(holder)

    def _say_settings(self, holder: Holder) -> None:
        theirs = {name: number(holder.settings, name) for name in ("interval", "rate_limit")}
        ours = {"interval": self._own_interval, "rate_limit": self._own_rate}
        differ = [
            name for name, value in theirs.items() if value is not None and value != ours[name]
        ]
        if differ:
            words = {"interval": ("interval", "s"), "rate_limit": ("rate limit", "/s")}
            said = ", ".join(
                f"{words[n][0]} {theirs[n]:g}{words[n][1]} (yours {ours[n]:g}{words[n][1]})"
                for n in differ
            )
            self._say(f"the engine's settings apply: {said}")

    def tell(self, update: Update) -> None:
        self._emit(update)

    def set_row(self, state: JobState, row: JobRow, *, fresh: bool) -> None:
        """``state`` as the engine stored it last: its row, an answer (no error), fresh or
        from before this engine started."""
        status = status_of(row.status_raw)
        state.set_summary(row, self.db.load_snapshot, status)
        state.error, state.failures, state.not_found, state.unreachable = None, 0, False, False
        state.stale = not fresh
        if state.is_terminal:
            state.confirmed, state.due = True, float("inf")

    def watchlist_now(self, watched: list[WatchedJob]) -> None:
        """The watch list changed (here or elsewhere): jobs added there are watched here,
        jobs removed there no longer (unless given to this process itself)."""
        new = {w.id: w.label for w in watched}
        old, self._watchlist = self._watchlist, new
        added = [job_id for job_id in new if job_id not in old and job_id not in self.jobs]
        gone = [job_id for job_id in old if job_id not in new and job_id not in self._own]
        self._own.difference_update(new)
        for job_id in added:
            Monitor.add(self, [job_id], label=new[job_id])
        if added and self.following:
            self.follower.load_rows(added)
        elif added:  # a job in a page of the watch list not read yet has its row stored
            Monitor.load_cached(self, added)
        if gone:
            Monitor.remove(self, gone)
        if self.following:
            self._list_guests()
        elif added or gone:
            self._sync_guests()

    def _read_watchlist(self) -> None:
        self.follower.watch_version = self.db.watchlist_version()
        self.watchlist_now(self.db.watchlist())

    def _list_guests(self) -> None:
        """A follower's jobs beyond the watch list, listed for the engine to poll."""
        wanted = {job_id for job_id in self.jobs if job_id not in self._watchlist}
        if wanted != self._guest_rows:
            self.db.set_guests(self._claim, sorted(wanted))
            self._guest_rows = wanted

    # --- the engine's guests ----------------------------------------------------------------

    def _sync_guests(self) -> None:
        wanted = self.db.live_guests() - self.jobs.keys()
        guests = self._guests
        if guests is None:
            if not wanted:
                return
            guests = self._guests = Monitor(
                self.fetcher,
                store=self.db,
                interval=self.interval,
                concurrency=self.concurrency,
                clock=self.clock,
                wall=self.wall,
                limiter=self.limiter,
                suspended_factor=self.suspended_factor,
            )
            guests.lease, guests.on_lease_lost = self._claim.token, self._lost.set
            self._guest_task = asyncio.create_task(guests.run())
        if added := guests.add(sorted(wanted - guests.jobs.keys())):
            guests.load_cached()
            log.info("polling %d job(s) for followers", len(added))
        guests.remove([job_id for job_id in guests.jobs if job_id not in wanted])

    def _stop_guests(self) -> None:
        if self._guest_task is not None:
            self._guest_task.cancel()
        self._guests = self._guest_task = None

    # --- taking over ------------------------------------------------------------------------

    def _schedule_from_store(self) -> None:
        """Each job due when the last engine would have fetched it next: a takeover asks the
        API no sooner, and no more, than the engine it replaces would have."""
        now, wall = self.clock(), self.wall()
        for state in self.jobs.values():
            state.failures = 0
            if state.not_found or (state.is_terminal and state.confirmed):
                state.due = float("inf")
            elif state.stale or not state.has_answer or state.error is not None:
                state.due = now
            elif self.interval <= 0:
                state.due = float("inf")
            else:
                factor = self.suspended_factor if state.status is JobStatus.SUSPENDED else 1.0
                period = self.interval * factor
                state.due = now + max(0.0, min(period, state.last_checked + period - wall))
            self._touch(state.job_id)

    # --- what a follower's user does ----------------------------------------------------

    def add(self, job_ids: Iterable[str], label: str = "") -> list[str]:
        added = super().add(job_ids, label)
        if self._ready:
            self._own.update(job_id for job_id in added if job_id not in self._watchlist)
            if self.following and added:
                self.follower.load_rows(added)
                self._try(self._list_guests)
        return added

    def remove(self, job_ids: Iterable[str]) -> list[str]:
        removed = super().remove(job_ids)
        self._own.difference_update(removed)
        if self.following and removed:
            self._try(self._list_guests)
        return removed

    def refresh_now(self, job_id: str | None = None) -> None:
        if not self.following:
            super().refresh_now(job_id)
        elif job_id is None or job_id in self.jobs:
            self._try(lambda: self.db.ask_engine("refresh", job_id or ""))

    def pause(self) -> None:
        if not self.following:
            super().pause()
            return
        self.status.paused = True  # as the engine will say in a moment
        self._try(lambda: self.db.ask_engine("pause"))
        self._emit(Update([], set()))

    def resume(self) -> None:
        if not self.following:
            super().resume()
            return
        self.status.paused, self.status.pause_reason = False, ""
        self._try(lambda: self.db.ask_engine("resume"))
        self._emit(Update([], set()))

    retry = resume

    async def fetch_now(self, job_id: str) -> JobState:
        """A follower fetches for its own use (a fresh output link) without storing: only
        the engine writes."""
        if not self.following:
            return await super().fetch_now(job_id)
        state = self.jobs[job_id]
        fresh = JobState(job_id, label=state.label, loading=False)
        try:
            await self.limiter.acquire()
            payload = await self.fetcher.get_job_payload(job_id)
        except ApiError as err:
            fresh.error = err
            return fresh
        fresh.job = parse_job(payload, job_id=job_id, fetched_at=self.wall())
        fresh.payload, fresh.last_checked, fresh.stale = payload, self.wall(), False
        return fresh

    def _try(self, call: Callable[[], None]) -> None:
        try:
            call()
        except sqlite3.Error as exc:
            log.warning("asking the engine failed: %s", exc)
            self.status.last_error = f"asking the engine failed: {exc}"
