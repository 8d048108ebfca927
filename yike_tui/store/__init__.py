"""The state db: the watch list, the last snapshot of every job and the event history
(sqlite3, WAL). ``Store`` (store.py) is the one way in; the rest are its parts."""

from yike_tui.store.history import MAX_AGE_DAYS, MAX_EVENT_PAGE, MAX_EVENTS, PRUNE_IN_BULK
from yike_tui.store.store import (
    MAX_SNAPSHOT_BYTES,
    SCHEMA_VERSION,
    JobRow,
    SnapshotItem,
    Store,
    Summary,
    summary_of,
)

__all__ = [
    "MAX_AGE_DAYS",
    "MAX_EVENTS",
    "MAX_EVENT_PAGE",
    "MAX_SNAPSHOT_BYTES",
    "PRUNE_IN_BULK",
    "SCHEMA_VERSION",
    "JobRow",
    "SnapshotItem",
    "Store",
    "Summary",
    "summary_of",
]
