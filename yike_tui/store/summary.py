"""A job's summary: what its row in the job list shows, kept beside its snapshot.

At 100,000 jobs, parsing every stored answer at start-up costs seconds (the lists inside it
are JSON in strings); a summary row costs microseconds. It is made from the parsed job when
the snapshot is written (same transaction), so it always says what parsing that snapshot
says: every text passes through the same ``unsign`` the snapshot does.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any, NamedTuple

from yike_tui.core.amounts import amount, amount_text
from yike_tui.core.models import Job, JobStatus, parse_job
from yike_tui.safety.redaction import unsign

# Column order of the summaries table (after job_id); ``Summary.row`` and ``from_row`` agree.
COLUMNS = (
    "status_raw",
    "title",
    "storyboards_total",
    "storyboards_done",
    "storyboards_failed",
    "shots_failed",
    "failed_codes",  # Summary.codes_json
    "output_url",
    "fetched_at",
    "credit_total",
)


class Summary(NamedTuple):
    """A tuple in the table's column order: 100,000 of them are made in a few hundred ms
    (a frozen dataclass took twice as long)."""

    job_id: str
    status_raw: str
    title: str
    storyboards_total: int
    storyboards_done: int
    storyboards_failed: int
    shots_failed: int
    codes_json: str  # [[error code, count], ...], most frequent first; decoded when asked
    output_url: str  # as stored: a signed query is never kept
    fetched_at: float  # when the snapshot was fetched (the row's "updated")
    # JobCredit.TotalCreditCost (the Yike API's), if given: its decimal text, kept exact.
    credit_total: str | None = None

    @property
    def status(self) -> JobStatus:
        return JobStatus.from_raw(self.status_raw) if self.status_raw else JobStatus.UNKNOWN

    @property
    def credit_cost(self) -> Decimal | None:
        return amount(self.credit_total)

    @property
    def has_output(self) -> bool:
        return bool(self.output_url)

    @property
    def progress(self) -> float:
        """Storyboards done ÷ storyboards, 0 when there are none yet."""
        total = self.storyboards_total
        return self.storyboards_done / total if total else 0.0

    @property
    def failed_codes(self) -> tuple[tuple[str, int], ...]:
        """(error code, count), most frequent first; () for a damaged row (never fails)."""
        if not self.codes_json or self.codes_json == "[]":
            return ()
        try:
            return tuple((str(code), int(n)) for code, n in json.loads(self.codes_json))
        except (ValueError, TypeError):
            return ()

    @classmethod
    def of_job(cls, job: Job, fetched_at: float, job_id: str | None = None) -> Summary:
        counts = Counter(shot.error_code for shot in job.failed_shots)
        codes = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls(
            **JobRow.of_job(job, fetched_at, job_id)._asdict(),  # what the list shows, and:
            codes_json=json.dumps([[_text(code), n] for code, n in codes], ensure_ascii=True),
            output_url=_text(job.output_url),
            credit_total=amount_text(job.credit.total_credit_cost) if job.credit else None,
        )

    @classmethod
    def of_payload(cls, job_id: str, payload: Any, fetched_at: float) -> Summary:
        """The summary of a stored answer (what the migration and older rows use)."""
        job = parse_job(payload, job_id=job_id, fetched_at=fetched_at)
        return cls.of_job(job, fetched_at, job_id)

    def row(self) -> tuple[Any, ...]:
        return tuple(self)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Summary:
        return cls._make(row)  # the columns' NOT NULL defaults keep every value typed


# The columns of a ``JobRow``, in its field order (after job_id).
ROW_COLUMNS = (
    "status_raw",
    "title",
    "storyboards_total",
    "storyboards_done",
    "storyboards_failed",
    "shots_failed",
    "fetched_at",
)


class JobRow(NamedTuple):
    """What the job list draws, sorts and filters by: a summary without the failure codes
    and the output link. Start-up reads one for each of 100,000 jobs, and those two long
    texts were a third of the read (~40 ms) for columns the list never shows."""

    job_id: str
    status_raw: str
    title: str
    storyboards_total: int
    storyboards_done: int
    storyboards_failed: int
    shots_failed: int
    fetched_at: float

    @classmethod
    def of_job(cls, job: Job, fetched_at: float, job_id: str | None = None) -> JobRow:
        """The row of an answer in hand: what its summary would say."""
        return cls(
            job_id=job.id if job_id is None else job_id,
            status_raw=_text(job.status_raw),
            title=_text(job.title),
            storyboards_total=len(job.storyboards),
            storyboards_done=job.storyboards_done,
            storyboards_failed=job.storyboards_failed,
            shots_failed=len(job.failed_shots),
            fetched_at=float(fetched_at),
        )


def _text(value: str) -> str:
    # The snapshot is stored unsigned; its summary must say the same.
    result = unsign(value)
    return result if isinstance(result, str) else value
