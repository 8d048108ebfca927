"""Everything a watching session needs, set up once for ``watch`` and the TUI alike.

Settings and the watch list from config.toml (a broken file is reported and left
alone: this run uses defaults and never writes it), the endpoint and credentials (or
the demo simulator), the state db, one client and one Monitor.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from yike_tui.api.client import IceClient
from yike_tui.api.credentials import Credentials, CredentialsError, resolve
from yike_tui.commands.common import Connection, UsageError, connection
from yike_tui.config import Config, ConfigError, Settings, load_config
from yike_tui.monitor import Monitor
from yike_tui.store import Store


@dataclass
class Session:
    conn: Connection
    settings: Settings
    job_ids: list[str]
    labels: dict[str, str]
    store: Store | None
    demo: bool
    config_error: str = ""  # set when config.toml could not be used; then it is never written
    notices: list[str] = field(default_factory=list)
    profile: str | None = None  # --profile, to look the credentials up again

    @property
    def config_writable(self) -> bool:
        return not self.config_error and not self.demo

    def make_client(self) -> IceClient:
        # One retry inside the client; the engine's own backoff does the rest.
        return IceClient(
            self.conn.credentials,
            endpoint=self.conn.endpoint,
            retries=1,
            max_connections=max(8, self.settings.concurrency),
        )

    def changed_credentials(self) -> Credentials | None:
        """Credentials looked up again, when they differ from those in use (the user fixed
        them after a credentials error); None when unchanged, unusable or in the demo."""
        if self.demo:
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

    def make_monitor(self, client: IceClient, **overrides: Any) -> Monitor:
        options: dict[str, Any] = {
            "store": self.store,
            "interval": self.settings.interval,
            "concurrency": self.settings.concurrency,
            "rate_limit": self.settings.rate_limit,
        }
        monitor = Monitor(client, **{**options, **overrides})
        for job_id in self.job_ids:
            monitor.add([job_id], label=self.labels.get(job_id, ""))
        monitor.load_cached()
        return monitor


def _load_config() -> tuple[Config | None, str]:
    try:
        return load_config(), ""
    except ConfigError as exc:
        return None, str(exc)


@contextlib.contextmanager
def open_session(
    args: argparse.Namespace, cli_ids: list[str], *, require_jobs: bool = False
) -> Iterator[Session]:
    """Resolve config, connection and state; the ids from the command line come first.

    ``require_jobs`` makes an empty watch list a usage error, before credentials are sought.
    """
    demo = bool(getattr(args, "demo", False))
    config, config_error = (None, "") if demo else _load_config()
    settings = config.settings if config else Settings()
    interval = getattr(args, "interval", None)
    if interval is not None:
        settings.interval = interval
    notices = [f"config not used: {config_error}"] if config_error else []
    if config:
        notices.extend(config.warnings)
    ids = list(cli_ids)
    labels: dict[str, str] = {}
    for watched in config.jobs if config else []:
        labels[watched.id] = watched.label
        if watched.id not in ids:
            ids.append(watched.id)
    if require_jobs and not ids and not demo:
        raise UsageError("no jobs to watch: give JobIds, add some with `yike-tui add`, or --demo")
    with connection(args) as conn:
        if demo and not ids:  # the ids given are the ones watched, in the demo too
            ids = list(conn.demo_job_ids)
        # The demo keeps its history in memory: it must not mix with the user's jobs.
        # Snapshots of jobs not watched are dropped, unless config.toml could not be read.
        store = None if demo else Store.open(keep=ids if config is not None else None)
        if store is not None and store.notice:
            notices.append(store.notice)
        try:
            yield Session(
                conn,
                settings,
                ids,
                labels,
                store,
                demo,
                config_error,
                notices,
                profile=getattr(args, "profile", None),
            )
        finally:
            if store is not None:
                store.close()
