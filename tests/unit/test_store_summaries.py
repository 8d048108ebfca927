"""Summaries beside snapshots (schema 3): an old db opens and gets them, they say
what parsing the snapshot says, and ``list --json`` / ``report --cached`` read them (streamed)
with the same output as when every snapshot was parsed."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.cli_run import run
from yike_tui.actions.report import render_report
from yike_tui.cli import main
from yike_tui.commands.list_jobs import as_json
from yike_tui.core import paths
from yike_tui.core.events import Event, EventKind
from yike_tui.core.exits import EXIT_API
from yike_tui.core.models import parse_job
from yike_tui.store import SCHEMA_VERSION, SnapshotItem, Store, Summary
from yike_tui.store.rows import MAX_SNAPSHOT_BYTES

SIGNED = "https://out.example/v.mp4?Expires=1&OSSAccessKeyId=STS.x&Signature=s3cret"

# The schema yike-tui 2 wrote (store/db.py before schema 3), statement by statement.
V2_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE snapshots (job_id TEXT PRIMARY KEY, payload TEXT NOT NULL, "
    "fetched_at REAL NOT NULL, status TEXT, title TEXT)",
    "CREATE TABLE events (id INTEGER PRIMARY KEY, ts REAL, job_id TEXT, kind TEXT, data TEXT)",
    "CREATE INDEX events_ts ON events (ts)",
    "CREATE INDEX events_job_ts ON events (job_id, ts)",
    "CREATE TABLE watchlist (position INTEGER PRIMARY KEY, job_id TEXT NOT NULL UNIQUE, "
    "label TEXT NOT NULL DEFAULT '', added_at TEXT NOT NULL DEFAULT '')",
)


@pytest.fixture(autouse=True)
def _no_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)


def answer(n: int, status: str = "Succeeded", *, double: bool = False) -> dict[str, Any]:
    """A job's answer: storyboards done and failing, failed shots, an output link."""
    infos = [
        {"storyboardId": f"st_{i}", "title": f"S{i}", "status": "Produced",
         "subStatus": "ProduceSucc" if i % 3 else "CreateFailed"}
        for i in range(3 + n % 7)
    ]  # fmt: skip
    shots = [
        {"errorCode": code, "storyboardId": "st_0", "shotId": f"sh{k}"}
        for k, code in enumerate(["NoMediaData", "Timeout", "NoMediaData"][: n % 4])
    ]
    embed = (lambda v: json.dumps(json.dumps(v))[1:-1]) if double else json.dumps
    result: dict[str, Any] = {
        "StoryboardInfoList": embed(infos),
        "FailureShotList": embed(shots),
        "SuccessStoryboardIds": "st_1, st_2",
        "ExceptionStoryboardIds": embed(["st_0"]),
    }
    if status == "Succeeded":
        result["OutputUrl"] = SIGNED if n % 2 else "javascript:alert(1)"
    return {
        "RequestId": "r",
        "JobId": f"job{n}",
        "JobStatus": status,
        "JobParams": {"Title": f"Film {n} | *{'☃' * (n % 3)}* see {SIGNED}"},
        "JobResult": result,
    }


def parsed_summary(store: Store, job_id: str) -> Summary:
    payload, fetched_at = store.load_snapshots()[job_id]
    return Summary.of_payload(job_id, payload, fetched_at)


def test_summaries_say_what_parsing_the_stored_snapshot_says() -> None:
    statuses = ["Succeeded", "Running", "Failed", "Weird", "Succeeded", "Suspended", "Succeeded"]
    items = [answer(n, status, double=n % 2 == 0) for n, status in enumerate(statuses)]
    huge = answer(99)
    huge["JobResult"]["Padding"] = "x" * (MAX_SNAPSHOT_BYTES + 1)  # kept as id and title only
    items.append(huge)
    with Store.open() as store:
        # Half given with the parsed job (as the engine saves), half without.
        store.save_snapshots(
            SnapshotItem(
                p["JobId"], p, 1000.0 + i, p["JobStatus"], parse_job(p).title, parse_job(p)
            )
            if i % 2
            else SnapshotItem(p["JobId"], p, 1000.0 + i, p["JobStatus"], parse_job(p).title)
            for i, p in enumerate(items)
        )
        summaries = {s.job_id: s for s in store.load_summaries(page=2)}
        assert sorted(summaries) == sorted(p["JobId"] for p in items)
        for job_id, summary in summaries.items():
            assert summary == parsed_summary(store, job_id), job_id
    one = summaries["job1"]
    assert (one.storyboards_total, one.shots_failed, one.failed_codes) == (
        4,
        1,
        (("NoMediaData", 1),),
    )
    assert one.status_raw == "Running" and one.progress == 0.5
    assert summaries["job3"].failed_codes == (("NoMediaData", 2), ("Timeout", 1))
    assert "s3cret" not in repr(summaries) and summaries["job6"].has_output
    assert summaries["job99"].status_raw == "" and summaries["job99"].storyboards_total == 0


