"""A table of jobs to paste into a chat or a ticket: Markdown, CSV or JSON. Pure; no I/O.

Markdown and CSV are for people and spreadsheets, so untrusted text is neutralised there
(control characters, table syntax, spreadsheet formulas). JSON carries the values exactly.
An output link is given only if it is a well-formed http(s) URL (``links.check_url``), in
every format: a report is pasted, and a pasted link must not carry a command.

The domain half of ``report``: the TUI's report action and ``commands/report.py`` (the CLI
glue: which jobs, fetched or cached, errors on stderr) both render through here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal, TextIO
from urllib.parse import quote

from yike_tui.api.credits import JobCharge
from yike_tui.core.amounts import amount_text, grouped
from yike_tui.core.links import check_url
from yike_tui.core.models import Job, JobStatus
from yike_tui.core.presentation import STATUS_SYMBOL
from yike_tui.safety.redaction import REDACTED_QUERY, is_redacted
from yike_tui.safety.safe_text import clean

Format = Literal["md", "csv", "json"]
FORMATS: tuple[Format, ...] = ("md", "csv", "json")

_MD_SPECIAL = re.compile(r"([\\|`*_\[\]<>#~])")
# Text with neither a Markdown special nor anything ``clean`` replaces: printable ASCII
# but those specials, or any character from U+00A0 up but the ones clean replaces.
_MD_PLAIN = re.compile(
    '[ !-"$-)+-;=?-Z^a-{}'  # ASCII but \\|`*_[]<>#~
    "\u00a0-\u200a\u2010-\u2027\u202f-\u205f\u206a-\ud7ff\ue000-\ufefe\uff00-\U0010ffff]*"
)
# Printable ASCII minus what ends an autolink or splits a table cell.
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "<>|`\\")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def failed_shot_counts(job: Job) -> list[tuple[str, int]]:
    """(error code, count), most frequent first, then by code."""
    counts = Counter(shot.error_code for shot in job.failed_shots)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def failed_shots_text(job: Job) -> str:
    """``NoMediaData×2, VideoGenerationTimeout×1``; empty when none failed."""
    return _codes_text(failed_shot_counts(job))


def _codes_text(codes: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{code}×{count}" for code, count in codes)


@dataclass(frozen=True, slots=True)
class ReportRow:
    """What one line of a report needs: from a parsed job, or from a stored summary (so a
    cached report of 100,000 jobs parses no answer)."""

    status: JobStatus
    status_text: str  # the raw status as the API gave it, else the known one's name
    title: str
    job_id: str
    storyboards_done: int
    storyboards_total: int
    failed_codes: tuple[tuple[str, int], ...]  # (error code, count), most frequent first
    output_url: str
    credit_cost: Decimal | None = None  # JobCredit.TotalCreditCost, when the API gives it
    # GetYikeJobCredit (the Yike product's): what the job was charged, and CreditStatus.
    charged: Decimal | None = None
    charge_status: str = ""

    @classmethod
    def of_job(cls, job: Job, charge: JobCharge | None = None) -> ReportRow:
        row = cls(
            job.status,
            job.status_raw or job.status.value,
            job.title,
            job.id,
            job.storyboards_done,
            len(job.storyboards),
            tuple(failed_shot_counts(job)),
            job.output_url,
            job_credit_cost(job),
        )
        return row if charge is None else row.with_charge(charge)

    def with_charge(self, charge: JobCharge) -> ReportRow:
        return replace(self, charged=charge.cost, charge_status=charge.status)


def job_credit_cost(job: Job) -> Decimal | None:
    return job.credit.total_credit_cost if job.credit is not None else None


class CreditTotals:
    """What the jobs of a report cost, summed exactly as the rows stream past (none is
    kept)."""

    def __init__(self) -> None:
        self.jobs = 0  # rows
        self.costed = 0  # rows with a figure
        self.total = Decimal(0)
        self.charged_jobs = 0  # rows with a charge (GetYikeJobCredit)
        self.charged = Decimal(0)
        self.storyboards_done = 0
        self.storyboards_total = 0

    def add(self, row: ReportRow) -> None:
        self.jobs += 1
        self.storyboards_done += row.storyboards_done
        self.storyboards_total += row.storyboards_total
        if row.credit_cost is not None:
            self.costed += 1
            self.total += row.credit_cost
        if row.charged is not None:
            self.charged_jobs += 1
            self.charged += row.charged

    def sentence(self, credits: bool = True, charges: bool = False) -> str:
        """``Credits: 12,345 in total over 7 jobs (2 of 9 without a figure).``, and with
        ``charges`` ``Charged: 12,000 over 7 jobs.``"""
        parts = []
        if credits:
            missing = self.jobs - self.costed
            without = f" ({missing} of {self.jobs} without a figure)" if missing else ""
            parts.append(
                f"Credits: {_amount(self.total)} in total over {_jobs(self.costed)}{without}."
            )
        if charges:
            parts.append(f"Charged: {_amount(self.charged)} over {_jobs(self.charged_jobs)}.")
        return " ".join(parts)


def _amount(value: Decimal) -> str:
    """Every digit the API gave, thousands grouped: a report's figures are exact."""
    return grouped(value)


