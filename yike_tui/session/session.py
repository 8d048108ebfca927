"""A watching session, for ``watch`` and the TUI alike: ``open_session`` sets up what one
needs: settings from config.toml (a broken file is reported: this run uses defaults), the
watch list from the state db, the connection (``session/connection.py``), one client and one
Monitor, the client paced by the engine's rate limiter from the moment it is built (for the
TUI without credentials: no connection, and the watch list as last fetched). The engine reads
the watch list a page at a time (``Session.more_jobs``), never as one list.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from yike_tui.api.credentials import Credentials, CredentialsError, resolve
from yike_tui.api.endpoints import APIS, DEFAULT_API, ApiSpec
from yike_tui.core.config import Config, ConfigError, Settings, load_config
from yike_tui.core.exits import CredentialsUnusable, UsageError, error
from yike_tui.core.job_ids import InvalidJobId, resolve_prefixes
from yike_tui.engine.monitor import JobFetcher, Monitor
from yike_tui.engine.ratelimit import RateLimiter
from yike_tui.engine.shared import SharedMonitor
from yike_tui.engine.sharing import shares_engine
from yike_tui.session.connection import Connection, RunOptions, connect, make_client
from yike_tui.session.watchlist import import_once, keep_watched, saving_watchlist
from yike_tui.store import Store
from yike_tui.store.bulk import quiet_gc

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient

ENGINE_RETRIES = 1  # the engine retries once inside the client; its own backoff does the rest
WATCHLIST_PAGE = 5000  # jobs of the watch list read (and added to the engine) at a time


@dataclass
class Session:
    conn: Connection | None  # None: no usable credentials (``no_credentials`` says why)
    settings: Settings
    job_ids: list[str]
    labels: dict[str, str]
    store: Store | None
    demo: bool
    config_error: str = ""  # set when config.toml could not be used (defaults this run)
    notices: list[str] = field(default_factory=list)
    profile: str | None = None  # --profile, to look the credentials up again
    limiter: RateLimiter | None = None  # the engine's, shared with the client it paces
    # Why there is no connection: the credentials error, whole (where they were looked for).
    # The TUI then shows the watch list as last fetched, read-only (``open_session``).
    no_credentials: str = ""
    # The state db's watch list follows ``job_ids`` (``open_session``): read a page at a
    # time by the engine (``make_monitor``, ``more_jobs``), never held as one list.
    from_watchlist: bool = False
    # Once the whole watch list is read: drop the snapshots of jobs no longer watched.
    tidy: bool = False
    _read_to: int = field(default=-1, repr=False)  # the watch list's position read up to
    # One engine per state db (engine/shared.py): this session's engine polls only while
    # its process holds the db's lease, and follows the process that does otherwise. Off
    # for the demo, a state db in memory and a filesystem without locks (said in notices).
    shared: bool = False
    # The watch list's version when ``labels`` (every watched job) was read from the state db;
    # None: not read here (a session built from parts reads it again when shared).
    watchlist_version: int | None = None

    @property
    def watchlist_writable(self) -> bool:
        """The TUI's a and d save to the watch list: not in the demo (whose jobs are not
        the user's), nor when the state db is unusable (the session notice says why)."""
        return self.store is not None and not self.store.in_memory and not self.demo

    @property
    def connection(self) -> Connection:
        """The connection; CredentialsUnusable in a session without credentials."""
        if self.conn is None:
            raise CredentialsUnusable(self.no_credentials)
        return self.conn

    def watch(self, job_ids: list[str], label: str = "") -> None:
        """Save ``job_ids`` to the watch list; WatchListError when it cannot be saved."""
        with saving_watchlist():
            if self.store is not None:
                self.store.watch(job_ids, label)

    def unwatch(self, job_ids: list[str]) -> None:
        """Take ``job_ids`` off the watch list; WatchListError when it cannot be saved."""
        with saving_watchlist():
            if self.store is not None:
                self.store.unwatch(job_ids)

    def rate_limiter(self) -> RateLimiter:
        """The engine's rate limiter: one per session, made on first use."""
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit)
        return self.limiter

    def make_client(self) -> ApiClient:
        """The engine's client: its retries wait for the engine's rate limiter."""
        return make_client(
            self.connection,
            retries=ENGINE_RETRIES,
            max_connections=max(8, self.settings.concurrency),
            pacer=self.rate_limiter().acquire,
            transport_name=self.settings.transport,
        )

    def changed_credentials(self) -> Credentials | None:
        """Credentials looked up again, when they differ from those in use (the user fixed
        them after a credentials error); None when unchanged, unusable or in the demo."""
        if self.demo or self.conn is None:
            return None
        try:
            fresh = resolve(profile=self.profile)
        except CredentialsError:
            return None
        current = self.conn.credentials
        same = (fresh.access_key_id, fresh.access_key_secret, fresh.security_token) == (
            current.access_key_id,
            current.access_key_secret,
            current.security_token,
        )
        if same:
            return None
        self.conn.credentials = fresh
        return fresh

    def make_monitor(
        self,
        client: JobFetcher,
        *,
        first: int | None = None,
        share: bool | None = None,
        **overrides: Any,
    ) -> Monitor:
        """The engine over ``client`` (from ``make_client``: both share the rate limiter),
        watching ``job_ids`` and then the watch list (``from_watchlist``): all of it, or its
        first ``first`` jobs (``more_jobs`` adds the others, a page at a time). One that
        shares the state db's one engine when the session does (``share`` None)."""
        limiter = self.rate_limiter()
        if "clock" in overrides:  # one clock for the engine and its pacing
            limiter.clock = overrides["clock"]
        if "rate_limit" in overrides:
            limiter.rate = overrides.pop("rate_limit")
        options: dict[str, Any] = {
            "store": self.store,
            "interval": self.settings.interval,
            "concurrency": self.settings.concurrency,
            "limiter": limiter,
        }
        options.update(overrides)
        monitor: Monitor
        if (self.shared if share is None else share) and self.store is not None:
            published = {
                "interval": float(options["interval"]),
                "rate_limit": float(limiter.rate),
                "api": self.conn.api.name if self.conn else "",
                "endpoint": self.conn.endpoint if self.conn else "",
            }
            del options["store"]
            monitor = SharedMonitor(client, store=self.store, settings=published, **options)
            if self.watchlist_version is not None:  # known: not read again at 100,000 jobs
                monitor.watchlist_known(self.labels, self.watchlist_version)
        else:
            monitor = Monitor(client, **options)
        self._read_to = -1  # the watch list from its start, for this engine
        # 100,000 long-lived job states: built without cyclic collections, then left out of
        # later full ones (store/bulk.py). Added in runs of one label, in watch-list order.
        with quiet_gc(freeze=True):
            runs = itertools.groupby(self.job_ids, key=lambda job_id: self.labels.get(job_id, ""))
            for label, ids in runs:
                monitor.add(list(ids), label=label)
            monitor.load_cached(self.job_ids if self.from_watchlist else None)
        for _ in self.more_jobs(monitor, limit=first):
            pass
        return monitor

    def more_jobs(
        self, monitor: Monitor, page: int = WATCHLIST_PAGE, limit: int | None = None
    ) -> Iterator[list[str]]:
        """The watch list's jobs not in ``monitor`` yet, added a page at a time (each job
        with its stored row) as the iterator is advanced; yields the ids of each page. Stops
        after ``limit`` jobs (None: at the end of the list, where the snapshots of jobs no
        longer watched are dropped)."""
        store = self.store
        if store is None or not self.from_watchlist:
            return
        left = limit
        while left is None or left > 0:
            size = page if left is None else min(page, left)
            rows = store.watched_rows(self._read_to, size)
            if not rows:
                break
            self._read_to = rows[-1][0]
            added = monitor.add_known((job_id, label, row) for _, job_id, label, row in rows)
            if self.conn is None:
                _never_fetched(monitor, added)
            if left is not None:
                left -= len(rows)
            yield added
        else:
            return
        if self.tidy:
            self.tidy = False
            keep_watched(store, self.job_ids)

    def cached_monitor(self, **overrides: Any) -> Monitor:
        """The watch list as last fetched (the store's summaries), for a session without
        credentials: an engine that is never run, over a fetcher that refuses."""
        monitor = self.make_monitor(_Refused(self.no_credentials), share=False, **overrides)
        _never_fetched(monitor, monitor.jobs)
        return monitor


