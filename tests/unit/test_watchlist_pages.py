"""The watch list read a page at a time (issue 27): the engine starts from the first jobs of
a long watch list and the others follow, each with its label and its stored row, in the
watch list's order; the snapshots of jobs no longer watched go once the list is read to its
end. What ``watch`` and the TUI start from, at 100,000 jobs without one list of them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from yike_tui.core.models import JobStatus
from yike_tui.session import RunOptions, open_session
from yike_tui.store import SnapshotItem, Store

JOBS = 23


class NoFetch:
    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        raise AssertionError("nothing is fetched here")


def job_id(n: int) -> str:
    return f"{n:032x}"


def answer(n: int) -> dict[str, Any]:
    status = "Succeeded" if n % 3 else "Running"
    return {"JobId": job_id(n), "JobStatus": status, "JobParams": {"Title": f"Episode {n}"}}


def fill(stored: range, watched: range, label_every: int = 4) -> None:
    """Snapshots of ``stored`` jobs; ``watched`` on the watch list, every fourth labelled."""
    with Store.open(prune=False) as store:
        store.save_snapshots(
            SnapshotItem(job_id(n), answer(n), time.time(), answer(n)["JobStatus"], f"E{n}")
            for n in stored
        )
        for n in watched:
            store.watch([job_id(n)], "mine" if n % label_every == 0 else "")


def test_the_watch_list_comes_a_page_at_a_time_with_each_jobs_row() -> None:
    fill(range(0, JOBS, 2), range(JOBS))
    with Store.open(prune=False) as store:
        pages, after = [], -1
        while rows := store.watched_rows(after, 5):
            pages.append(rows)
            after = rows[-1][0]
        assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
        rows = [row for page in pages for row in page]
        assert [job for _, job, _, _ in rows] == [job_id(n) for n in range(JOBS)]
        assert [label for _, _, label, _ in rows] == [
            "mine" if n % 4 == 0 else "" for n in range(JOBS)
        ]
        for n, (_, job, _, row) in enumerate(rows):
            if n % 2:
                assert row is None, job  # nothing stored yet
            else:
                assert row is not None and (row.job_id, row.title) == (job, f"Episode {n}")
        assert store.job_rows([job_id(2), job_id(3), job_id(4)]) == [
            rows[2][3],
            rows[4][3],
        ]


def test_keep_watched_drops_only_snapshots_neither_watched_nor_kept() -> None:
    fill(range(10), range(4))
    with Store.open(prune=False) as store:
        assert store.keep_watched(also=[job_id(7)]) == 5
        assert sorted(s.job_id for s in store.load_summaries()) == [
            job_id(n) for n in (0, 1, 2, 3, 7)
        ]
        assert {job.id for job in store.watched([job_id(1), job_id(7), job_id(3)])} == {
            job_id(1),
            job_id(3),
        }


@pytest.mark.parametrize("first", [None, 0, 3, 7, JOBS])
def test_an_engine_started_from_the_first_jobs_gets_the_others_in_order(
    first: int | None,
) -> None:
    fill(range(JOBS + 5), range(JOBS))  # five stored jobs no longer watched
    given = [job_id(9), job_id(40)]  # on the command line: one watched, one not
    with open_session(RunOptions(), given, without_credentials=True) as session:
        monitor = session.cached_monitor(first=first)
        expected = [job_id(9), job_id(40), *(job_id(n) for n in range(JOBS) if n != 9)]
        started = 2 + (JOBS if first is None else first) - (first is None or first > 9)
        assert list(monitor.jobs) == expected[:started]
        with Store.open(prune=False) as store:  # not tidied before the list is read whole
            assert len(list(store.load_summaries())) == (JOBS + 5 if first is not None else JOBS)
        pages = list(session.more_jobs(monitor, page=4))
        assert [job for page in pages for job in page] == expected[started:]
        assert all(len(page) <= 4 for page in pages)
        assert list(monitor.jobs) == expected
        for n in range(JOBS):
            state = monitor.jobs[job_id(n)]
            assert state.label == ("mine" if n % 4 == 0 else "")
            assert state.row is not None and state.title == f"Episode {n}"
            terminal = n % 3 != 0
            assert state.status is (JobStatus.SUCCEEDED if terminal else JobStatus.RUNNING)
            assert state.confirmed is terminal and not state.loading
        assert monitor.jobs[job_id(40)].row is None and not monitor.jobs[job_id(40)].loading
        assert list(session.more_jobs(monitor)) == []
    with Store.open(prune=False) as store:  # the read ended: unwatched snapshots dropped
        assert len(list(store.load_summaries())) == JOBS
        assert len(store.job_rows()) == JOBS
