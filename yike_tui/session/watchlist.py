"""The watch list for the commands that read or change it (``add``, ``remove``, ``list``,
``report``, ``submit``), and the saving of a session's changes to it.

Wherever the state db is opened, config.toml's old ``[[jobs]]`` are imported into it once,
and a db another process keeps locked is waited for (said on stderr), then refused
(``StateDbBusy``); config.toml is never written.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterable, Iterator

from yike_tui.core import paths
from yike_tui.core.config import Config, ConfigError, WatchedJob, load_config
from yike_tui.core.exits import UsageError, error
from yike_tui.store import Store

log = logging.getLogger("yike_tui.session")  # logged as the session it is part of


class WatchListError(Exception):
    """The watch list could not be saved; ``str()`` is one line for the user."""


@contextlib.contextmanager
def saving_watchlist() -> Iterator[None]:
    """A change to the watch list; a state db that cannot be written is WatchListError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise WatchListError(f"the state db could not be written: {exc}") from None


def _config_or_usage_error() -> Config:
    """config.toml for a watch-list command: one that cannot be read is a usage error (its
    message, exit 2); the file is only read."""
    try:
        return load_config()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def import_once(store: Store, config: Config | None) -> bool:
    """config.toml's ``[[jobs]]`` into the state db's watch list, once. True when the
    watch list is whole: imported now or before, or nothing to import; False while a
    config.toml that cannot be read may still hold jobs to import."""
    if config is None:
        return store.watchlist_imported()
    try:
        store.import_watchlist(config.jobs)
    except sqlite3.Error as exc:  # a db that cannot be written now: the next start imports
        log.warning("importing config.toml's [[jobs]] failed: %s", exc)
        return False
    return True


@contextlib.contextmanager
def open_watchlist(config: Config | None = None) -> Iterator[Store]:
    """The state db, to change its watch list (``add``, ``remove``, ``submit``).

    A config.toml that cannot be read is a UsageError; so is a state db that cannot be
    used: the list would live in memory and be lost at exit, so nothing is changed.
    """
    config = config or _config_or_usage_error()
    with Store.open(prune=False, on_wait=error) as store:
        if store.in_memory:
            raise UsageError(f"the watch list cannot be saved: {store.notice}")
        import_once(store, config)
        yield store


@contextlib.contextmanager
def read_watchlist() -> Iterator[tuple[Config, list[WatchedJob], Store | None]]:
    """(config, the watch list, the state db or None) for ``list`` and ``report``.

    Reading never creates the state db: without one, the watch list is config.toml's
    ``[[jobs]]`` (what the first write will import). A config.toml that cannot be read is a
    UsageError.
    """
    config = _config_or_usage_error()
    if not paths.state_db().exists():
        yield config, list(config.jobs), None
        return
    with Store.open(prune=False, on_wait=error) as store:
        import_once(store, config)
        yield config, store.watchlist(), store


def keep_watched(store: Store, also: Iterable[str]) -> None:
    """Drop the snapshots of jobs neither watched nor in ``also``."""
    try:  # housekeeping: never a reason to stop
        store.keep_watched(also)
    except sqlite3.Error as exc:
        log.warning("dropping snapshots of jobs not watched failed: %s", exc)
