"""A job's summary: what its row in the job list shows, kept beside its snapshot.

At 100,000 jobs, parsing every stored answer at start-up costs seconds (the lists inside it
are JSON in strings); a summary row costs microseconds. It is made from the parsed job when
the snapshot is written (same transaction), so it always says what parsing that snapshot
says: every text passes through the same ``unsign`` the snapshot does.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from yike_tui.models import Job, JobStatus, parse_job
from yike_tui.redaction import unsign

# Column order of the summaries table (after job_id); ``Summary.row`` and ``from_row`` agree.
COLUMNS = (
    "status_raw",
    "title",
    "storyboards_total",
    "storyboards_done",
    "storyboards_failed",
    "shots_failed",
    "failed_codes",
    "output_url",
    "fetched_at",
)


@dataclass(frozen=True, slots=True)
class Summary:
    job_id: str
    status_raw: str
    title: str
    storyboards_total: int
    storyboards_done: int
    storyboards_failed: int
    shots_failed: int
    failed_codes: tuple[tuple[str, int], ...]  # (error code, count), most frequent first
    output_url: str  # as stored: a signed query is never kept
    fetched_at: float  # when the snapshot was fetched (the row's "updated")

    @property
    def status(self) -> JobStatus:
        return JobStatus.from_raw(self.status_raw) if self.status_raw else JobStatus.UNKNOWN

    @property
    def has_output(self) -> bool:
        return bool(self.output_url)

    @property
    def progress(self) -> float:
        """Storyboards done ÷ storyboards, 0 when there are none yet."""
        total = self.storyboards_total
        return self.storyboards_done / total if total else 0.0

    @classmethod
    def of_job(cls, job: Job, fetched_at: float, job_id: str | None = None) -> Summary:
        counts = Counter(shot.error_code for shot in job.failed_shots)
        codes = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls(
            job_id=job.id if job_id is None else job_id,
            status_raw=_text(job.status_raw),
            title=_text(job.title),
            storyboards_total=len(job.storyboards),
            storyboards_done=job.storyboards_done,
            storyboards_failed=job.storyboards_failed,
            shots_failed=len(job.failed_shots),
            failed_codes=tuple((_text(code), n) for code, n in codes),
            output_url=_text(job.output_url),
            fetched_at=float(fetched_at),
        )

    @classmethod
    def of_payload(cls, job_id: str, payload: Any, fetched_at: float) -> Summary:
        """The summary of a stored answer (what the migration and older rows use)."""
        job = parse_job(payload, job_id=job_id, fetched_at=fetched_at)
        return cls.of_job(job, fetched_at, job_id)

    def row(self) -> tuple[Any, ...]:
        codes = json.dumps([list(pair) for pair in self.failed_codes], ensure_ascii=True)
        return (
            self.job_id,
            self.status_raw,
            self.title,
            self.storyboards_total,
            self.storyboards_done,
            self.storyboards_failed,
            self.shots_failed,
            codes,
            self.output_url,
            self.fetched_at,
        )

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Summary:
        job_id, status, title, total, done, failed, shots, codes, url, fetched_at = row
        pairs: tuple[tuple[str, int], ...] = ()
        try:
            decoded = json.loads(codes) if codes else []
            pairs = tuple((str(code), int(n)) for code, n in decoded)
        except (ValueError, TypeError):  # a damaged row shows no codes, never fails
            pairs = ()
        return cls(
            str(job_id),
            str(status or ""),
            str(title or ""),
            int(total or 0),
            int(done or 0),
            int(failed or 0),
            int(shots or 0),
            pairs,
            str(url or ""),
            float(fetched_at or 0.0),
        )


def _text(value: str) -> str:
    # The snapshot is stored unsigned; its summary must say the same.
    result = unsign(value)
    return result if isinstance(result, str) else value
