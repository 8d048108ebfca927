"""The watch list in the state db: order, labels, duplicates, the one JobId rule, the import
of config.toml's ``[[jobs]]`` once, two processes at once, and a version 1 db migrated."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from yike_tui.core import paths
from yike_tui.core.config import WatchedJob
from yike_tui.core.job_ids import InvalidJobId
from yike_tui.store import SCHEMA_VERSION, Store


def test_jobs_come_back_in_the_order_added_with_labels_and_duplicates_skipped() -> None:
    with Store.open() as store:
        assert store.watch(["a", "b"], "trailer") == (["a", "b"], [])
        assert store.watch(["c", "a", "c"]) == (["c"], ["a", "c"])
        assert store.unwatch(["b", "zz", "b"]) == (["b"], ["zz"])
        assert store.watch(["b"]) == (["b"], [])  # back, at the end
    with Store.open() as store:  # saved, not only in this connection
        jobs = store.watchlist()
    assert [(j.id, j.label) for j in jobs] == [("a", "trailer"), ("c", ""), ("b", "")]
    assert all(j.added_at.endswith("Z") for j in jobs)


@pytest.mark.parametrize("job_id", ["a b", "x\x1b]52;c;x\x07", "j" * 129, "job\x85id"])
def test_an_id_the_job_id_rule_refuses_writes_nothing(job_id: str) -> None:
    with Store.open() as store:
        with pytest.raises(InvalidJobId):
            store.watch(["good", job_id])
        assert store.watchlist() == []


def test_config_jobs_are_imported_once_and_never_again() -> None:
    old = [WatchedJob("o1", "pilot", "2025-01-02T03:04:05Z"), WatchedJob("o2")]
    with Store.open() as store:
        assert store.import_watchlist([]) == 0 and not store.watchlist_imported()
        store.watch(["mine"])
        assert store.import_watchlist([*old, WatchedJob("mine"), WatchedJob("bad id")]) == 2
        assert store.watchlist()[1:] == old
        assert [job.id for job in store.watchlist()] == ["mine", "o1", "o2"]
        store.unwatch(["mine", "o1", "o2"])
        assert store.import_watchlist(old) == 0  # recorded in meta: not brought back
        assert store.watchlist() == [] and store.watchlist_imported()


def _add_many(prefix: str) -> None:
    for i in range(20):
        with Store.open(prune=False) as store:
            store.watch([f"{prefix}{i}"])


def test_two_processes_adding_at_once_both_win() -> None:
    with Store.open():
        pass  # made first: the race here is between writers, not creators
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_add_many, args=(p,)) for p in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    with Store.open() as store:
        ids = [job.id for job in store.watchlist()]
    assert sorted(ids) == sorted([f"a{i}" for i in range(20)] + [f"b{i}" for i in range(20)])
    assert [i for i in ids if i.startswith("a")] == [f"a{i}" for i in range(20)]


def _version_1_db(path: Path) -> None:
    """A state db as yike-tui wrote it before the watch list moved here."""
    paths.make_private_dir(path.parent)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute(
            "CREATE TABLE snapshots (job_id TEXT PRIMARY KEY, payload TEXT NOT NULL,"
            " fetched_at REAL NOT NULL, status TEXT, title TEXT)"
        )
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, ts REAL, job_id TEXT,"
                     " kind TEXT, data TEXT)")  # fmt: skip
        conn.execute("CREATE INDEX events_ts ON events (ts)")
        conn.execute("CREATE INDEX events_job_ts ON events (job_id, ts)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute(
            "INSERT INTO snapshots VALUES ('j1', '{\"JobId\": \"j1\"}', 5.0, 'Running', 'Film')"
        )
    conn.close()


def test_a_version_1_db_gains_the_watch_list_and_keeps_its_snapshots() -> None:
    db = paths.state_db()
    _version_1_db(db)
    with Store.open(prune=False) as store:
        assert not store.in_memory and store.notice == ""
        assert store.last_status() == {"j1": ("Running", "Film", 5.0)}
        assert store.watch(["j1"]) == (["j1"], [])
    conn = sqlite3.connect(db)
    version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    conn.close()
    assert version == str(SCHEMA_VERSION) == "5"
    assert not list(db.parent.glob("*.corrupt-*"))  # migrated, not moved aside


def test_a_label_that_is_not_valid_text_is_kept_with_a_replacement_character() -> None:
    with Store.open() as store:
        assert store.watch(["a"], "pasted \ud800 half") == (["a"], [])  # was UnicodeEncodeError
        assert store.watchlist()[0].label == "pasted \ufffd half"