def _never_fetched(monitor: Monitor, job_ids: Iterable[str]) -> None:
    """Jobs of a session without credentials: one with nothing stored is not "loading"
    (nothing will fetch it)."""
    for job_id in job_ids:
        state = monitor.jobs[job_id]
        if state.row is None:
            state.loading = False


class _Refused:
    """The fetcher of a session without credentials: nothing can be fetched."""

    def __init__(self, why: str) -> None:
        self.why = why

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        raise CredentialsUnusable(self.why)


def _load_config() -> tuple[Config | None, str]:
    try:
        return load_config(), ""
    except ConfigError as exc:
        return None, str(exc)


def session_for(
    endpoint: str,
    credentials: Credentials,
    job_ids: Iterable[str] = (),
    *,
    settings: Settings | None = None,
    labels: Mapping[str, str] | None = None,
    store: Store | None = None,
    api: ApiSpec = APIS[DEFAULT_API],
    yike_user_id: str = "",
    demo: bool = False,
    limiter: RateLimiter | None = None,
) -> Session:
    """A session on ``endpoint`` from these parts, with no config.toml or credential chain
    read: what the tests, the screenshots and the benchmarks run the app and engine on
    (``open_session`` is the user's, from their files and flags)."""
    return Session(
        conn=Connection(endpoint, credentials, [], api, yike_user_id=yike_user_id),
        settings=settings or Settings(),
        job_ids=list(job_ids),
        labels=dict(labels or {}),
        store=store,
        demo=demo,
        limiter=limiter,
    )