def _jobs(count: int) -> str:
    return f"{count} job" if count == 1 else f"{count:,} jobs"


def _md_text(text: str) -> str:
    if _MD_PLAIN.fullmatch(text):  # most cells: one scan, nothing to change
        return text
    return _MD_SPECIAL.sub(r"\\\1", clean(text, one_line=True))


def _refusal(url: str) -> str:
    """Why ``url`` is not given as a link; "" when it is a well-formed http(s) URL."""
    try:
        check_url(url)
    except ValueError as exc:
        return str(exc)
    return ""


def _refused_text(url: str) -> str:
    return f"(link refused: {_refusal(url)})"


def _csv_url(url: str) -> str:
    return _refused_text(url) if url and _refusal(url) else url


def _md_url(url: str) -> str:
    if _refusal(url):
        return _md_text(_refused_text(url))
    if is_redacted(url):  # from --cached: the signed query is never kept on disk
        return (
            _md_text(url[: -len(REDACTED_QUERY)])
            + " (signed link not cached: report without --cached)"
        )
    # An autolink shows the URL as is; percent-encode what would end it or split the cell.
    return f"<{quote(url, safe=_URL_SAFE)}>"


_MD_HEADER = ["Status", "Title", "Job ID", "Storyboards", "Failed shots", "Output"]


def _markdown_head(credits: bool = False, charges: bool = False) -> str:
    header = [*_MD_HEADER, *(["Credits"] if credits else []), *(["Charged"] if charges else [])]
    return "| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"


def _charge_text(row: ReportRow) -> str:
    """``1,234.5 (Deducted)``: what GetYikeJobCredit said; "" when it said nothing."""
    status = f" ({row.charge_status})" if row.charge_status else ""
    if row.charged is None:
        return row.charge_status
    return _amount(row.charged) + status


def _markdown_line(row: ReportRow, credits: bool = False, charges: bool = False) -> str:
    cells = [
        f"{STATUS_SYMBOL[row.status]} {_md_text(row.status_text)}",
        _md_text(row.title),
        _md_text(row.job_id),
        f"{row.storyboards_done}/{row.storyboards_total}",
        _md_text(_codes_text(row.failed_codes)),
        _md_url(row.output_url) if row.output_url else "",
    ]
    if credits:
        cells.append(_amount(row.credit_cost) if row.credit_cost is not None else "")
    if charges:
        cells.append(_md_text(_charge_text(row)))
    return "| " + " | ".join(cells) + " |\n"


def _csv_cell(text: str) -> str:
    text = clean(text)
    # A leading = + - @ makes spreadsheets run the cell as a formula: keep it text.
    return "'" + text if text.startswith(_FORMULA_START) else text


_CSV_HEADER = ["status", "title", "job_id", "storyboards_done", "storyboards_total",
               "failed_shots", "output_url"]  # fmt: skip


def _csv_cells(row: ReportRow, credits: bool = False, charges: bool = False) -> list[object]:
    cells: list[object] = [
        _csv_cell(row.status_text),
        _csv_cell(row.title),
        _csv_cell(row.job_id),
        row.storyboards_done,
        row.storyboards_total,
        _csv_cell(_codes_text(row.failed_codes)),
        _csv_cell(_csv_url(row.output_url)),
    ]
    if credits:
        cells.append("" if row.credit_cost is None else _csv_number(row.credit_cost))
    if charges:
        cells.append("" if row.charged is None else _csv_number(row.charged))
        cells.append(_csv_cell(row.charge_status))
    return cells


def _csv_number(value: Decimal) -> str:
    """Every digit, no grouping: what a spreadsheet reads as the exact number."""
    return f"{value:f}"


def _csv_total(totals: CreditTotals, credits: bool, charges: bool) -> list[object]:
    """The last line: status ``total``, the storyboards and the credits summed."""
    cells: list[object] = ["total", _jobs(totals.jobs), "", totals.storyboards_done,
                           totals.storyboards_total, "", ""]  # fmt: skip
    if credits:
        cells.append(_csv_number(totals.total))
    if charges:
        cells += [_csv_number(totals.charged), ""]
    return cells


