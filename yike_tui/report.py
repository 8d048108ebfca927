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
from typing import Any, Literal
from urllib.parse import quote

from yike_tui.links import check_url
from yike_tui.models import Job
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
    return ", ".join(f"{code}×{count}" for code, count in failed_shot_counts(job))


def _status(job: Job) -> str:
    return job.status_raw or job.status.value


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


def _markdown(jobs: list[Job]) -> str:
    header = ["Status", "Title", "Job ID", "Storyboards", "Failed shots", "Output"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for job in jobs:
        cells = [
            f"{STATUS_SYMBOL[job.status]} {_md_text(_status(job))}",
            _md_text(job.title),
            _md_text(job.id),
            f"{job.storyboards_done}/{len(job.storyboards)}",
            _md_text(failed_shots_text(job)),
            _md_url(job.output_url) if job.output_url else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _csv_cell(text: str) -> str:
    text = clean(text)
    # A leading = + - @ makes spreadsheets run the cell as a formula: keep it text.
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(jobs: list[Job]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["status", "title", "job_id", "storyboards_done", "storyboards_total", "failed_shots",
         "output_url"]
    )  # fmt: skip
    for job in jobs:
        writer.writerow(
            [
                _csv_cell(_status(job)),
                _csv_cell(job.title),
                _csv_cell(job.id),
                job.storyboards_done,
                len(job.storyboards),
                _csv_cell(failed_shots_text(job)),
                _csv_cell(_csv_url(job.output_url)),
            ]
        )
    return out.getvalue()


def report_record(job: Job) -> dict[str, Any]:
    """One job as the JSON report shows it: the values exactly as the API gave them, but an
    output link that is not a well-formed http(s) URL is left out and the reason given."""
    refused = _refusal(job.output_url) if job.output_url else ""
    record: dict[str, Any] = {
        "status": _status(job),
        "title": job.title,
        "job_id": job.id,
        "storyboards_done": job.storyboards_done,
        "storyboards_total": len(job.storyboards),
        "failed_shots": dict(failed_shot_counts(job)),
        "output_url": "" if refused else job.output_url,
    }
    if refused:
        record["output_url_refused"] = refused
    return record


def render_report(jobs: list[Job], fmt: Format = "md") -> str:
    """The report of ``jobs`` in their order, as Markdown, CSV or JSON text."""
    if fmt == "md":
        return _markdown(jobs)
    if fmt == "csv":
        return _csv(jobs)
    if fmt == "json":
        records = [report_record(j) for j in jobs]
        # allow_nan=False: a NaN would make the output not JSON; fail loudly instead.
        return json.dumps(records, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    raise ValueError(f"report format must be one of {', '.join(FORMATS)}, not {fmt!r}")
