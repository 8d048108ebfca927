"""Who has the state db open, for the "still locked" message: found through /proc where
there is one, bounded, and "another process" where nothing can be found."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wait import DEADLINE
from yike_tui.store.db import busy_message
from yike_tui.store.holders import holders

HOLD = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print('open', flush=True); input()"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_another_process_with_the_db_open_is_named(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    sqlite3.connect(db).close()
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "open\n"
        found = holders(db, budget=DEADLINE)
        assert found and found[0].startswith(f"pid {child.pid} (")
        assert f"it is open in pid {child.pid}" in busy_message(db, 10)
        assert holders(db, budget=-1) == []  # out of time: an answer, not a wait
    finally:
        child.kill()
        child.wait()


def test_this_process_is_never_named(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    with sqlite3.connect(db):
        assert f"pid {os.getpid()} " not in " ".join(holders(db, budget=DEADLINE))


def test_without_proc_it_is_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "state.sqlite3"
    assert holders(db, proc=tmp_path / "no-proc") == []
    monkeypatch.setattr("yike_tui.store.db.holders", lambda _db: [])
    message = busy_message(db, 10)
    assert message == (
        f"the state db {db} is still locked after 10 s by another process. Nothing was read: "
        "let that process finish (or quit it) and try again"
    )
