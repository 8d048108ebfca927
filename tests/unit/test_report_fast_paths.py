"""The report's shortcuts say exactly what the long way says: a link taken as plainly well
formed is one the full check takes; a Markdown cell left as it is needs nothing escaped or
replaced; a JSON report is ``json.dumps(records, indent=2)`` to the character."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from yike_tui.actions import report
from yike_tui.actions.report import ReportRow, report_record, write_report
from yike_tui.core import links
from yike_tui.core.models import JobStatus
from yike_tui.safety.safe_text import clean

BASE = "https://yike-out.oss-cn-shanghai.aliyuncs.com/job/final.mp4?Expires=1&Signature=a%2Bb"
ODD = ["\u2026", "\u00e9", "\u202e", "\u2028", "\ufeff", "\ud800", "\u0085", "\uff1a", "\U0001f600"]


def _variants() -> list[str]:
    """BASE with one character put at each kind of place: host, path, query, end."""
    chars = [chr(c) for c in range(0x80)] + ODD
    spots = [8, 12, len("https://yike-out.oss-cn-shanghai.aliyuncs.com/"), len(BASE) - 3, len(BASE)]
    return [BASE[:at] + ch + BASE[at:] for ch in chars for at in spots] + [
        "http://a", "https://a.b/", "http:///x", "https://-/", "https://a:99999/", "https://u@a/",
        "ftp://a/", "https://a/\u2026", "https://A/", "https://a/" + "x" * links.MAX_URL_LENGTH,
    ]  # fmt: skip


@pytest.mark.parametrize("url", _variants())
def test_a_link_taken_at_a_glance_is_one_the_full_check_takes(url: str) -> None:
    try:
        full: str | None = links.check_url_in_full(url)
    except ValueError:
        full = None
    if links._PLAIN_URL.fullmatch(url) and len(url) <= links.MAX_URL_LENGTH:
        assert full == url
    try:
        quick: str | None = links.check_url(url)
    except ValueError:
        quick = None
    assert quick == full


def test_a_markdown_cell_left_alone_needs_nothing_done_for_any_character() -> None:
    def long_way(text: str) -> str:
        return report._MD_SPECIAL.sub(r"\\\1", clean(text, one_line=True))

    wrong = [
        hex(code)
        for code in range(0x110000)
        if (report._md_text(chr(code)) == chr(code)) != (long_way(chr(code)) == chr(code))
        or report._md_text(chr(code)) != long_way(chr(code))
    ]
    assert wrong == []


def _row(title: str, url: str, codes: tuple[tuple[str, int], ...] = ()) -> ReportRow:
    return ReportRow(JobStatus.FAILED, "Failed", title, "j" * 32, 3, 7, codes, url, Decimal("1.5"))


@pytest.mark.parametrize("credits", [False, True])
def test_a_json_report_is_json_dumps_indented_to_the_character(credits: bool) -> None:
    rows = [
        _row("plain", BASE),
        _row('quote " back \\ slash \u2028 \ud800 \x1b[31m', "javascript:alert(1)"),
        _row("中文 \U0001f600", "", (("Shot.Failed", 3), ("Other\u202e", 1))),
    ]
    out = io.StringIO()
    assert write_report(rows, "json", out, credits=credits) == 3
    records = [report_record(row, credits) for row in rows]
    assert out.getvalue() == json.dumps(records, indent=2, ensure_ascii=False) + "\n"
