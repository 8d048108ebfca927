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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TextIO
from urllib.parse import quote

from yike_tui.links import check_url
from yike_tui.models import Job, JobStatus
from yike_tui.presentation import STATUS_SYMBOL
from yike_tui.redaction import REDACTED_QUERY, is_redacted
from yike_tui.safe_text import clean

Format = Literal["md", "csv", "json"]
FORMATS: tuple[Format, ...] = ("md", "csv", "json")

_MD_SPECIAL = re.compile(r"([\\|`*_\[\]<>#~])")
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

    @classmethod
    def of_job(cls, job: Job) -> ReportRow:
        return cls(
            job.status,
            job.status_raw or job.status.value,
            job.title,
            job.id,
            job.storyboards_done,
            len(job.storyboards),
            tuple(failed_shot_counts(job)),
            job.output_url,
        )


def _md_text(text: str) -> str:
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


def _markdown_head() -> str:
    return "| " + " | ".join(_MD_HEADER) + " |\n|" + "---|" * len(_MD_HEADER) + "\n"


def _markdown_line(row: ReportRow) -> str:
    cells = [
        f"{STATUS_SYMBOL[row.status]} {_md_text(row.status_text)}",
        _md_text(row.title),
        _md_text(row.job_id),
        f"{row.storyboards_done}/{row.storyboards_total}",
        _md_text(_codes_text(row.failed_codes)),
        _md_url(row.output_url) if row.output_url else "",
    ]
    return "| " + " | ".join(cells) + " |\n"


def _csv_cell(text: str) -> str:
    text = clean(text)
    # A leading = + - @ makes spreadsheets run the cell as a formula: keep it text.
    return "'" + text if text.startswith(_FORMULA_START) else text


_CSV_HEADER = ["status", "title", "job_id", "storyboards_done", "storyboards_total",
               "failed_shots", "output_url"]  # fmt: skip


def _csv_cells(row: ReportRow) -> list[object]:
    return [
        _csv_cell(row.status_text),
        _csv_cell(row.title),
        _csv_cell(row.job_id),
        row.storyboards_done,
        row.storyboards_total,
        _csv_cell(_codes_text(row.failed_codes)),
        _csv_cell(_csv_url(row.output_url)),
    ]


def report_record(job: Job | ReportRow) -> dict[str, Any]:
    """One job as the JSON report shows it: the values exactly as the API gave them, but an
    output link that is not a well-formed http(s) URL is left out and the reason given."""
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
    return record


def write_report(rows: Iterable[ReportRow], fmt: Format, out: TextIO) -> int:
    """Write the report of ``rows`` to ``out`` as they come (a row is never held after it
    is written: 100,000 jobs report in constant memory). Returns how many rows."""
    if fmt not in FORMATS:
        raise ValueError(f"report format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    count = 0
    if fmt == "md":
        out.write(_markdown_head())
        for row in rows:
            out.write(_markdown_line(row))
            count += 1
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_CSV_HEADER)
        for row in rows:
            writer.writerow(_csv_cells(row))
            count += 1
    else:
        # The same text as json.dumps(records, indent=2), one record at a time.
        # allow_nan=False: a NaN would make the output not JSON; fail loudly instead.
        for row in rows:
            out.write(("[\n  " if count == 0 else ",\n  ") + _indented(report_record(row), 1))
            count += 1
        out.write("\n]\n" if count else "[]\n")
    return count


_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


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
    return _encode(value)


def render_report(jobs: list[Job], fmt: Format = "md") -> str:
    """The report of ``jobs`` in their order, as Markdown, CSV or JSON text."""
    out = io.StringIO()
    write_report(map(ReportRow.of_job, jobs), fmt, out)
    return out.getvalue()
