"""A studio's year as a state db: 100,000 watched jobs and 1,000,000 events.

95% of the jobs are finished (Succeeded, a few Failed), 5% Running; each has 3 to 20
storyboards and answers shaped like the real service's (lists as JSON inside strings,
failed shots, an output link whose signed query the store has cut). Rows are made by the
store's own row code (``snapshot_row``, ``summary_of``, ``event_row``) and inserted with
plain SQL in one transaction, so building 100,000 jobs takes seconds, not a refresh pass.

The db is cached under the temp dir, keyed by ``VERSION``, the schema version, the sizes
and the day it was built (events are dated within the last 20 days, inside retention);
callers copy it (``fresh_copy``) before anything that writes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from yike_tui.core.events import Event, EventKind
from yike_tui.store import SCHEMA_VERSION, Store
from yike_tui.store import summary_of as _summary_of
from yike_tui.store.rows import event_row, snapshot_row

VERSION = 2  # bump when the shape of the built db changes
JOBS = 100_000
EVENTS = 1_000_000
RUNNING_SHARE = 0.05
_DAY = 86400.0
_CODES = ("NoMediaData", "VideoGenerationTimeout", "ContentRisk", "InternalError")
_KINDS = (
    EventKind.STATUS_CHANGED,
    EventKind.STORYBOARD_APPEARED,
    EventKind.STORYBOARD_CHANGED,
    EventKind.SHOT_FAILED,
    EventKind.OUTPUT_READY,
)


def job_id(n: int) -> str:
    return f"{n:032x}"


def payload(n: int, rng: random.Random, running: bool) -> dict[str, Any]:
    """One ``GetYikeStoryboardJob`` answer: finished or running, 3 to 20 storyboards."""
    jid = job_id(n)
    count = rng.randint(3, 20)
    failed_job = not running and rng.random() < 0.04
    infos, done, shots = [], [], []
    for i in range(count):
        sid = f"st_{n}_{i}"
        if running and i >= count // 2:
            state = ("Editing", "Creating")
        elif failed_job and i == count - 1:
            state = ("Editing", "CreateFailed")
        else:
            state = ("Produced", "ProduceSucc")
            done.append(sid)
        infos.append({"storyboardId": sid, "title": f"Scene {i + 1}", "status": state[0],
                      "subStatus": state[1]})  # fmt: skip
        if rng.random() < 0.05:
            shots.append({"errorCode": rng.choice(_CODES), "storyboardId": sid,
                          "shotId": f"shot_{i}_1"})  # fmt: skip
    status = "Running" if running else ("Failed" if failed_job else "Succeeded")
    result: dict[str, Any] = {
        "SuccessStoryboardList": json.dumps(done),
        "ExceptionStoryboardIds": json.dumps([infos[-1]["storyboardId"]] if failed_job else []),
        "FailureShotList": json.dumps(shots),
        "SuccessStoryboardIds": ", ".join(done),
        "StoryboardInfoList": json.dumps(infos),
    }
    if status == "Succeeded":
        result["OutputUrl"] = (
            f"https://yike-out.oss-cn-shanghai.aliyuncs.com/{jid}/final.mp4"
            f"?Expires=1999999999&OSSAccessKeyId=STS.demo&Signature=x{n}"
        )
    return {
        "RequestId": f"req-{n}",
        "JobId": jid,
        "JobParams": {"Title": f"Episode {n} — a studio's year", "ExecMode": "FullPipeline"},
        "JobStatus": status,
        "JobResult": result,
    }


def build(path: Path, jobs: int, events: int, seed: int = 17) -> None:
    """Write the db at ``path`` (which must not exist): schema by ``Store.open``, rows by SQL."""
    Store.open(path, prune=False).close()
    rng = random.Random(seed)
    now = time.time()
    running = set(rng.sample(range(jobs), int(jobs * RUNNING_SHARE)))
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        with conn:
            snaps, summaries, watch = [], [], []
            for n in range(jobs):
                jid = job_id(n)
                body = payload(n, rng, n in running)
                fetched = now - rng.uniform(0, 20 * _DAY)
                title = body["JobParams"]["Title"]
                row = snapshot_row(jid, body, fetched, body["JobStatus"], title)
                snaps.append(row)
                summaries.append((*_summary_of(row, None).row(), row[3], row[4], None))  # no seq
                watch.append((jid, "year" if n % 10 == 0 else "", "2026-01-01T00:00:00Z"))
            conn.executemany(
                "INSERT INTO watchlist (job_id, label, added_at) VALUES (?, ?, ?)", watch
            )
            conn.executemany(
                "INSERT INTO snapshots (job_id, payload, fetched_at, status, title) "
                "VALUES (?, ?, ?, ?, ?)",
                snaps,
            )
            marks = ", ".join("?" * len(summaries[0])) if summaries else ""
            if summaries:
                conn.executemany(f"INSERT INTO summaries VALUES ({marks})", summaries)
            del snaps, summaries, watch
            conn.executemany(
                "INSERT INTO events (ts, job_id, kind, data) VALUES (?, ?, ?, ?)",
                (_event(rng, jobs, now) for _ in range(events)),
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('summaries_filled', 'bench')"
            )
    finally:
        conn.close()


def _event(rng: random.Random, jobs: int, now: float) -> tuple[Any, ...]:
    kind = rng.choice(_KINDS)
    data: dict[str, Any] = {"old": "Running", "new": "Succeeded"}
    if kind is not EventKind.STATUS_CHANGED:
        data = {"storyboard_id": f"st_{rng.randrange(jobs)}_{rng.randrange(20)}",
                "sub_status": "ProduceSucc"}  # fmt: skip
    event = Event(kind, job_id(rng.randrange(jobs)), now - rng.uniform(0, 20 * _DAY), data)
    return event_row(event)


def cached(jobs: int = JOBS, events: int = EVENTS) -> Path:
    """The built db for these sizes, built once and reused (rebuilt after 7 days, so its
    events stay inside the 30-day retention)."""
    folder = Path(tempfile.gettempdir()) / "yike-tui-bench"
    folder.mkdir(mode=0o700, exist_ok=True)
    name = f"state-v{VERSION}-s{SCHEMA_VERSION}-{jobs}-{events}.db"
    path = folder / name
    if path.exists() and time.time() - path.stat().st_mtime < 7 * _DAY:
        return path
    partial = folder / f"{name}.{os.getpid()}.part"
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    build(partial, jobs, events)
    partial.replace(path)
    return path


def fresh_copy(source: Path, folder: Path) -> Path:
    """A private copy of a cached db, to open with a writing Store."""
    dest = folder / "state.db"
    shutil.copyfile(source, dest)
    dest.chmod(0o600)
    return dest


if __name__ == "__main__":
    t0 = time.perf_counter()
    built = cached()
    size = built.stat().st_size / 1e6
    print(f"{built} ({size:.0f} MB) in {time.perf_counter() - t0:.1f} s")