def report_record(
    job: Job | ReportRow, credits: bool = False, charges: bool = False
) -> dict[str, Any]:
    """One job as the JSON report shows it: the values exactly as the API gave them, but an
    output link that is not a well-formed http(s) URL is left out and the reason given.
    ``credits``: with ``credit_cost`` (a string, as the API gives it; null when the job has
    no figure); ``charges``: with ``charged`` and ``charge_status`` (GetYikeJobCredit's)."""
    row = job if isinstance(job, ReportRow) else ReportRow.of_job(job)
    refused = _refusal(row.output_url) if row.output_url else ""
    record: dict[str, Any] = {
        "status": row.status_text,
        "title": row.title,
        "job_id": row.job_id,
        "storyboards_done": row.storyboards_done,
        "storyboards_total": row.storyboards_total,
        "failed_shots": dict(row.failed_codes),
        "output_url": "" if refused else row.output_url,
    }
    if refused:
        record["output_url_refused"] = refused
    if credits:
        record["credit_cost"] = amount_text(row.credit_cost)
    if charges:
        record["charged"] = amount_text(row.charged)
        record["charge_status"] = row.charge_status
    return record


def write_report(
    rows: Iterable[ReportRow],
    fmt: Format,
    out: TextIO,
    *,
    credits: bool = False,
    charges: bool = False,
) -> int:
    """Write the report of ``rows`` to ``out`` as they come (a row is never held after it
    is written: 100,000 jobs report in constant memory). Returns how many rows.

    ``credits``: a credit-cost column; ``charges``: what each job was charged
    (GetYikeJobCredit) and whether it was deducted; with either, the totals summed on the
    way: a sentence under the Markdown table, a last ``total`` line in CSV. JSON stays a
    list of jobs (each with its figures), so what reads it need not tell a total from a
    job."""
    if fmt not in FORMATS:
        raise ValueError(f"report format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    totals = CreditTotals()
    summed = credits or charges
    count = 0
    if fmt == "md":
        out.write(_markdown_head(credits, charges))
        for row in rows:
            out.write(_markdown_line(row, credits, charges))
            totals.add(row)
            count += 1
        if summed:
            out.write(f"\n{totals.sentence(credits, charges)}\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        header = [*_CSV_HEADER, *(["credit_cost"] if credits else [])]
        writer.writerow(header + (["charged", "charge_status"] if charges else []))
        for row in rows:
            writer.writerow(_csv_cells(row, credits, charges))
            totals.add(row)
            count += 1
        if summed:
            writer.writerow(_csv_total(totals, credits, charges))
    else:
        # The same text as json.dumps(records, indent=2), one record at a time.
        # allow_nan=False: a NaN would make the output not JSON; fail loudly instead.
        for row in rows:
            record = report_record(row, credits, charges)
            out.write(("[\n  " if count == 0 else ",\n  ") + _record_text(record))
            count += 1
        out.write("\n]\n" if count else "[]\n")
    return count


_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
_encode_str = json.encoder.encode_basestring  # what _encode does with a str (C)


_KEY_TEXT: dict[str, str] = {}  # each record key as JSON, encoded once


def _record_text(record: dict[str, Any]) -> str:
    """``_indented(record, 1)`` for a report record, made flat: its values are scalars but
    ``failed_shots``, mostly empty (one C-encoded value a key, keys encoded once)."""
    return (
        "{\n    "
        + ",\n    ".join(
            f"{_KEY_TEXT.get(key) or _KEY_TEXT.setdefault(key, _encode(str(key)))}: "
            f"{_indented(value, 2) if isinstance(value, dict | list | tuple) else _scalar(value)}"
            for key, value in record.items()
        )
        + "\n  }"
    )


def _scalar(value: Any) -> str:
    """``_encode(value)``, with a str or an int done without the encoder's own call."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    return _encode(value)


def _indented(value: Any, level: int) -> str:
    """``json.dumps(value, indent=2)`` as it reads at nesting ``level``, character for
    character; the C encoder does each scalar (the indenting encoder is pure Python, 3x
    slower: seconds at 100,000 jobs)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = "  " * (level + 1)
        items = ",\n".join(
            f"{pad}{_encode(str(key))}: {_indented(item, level + 1)}" for key, item in value.items()
        )
        return "{\n" + items + "\n" + "  " * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        pad = "  " * (level + 1)
        items = ",\n".join(pad + _indented(item, level + 1) for item in value)
        return "[\n" + items + "\n" + "  " * level + "]"
    return _scalar(value)


def render_report(
    jobs: list[Job], fmt: Format = "md", charges: Mapping[str, JobCharge] | None = None
) -> str:
    """The report of ``jobs`` in their order, as Markdown, CSV or JSON text; with their
    credit cost and its total when any job has one, and what each was charged when
    ``charges`` (by JobId, from GetYikeJobCredit) holds any of them."""
    out = io.StringIO()
    credits = any(job_credit_cost(job) is not None for job in jobs)  # only where the API gives it
    charged = {job.id: charges[job.id] for job in jobs if charges and job.id in charges}
    rows = (ReportRow.of_job(job, charged.get(job.id)) for job in jobs)
    write_report(rows, fmt, out, credits=credits, charges=bool(charged))
    return out.getvalue()
