"""Hostile strings in every displayed field: the screen and the terminal output show them
inert, the layout holds, and ``--json`` stays exact. Served by a tiny scripted server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.hardening.cli_run import run
from tests.loopback import api_endpoint, reply_json
from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.session import session_for

EVIL = (
    "[bold red]x[/] [link=https://evil.example]y[/link] "
    "\x1b]0;pwned-title\x07 \x1b]52;c;cHduZWQ=\x07 \x1bP+q6b6d\x1b\\ \x1b[2J\x1b[H "
    "\x9b31m \x90dcs\x9c \u202eevil\u202c \u200b\u200d\u2066iso\u2069 \ufeff\r\n\tend"
)
LONG = "W" * 10_000
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x90", "\x9c", "\u202e", "\u200b", "\u2066", "\ufeff", "\r")
OK_IDS = ["hostile-1", "hostile-2"]


def payload(job_id: str) -> dict[str, object]:
    storyboards = [{"storyboardId": f"st_1{EVIL}", "title": EVIL + LONG, "status": EVIL,
                    "subStatus": EVIL}]  # fmt: skip
    shots = [{"errorCode": EVIL, "storyboardId": f"st_1{EVIL}", "shotId": EVIL}]
    return {
        "RequestId": EVIL,
        "JobId": job_id,
        "JobStatus": "Failed",
        "JobParams": {"Title": EVIL + LONG, "StyleId": EVIL, EVIL: EVIL},
        "JobResult": {
            "OutputUrl": f"https://x.example/o.mp4?a={EVIL}",
            "StoryboardInfoList": json.dumps(storyboards),
            "FailureShotList": json.dumps(shots),
            "ExceptionStoryboardIds": json.dumps([f"st_1{EVIL}"]),
        },
    }


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        job_id = parse_qs(urlsplit(self.path).query).get("JobId", [""])[0]
        status, body = 200, json.dumps(payload(job_id), ensure_ascii=False).encode()
        if job_id.startswith("err"):
            status = 400
            body = json.dumps({"Code": EVIL, "Message": EVIL + LONG, "RequestId": EVIL}).encode()
        elif job_id.startswith("badutf8"):
            body = b'{"JobId": "x", "JobStatus": "Running\xff\xfe", "JobParams": {"Title": "\xc3"}}'
        reply_json(self, status, body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with api_endpoint(Handler, "LTAI5tHostileTest01", monkeypatch) as url:
        yield url


def assert_inert(text: str) -> None:
    for char in FORBIDDEN:
        assert char not in text, f"{char!r} reached the terminal"


@pytest.mark.parametrize(
    ("argv", "exit_code"),
    [
        (["get", *OK_IDS, "err-1", "badutf8-1"], 1),  # some jobs could not be fetched
        (["watch", "--once", *OK_IDS, "err-1", "badutf8-1"], 1),
        (["report", *OK_IDS, "err-1"], 1),
        (["report", "--format", "csv", *OK_IDS], 0),
    ],
    ids=["get", "watch", "report-md", "report-csv"],
)
def test_terminal_output_is_inert(
    argv: list[str], exit_code: int, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == exit_code and "Traceback" not in err
    assert_inert(out)
    assert_inert(err)
    assert "␛" in out  # escapes are shown as visible stand-ins, not dropped silently
    if "err-1" in argv:
        assert "err-1" in err + out  # the error is reported (watch --once: as a state line)


@pytest.mark.parametrize(
    "argv", [["get", "--json"], ["watch", "--once", "--json"], ["report", "--format", "json"]]
)
def test_json_stays_exact(
    argv: list[str], endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run([*argv, OK_IDS[0]], capsys)
    assert code == 0
    doc = json.loads(out if "report" in argv else out.splitlines()[0])
    record = doc[0] if isinstance(doc, list) else doc
    assert record["title"] == EVIL + LONG
    if "storyboards" in record:
        assert record["storyboards"][0]["title"] == EVIL + LONG


async def test_tui_shows_hostile_data_inert_and_keeps_its_layout(endpoint: str) -> None:
    from yike_tui.ui.app import YikeApp
    from yike_tui.ui.widgets.job_table import JobTable
    from yike_tui.ui.widgets.status_bar import StatusBar

    ids = [*OK_IDS, "err-1", "badutf8-1"]
    session = session_for(
        endpoint,
        Credentials("LTAI5tHostileTest01", "x", source="t"),
        ids,
        settings=Settings(rate_limit=0.0, clipboard="osc52"),  # type: ignore[call-arg]
    )
    app = YikeApp(session)
    async with app.run_test(size=(120, 36)) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.status.passes, "the first refresh pass")
        app.flush_updates()
        await pilot.pause()
        table = app.query_one(JobTable)
        assert table.row_count == len(ids)
        assert table.virtual_size.height <= len(ids) + 1  # one line a row  # no row grew
        shots = []
        for key in ("j", "j", "j", "k", "e", "e", "question_mark", "escape"):
            await pilot.press(key)
            await pilot.pause()
            shots.append(app.export_screenshot())
        status = str(app.query_one(StatusBar).render())
        assert len(app.screen_stack) == 1 and app.is_running
        assert table.row_count == len(ids) and table.virtual_size.height <= len(ids) + 1
    for shot in shots:
        assert_inert(shot)
    assert_inert(status)
    assert "pwned" not in app.title and "pwned" not in (app.sub_title or "")


@pytest.mark.parametrize(
    "url", ["https://evil.example]y[/link]?Signature=abc", "http://[::1?Signature=abc", "http://["]
)
def test_a_url_urllib_cannot_split_is_still_redacted(url: str) -> None:
    from yike_tui.core.events import fetch_failed

    message = fetch_failed("j", ts=0.0, code="X", message=f"see {url}").message
    assert "Signature" not in message
