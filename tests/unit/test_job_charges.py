"""What a job was charged (GetYikeJobCredit), read for the job looked at: once per state of
the job, after a moment, never two for a cursor run, a refusal ends the asking; and the
exact figures it is read into (amounts.py) and the Yike membership's dates."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from yike_tui.actions.job_charges import MAX_JOBS, ChargeBook
from yike_tui.api.credits import (
    JobCharge,
    Membership,
    describe_membership,
    parse_job_charge,
    parse_time,
)
from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.core.amounts import amount, amount_text, grouped
from yike_tui.core.models import Job, parse_job


def job(job_id: str, status: str = "Succeeded", cost: str = "12.5") -> Job:
    return parse_job({"JobId": job_id, "JobStatus": status, "JobCredit": {"TotalCreditCost": cost}})


class Reader:
    def __init__(self, error: ApiError | None = None) -> None:
        self.asked: list[str] = []
        self.error = error

    async def __call__(self, job_id: str) -> JobCharge:
        self.asked.append(job_id)
        if self.error is not None:
            raise self.error
        return JobCharge(job_id, Decimal("12.5"), "Deducted")


async def test_asked_once_per_state_of_the_job() -> None:
    reader = Reader()
    told: list[str] = []
    book = ChargeBook(reader, on_change=told.append, settle=0)
    a = job("a")
    await book.look(a)
    await book.look(a)  # the same state: not asked again
    assert reader.asked == ["a"] and told == ["a"]
    charge = book.get("a")
    assert charge is not None and charge.cost == Decimal("12.5") and charge.status == "Deducted"
    await book.look(job("a", cost="20"))  # its own figure moved: asked again
    assert reader.asked == ["a", "a"]


async def test_a_look_cut_short_asks_nothing() -> None:
    """A cursor run: each look is cancelled by the next before it settles."""
    reader = Reader()
    book = ChargeBook(reader, settle=3600)
    look = asyncio.create_task(book.look(job("a")))
    await asyncio.sleep(0)  # the look is waiting to settle
    look.cancel()
    with pytest.raises(asyncio.CancelledError):
        await look
    assert reader.asked == [] and book.wanted(job("a"))  # the next look still asks


@pytest.mark.parametrize(
    ("error", "refused", "asked_again"),
    [
        (ApiError("Forbidden.RAM", "no", kind=ErrorKind.PERMISSION), True, False),
        (ApiError("InvalidAction.NotFound", "no", kind=ErrorKind.PARAMETER), True, False),
        (ApiError("ServiceUnavailable", "later", kind=ErrorKind.TRANSIENT), False, True),
        (ApiError("JobNotFound", "gone", kind=ErrorKind.NOT_FOUND), False, False),
    ],
)
async def test_a_refusal_ends_the_asking_a_passing_failure_asks_again(
    error: ApiError, refused: bool, asked_again: bool
) -> None:
    reader = Reader(error)
    book = ChargeBook(reader, settle=0)
    await book.look(job("a"))
    assert book.refused is refused and book.get("a") is None
    assert book.wanted(job("a")) is asked_again
    assert book.wanted(job("b")) is not refused


async def test_the_book_is_bounded() -> None:
    book = ChargeBook(Reader(), settle=0)
    for n in range(MAX_JOBS + 10):
        await book.look(job(f"j{n}"))
    assert len(book.charges()) == MAX_JOBS
    assert book.get("j0") is None and book.get(f"j{MAX_JOBS + 9}") is not None


def test_a_charge_is_read_exactly_and_a_bad_one_is_no_figure() -> None:
    charge = parse_job_charge("a", {"JobCreditCost": 1234.5, "CreditStatus": "Deducted\x1b"})
    assert charge.cost == Decimal("1234.5") and charge.status == "Deducted␛"
    assert parse_job_charge("a", {"JobCreditCost": "nan"}).cost is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345678901234567.6", "12345678901234567.6"),
        (" 0.10 ", "0.10"),
        (0.1, "0.1"),
        (7, "7"),
        (True, None),
        ("NaN", None),
        ("1e999999", None),
        ("1" * 41, None),
        (10**50, None),
        (None, None),
        ("twelve", None),
    ],
)
def test_amounts_are_exact_or_none(value: object, expected: str | None) -> None:
    assert amount_text(amount(value)) == expected


def test_grouped_keeps_every_digit() -> None:
    assert grouped(Decimal("12345678901234567.6")) == "12,345,678,901,234,567.6"
    assert grouped(Decimal("1E+3")) == "1,000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-05-01T00:00:00Z", datetime(2026, 5, 1, tzinfo=UTC)),
        ("2026-05-01 08:00:00", datetime(2026, 5, 1, 8, tzinfo=UTC)),
        ("2026-05-01T08:00:00+08:00", datetime(2026, 5, 1, tzinfo=UTC)),
        (1_777_593_600_000, datetime(2026, 5, 1, tzinfo=UTC)),  # epoch milliseconds
        ("1777593600", datetime(2026, 5, 1, tzinfo=UTC)),  # epoch seconds, as text
        ("", None),
        ("soon", None),
        (True, None),
        (10**30, None),
    ],
)
def test_membership_times_as_the_api_may_send_them(value: object, expected: object) -> None:
    assert parse_time(value) == expected


def test_a_membership_ending_within_a_week_is_said_with_a_warning() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    ends = datetime(2026, 5, 6, 12, tzinfo=UTC)
    text, soon = describe_membership(Membership("standard", None, ends), now)
    assert (text, soon) == ("standard until 2026-05-06 (5 days left)", True)
    text, soon = describe_membership(
        Membership("ultra", None, datetime(2026, 6, 1, tzinfo=UTC)), now
    )
    assert (text, soon) == ("ultra until 2026-06-01 (31 days left)", False)
    assert describe_membership(Membership("basic", None, None), now) == ("basic", False)