def test_a_snapshot_gone_takes_its_summary_with_it() -> None:
    with Store.open() as store:
        store.save_snapshots(
            [SnapshotItem(f"job{n}", answer(n), 1.0, "Succeeded", "") for n in range(4)]
        )
        store.forget(["job0"])
        store.keep_only(["job1", "job2"])
        assert [s.job_id for s in store.load_summaries()] == ["job1", "job2"]
        store.save_snapshots([SnapshotItem("job1", answer(1, "Running"), 2.0, "Running", "")])
        assert [s.status_raw for s in store.summaries_of(["job1", "nope", "job2"]) if s] == [
            "Running",
            "Succeeded",
        ]
        assert list(store.summaries_of(["nope"])) == [None]
        # A job started from its summary gets its answer when first looked at: one row read.
        assert store.load_snapshot("job1") == store.load_snapshots()["job1"]
        assert store.load_snapshot("job0") is None


def write_v2_db(path: Path, payloads: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    with conn:
        for statement in V2_SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        conn.execute("INSERT INTO meta VALUES ('watchlist_imported', 'x')")
        for n, p in enumerate(payloads):
            conn.execute("INSERT INTO watchlist (job_id) VALUES (?)", (p["JobId"],))
            conn.execute(
                "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?)",
                (p["JobId"], json.dumps(p), 500.0 + n, p["JobStatus"], f"old title {n}"),
            )
        # What an older version could leave: an answer stored whole over the cap, and text
        # that is not JSON. Each gets the summary of what is kept of it (id and title).
        conn.execute(
            "INSERT INTO snapshots VALUES ('big', ?, 1.0, 'Succeeded', 'Big one')",
            ("{" + " " * (MAX_SNAPSHOT_BYTES + 10) + "}",),
        )
        conn.execute("INSERT INTO snapshots VALUES ('bad', 'not json', 2.0, 'Running', 'Bad')")
        conn.execute(
            "INSERT INTO events (ts, job_id, kind, data) VALUES (?, 'job0', 'job_added', '{}')",
            (time.time(),),
        )
    conn.close()


def test_a_version_2_db_opens_and_gets_its_summaries_on_first_read() -> None:
    db = paths.state_db()
    payloads = [answer(n, double=n == 2) for n in range(5)]
    write_v2_db(db, payloads)
    with Store.open() as store:
        assert store.notice == "" and not store.in_memory
        assert [j.id for j in store.watchlist()] == [p["JobId"] for p in payloads]
        assert [e.job_id for e in store.recent_events()] == ["job0"]  # history kept
        summaries = {s.job_id: s for s in store.load_summaries()}
        assert sorted(summaries) == sorted([*(p["JobId"] for p in payloads), "big", "bad"])
        for p in payloads:
            assert summaries[p["JobId"]] == parsed_summary(store, p["JobId"])
        assert summaries["big"].title == "Big one" and summaries["bad"].title == "Bad"
        assert summaries["big"].status_raw == "" and summaries["bad"].fetched_at == 2.0
    conn = sqlite3.connect(db)
    version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    count = conn.execute("SELECT count(*) FROM summaries").fetchone()[0]
    conn.close()
    assert version == str(SCHEMA_VERSION) == "5" and count == 7  # made once, stored
    with Store.open() as store:  # the next start reads them, makes none
        assert store.fill_summaries() == 0 and len(list(store.load_summaries())) == 7


def watch_many(count: int) -> list[dict[str, Any]]:
    """``count`` watched jobs; every fifth has nothing cached yet."""
    ids = [f"job{n}" for n in range(count)]
    payloads = [answer(n, ["Succeeded", "Running", "Failed"][n % 3]) for n in range(count)]
    with Store.open() as store:
        store.watch(ids[: count // 2], "first ☃")
        store.watch(ids[count // 2 :])
        store.save_snapshots(
            SnapshotItem(p["JobId"], p, 1700000000.25 + n, p["JobStatus"], parse_job(p).title)
            for n, p in enumerate(payloads)
            if n % 5
        )
    return payloads


def test_list_json_is_what_it_was_before_streaming(capsys: pytest.CaptureFixture[str]) -> None:
    watch_many(2345)  # more than a page of rows
    with Store.open() as store:  # the old way: every status loaded, then the watch list
        statuses = store.last_status()
        expected = "".join(
            json.dumps(as_json(job, statuses.get(job.id)), ensure_ascii=False) + "\n"
            for job in store.watchlist()
        )
    code, out, err = run(["list", "--json"], capsys)
    assert (code, err) == (0, "")
    assert out == expected
    assert json.loads(out.splitlines()[1])["status"] == "Running"


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_report_cached_is_what_it_was_before_streaming(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = watch_many(1200)
    with Store.open() as store:  # the old way: every snapshot parsed, then rendered at once
        snapshots = store.load_snapshots()
    jobs = [
        parse_job(snapshots[p["JobId"]][0], job_id=p["JobId"])
        for p in payloads
        if p["JobId"] in snapshots
    ]
    code, out, err = run(["report", "--cached", "--format", fmt], capsys)
    assert code == EXIT_API  # some jobs had nothing cached
    assert out == render_report(jobs, fmt)  # type: ignore[arg-type]
    assert err.count("nothing cached yet") == 240
    assert "s3cret" not in out


def test_report_cached_of_given_ids_in_their_order(capsys: pytest.CaptureFixture[str]) -> None:
    payloads = watch_many(10)
    code, out, err = run(["report", "--cached", "--format", "json", "job7", "job3"], capsys)
    assert (code, err) == (0, "")
    assert [r["job_id"] for r in json.loads(out)] == ["job7", "job3"]
    with Store.open() as store:
        expected = [
            parse_job(store.load_snapshots()[p["JobId"]][0]) for p in (payloads[7], payloads[3])
        ]
    assert out == render_report(expected, "json")


def test_the_event_log_reads_pages_not_the_history() -> None:
    with Store.open() as store:
        store.append_events(
            Event(EventKind.STATUS_CHANGED, f"job{n % 3}", 1000.0 + n, {"n": n})
            for n in range(12000)
        )
        newest = store.recent_events(limit=100)
        assert [e.data["n"] for e in newest] == list(range(11999, 11899, -1))
        page2 = store.recent_events(limit=100, offset=100)
        assert [e.data["n"] for e in page2] == list(range(11899, 11799, -1))
        assert len(store.recent_events(limit=10**9)) == 5000  # one read is bounded
        only = store.recent_events(limit=3, job_id="job1", offset=1)
        assert [e.data["n"] for e in only] == [11995, 11992, 11989]


class _Recorder:
    """stdout that notes, at each write, how many rows the store had handed out by then."""

    def __init__(self, handed_out: list[int]) -> None:
        self.handed_out = handed_out
        self.seen: list[int] = []
        self.text = ""

    def write(self, text: str) -> int:
        self.seen.append(self.handed_out[0])
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count what ``Store.<name>`` yields (the real method runs)."""
    handed_out = [0]
    real = getattr(Store, name)

    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        for item in real(self, *args, **kwargs):
            handed_out[0] += 1
            yield item

    monkeypatch.setattr(Store, name, wrapper)
    return handed_out


@pytest.mark.parametrize(
    ("argv", "method"),
    [
        (["list", "--json"], "watched_statuses"),
        (["report", "--cached", "--format", "json"], "summaries_of"),
        (["report", "--cached", "--format", "csv"], "summaries_of"),
    ],
)
def test_rows_are_written_while_the_db_is_still_being_read(
    argv: list[str], method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch_many(5000)
    handed_out = counting(monkeypatch, method)
    out = _Recorder(handed_out)
    monkeypatch.setattr("sys.stdout", out)
    main(argv)
    assert handed_out[0] == 5000
    # The first rows went out long before the last job was read: nothing holds all 5,000.
    assert 0 < out.seen[1] < 2500, out.seen[:5]
    assert out.text.count("job4999") == 1


def test_a_schema_3_db_gains_the_credit_cost_column(tmp_path: Path) -> None:
    """A db written before summaries kept the credit cost opens, keeps its rows, and gains
    the column (cost unknown until the job is fetched again)."""
    import sqlite3

    db = tmp_path / "state.sqlite3"
    with Store.open(db) as store:
        store.watch(["a" * 32])
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("ALTER TABLE summaries DROP COLUMN credit_total")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.close()
    with Store.open(db) as store:
        assert [w.id for w in store.watchlist()] == ["a" * 32]
        assert store.has_credit_costs(["a" * 32]) is False
    conn = sqlite3.connect(db)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(summaries)")}
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert "credit_total" in columns and version == ("5",)


def test_a_schema_4_db_has_its_rounded_credit_costs_made_exact(tmp_path: Path) -> None:
    """Schema 4 kept a job's credit cost as REAL (12345678901234567.6 read back as
    1.2345678901234568e+16): opened by this version, those summaries are made again from
    the stored answers, which kept the API's text, and the cost is exact."""
    import sqlite3

    exact = "12345678901234567.6"
    payload = answer(1)
    payload["JobCredit"] = {"TotalCreditCost": exact}
    db = tmp_path / "state.sqlite3"
    with Store.open(db) as store:
        store.save_snapshots(
            [
                SnapshotItem("job1", payload, 1.0, "Succeeded", ""),
                SnapshotItem("job2", answer(2), 1.0, "Succeeded", ""),
            ]
        )
    conn = sqlite3.connect(db)  # what schema 4 wrote: a REAL column, the figure rounded
    with conn:
        conn.execute("ALTER TABLE summaries DROP COLUMN credit_total")
        conn.execute("ALTER TABLE summaries ADD COLUMN credit_cost REAL")
        conn.execute("UPDATE summaries SET credit_cost = ? WHERE job_id = 'job1'", (float(exact),))
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.close()
    with Store.open(db) as store:
        summaries = {s.job_id: s for s in store.load_summaries()}
        assert store.has_credit_costs(["job1"]) and not store.has_credit_costs(["job2"])
    assert summaries["job1"].credit_total == exact
    assert str(summaries["job1"].credit_cost) == exact
    assert summaries["job2"].credit_total is None and summaries["job2"].storyboards_total