@contextlib.contextmanager
def open_session(
    options: RunOptions,
    cli_ids: list[str],
    *,
    require_jobs: bool = False,
    without_credentials: bool = False,
) -> Iterator[Session]:
    """Resolve config, state and connection; the ids from the command line come first,
    then the watch list.

    ``require_jobs`` makes an empty watch list a usage error, before credentials are sought.
    No usable credentials is CredentialsUnusable, unless ``without_credentials`` (the TUI):
    then the session has no connection and says why (``Session.no_credentials``), and the
    watch list is still the user's, with what the state db knows of each job. A state db
    another process keeps locked is StateDbBusy once the wait for it is over.
    """
    demo = options.demo
    config, config_error = _load_config()
    if demo:  # the demo's own settings; [keys] honoured, to try a rebinding on it
        keys = dict(config.settings.keys) if config else {}
        config, config_error = None, ""
    settings = config.settings if config else Settings()
    if demo:
        settings.keys = keys
    if options.interval is not None:
        settings.interval = options.interval
    notices = [f"config not used: {config_error}"] if config_error else []
    if config:
        notices.extend(config.warnings)
    # The demo keeps its history in memory and never reads or writes the user's watch list.
    store = None if demo else Store.open(on_wait=error)
    try:
        whole = False
        ids = list(dict.fromkeys(cli_ids))
        labels: dict[str, str] = {}
        watched = False  # any job on the watch list (read a page at a time by the engine)
        version = 0
        shared = shares_engine(store, notices)
        if store is not None:
            if store.notice:
                notices.append(store.notice)
            whole = import_once(store, config)
            # A change after this version is read again when shared (engine/shared.py).
            version = store.watchlist_version()
            watched = bool(store.watched_rows(limit=1))
            if ids and watched:  # a job given that is also watched keeps its label
                labels = {job.id: job.label for job in store.watched(ids)}
        if require_jobs and not ids and not watched and not demo:
            raise UsageError(
                "no jobs to watch: give JobIds, add some with `yike-tui add`, or --demo"
            )
        with contextlib.ExitStack() as stack:
            conn: Connection | None = None
            no_credentials = ""
            try:
                conn = stack.enter_context(connect(options, config))
            except CredentialsUnusable as exc:
                if not without_credentials:
                    raise
                no_credentials = str(exc)
            if demo and conn is not None and not ids:  # the ids given are the ones watched
                ids = list(conn.demo_job_ids)
            elif demo and conn is not None:  # the short ids the list shows, as `get` takes
                try:
                    ids = resolve_prefixes(ids, conn.demo_job_ids)
                except InvalidJobId as exc:
                    raise UsageError(str(exc)) from None
            yield Session(
                conn,
                settings,
                ids,
                labels,
                store,
                demo,
                config_error,
                notices,
                profile=options.profile,
                no_credentials=no_credentials,
                from_watchlist=store is not None,
                # Snapshots of jobs not watched are dropped, unless jobs may still come
                # from a config.toml that could not be read.
                tidy=store is not None and whole,
                shared=shared,
                watchlist_version=version if store is not None else None,
            )
    finally:
        if store is not None:
            store.close()
