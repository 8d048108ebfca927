"""The submit against a hostile or dying world: the job the service created is never lost,
text from the server never reaches the terminal raw, and nothing is sent without a yes.

A small API on loopback answers the submit as told (an id full of terminal escapes, a
valid id followed by a signal to the client, no answer at all), and the CLI runs as a
user runs it: in-process, or as a child on a pipe or a pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest

from tests.hardening.cli_run import run
from tests.loopback import api_endpoint, reply_json
from tests.pty_child import PtyChild, yike_tui
from yike_tui.actions.submit import UPLOADED_FILE_URL, SubmitInvalid, build_submit
from yike_tui.core import paths
from yike_tui.store import Store

SOURCE = "https://b.oss-cn-shanghai.aliyuncs.com/novel.txt"
GOOD_ID = "f" * 32
DEADLINE = 60.0  # seconds: far past a healthy run; a stuck child fails loudly
# What a hostile JobId carries: OSC 52 (clipboard), a window title, a screen clear.
ESCAPES = "\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\x1b[2J"


class _Api(BaseHTTPRequestHandler):
    """Answers a submit with ``answer``; then does ``after`` (e.g. signals the client)."""

    answer: ClassVar[dict[str, object]] = {}
    after: ClassVar[Callable[[], None] | None] = None
    before: ClassVar[Callable[[], None] | None] = None
    submits: ClassVar[int] = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.headers.get("x-acs-action", "") != "SubmitYikeStoryboardJob":
            reply_json(self, 403, b'{"Code":"Forbidden","Message":"no","RequestId":"R0"}')
            return
        type(self).submits += 1
        if _Api.before is not None:
            _Api.before()
        reply_json(self, 200, json.dumps(_Api.answer).encode())
        self.wfile.flush()
        if _Api.after is not None:
            _Api.after()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Api]]:
    _Api.answer, _Api.after, _Api.before, _Api.submits = {}, None, None, 0
    with api_endpoint(_Api, "LTAIkey", monkeypatch):
        yield _Api


def watched_ids() -> list[str]:
    if not paths.state_db().exists():
        return []
    with Store.open(prune=False) as store:
        return [job.id for job in store.watchlist()]


def argv(*more: str) -> list[str]:
    return ["submit", "--file-url", SOURCE, "--title", "Rain", *more]


# --- text from the server ------------------------------------------------------------------


def test_a_jobid_full_of_escapes_never_reaches_the_terminal(
    api: type[_Api], capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer = {"RequestId": "REQ-7", "JobId": f"abc{ESCAPES}def"}
    code, out, err = run(argv(), capsys)
    assert code == 1 and out == ""  # no JobId on stdout: there is none to use
    assert "\x1b" not in err and "\x07" not in err
    (line,) = err.strip().splitlines()
    assert "the submit's outcome is unknown" in line and "cannot be one" in line
    assert "[RequestId REQ-7]" in line and "the job may exist" in line  # where to find it
    assert api.submits == 1 and watched_ids() == []


def test_a_requestid_full_of_escapes_is_made_inert(
    api: type[_Api], capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer = {"RequestId": f"R{ESCAPES}", "JobId": GOOD_ID}
    code, out, err = run(argv(), capsys)
    assert code == 0 and out == f"{GOOD_ID}\n"
    assert "\x1b" not in err and "\x07" not in err
    assert watched_ids() == [GOOD_ID]


@pytest.mark.parametrize("answer", [{"RequestId": "REQ-8"}, {"RequestId": "REQ-8", "JobId": 7}])
def test_an_answer_without_a_usable_jobid_names_the_requestid(
    api: type[_Api], capsys: pytest.CaptureFixture[str], answer: dict[str, object]
) -> None:
    api.answer = answer
    code, out, err = run(argv(), capsys)
    assert (code, out) == (1, "")
    assert "[RequestId REQ-8]" in err and "the job may exist" in err
    assert api.submits == 1


def test_a_fileurl_from_the_upload_is_named_as_such_not_as_a_flag() -> None:
    with pytest.raises(SubmitInvalid) as raised:
        build_submit(file_url="https://x/a b.txt", title="t", file_url_from=UPLOADED_FILE_URL)
    assert str(raised.value).startswith("the upload answer's FileURL must not contain spaces")
    assert "--file-url" not in str(raised.value)


@pytest.mark.parametrize("port", ["70000", "0", "99999999999999999999", "x"])
def test_an_endpoint_port_out_of_range_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["get", GOOD_ID, "--endpoint", f"http://127.0.0.1:{port}"], capsys)
    assert (code, out) == (2, "")
    assert "the port must be a number from 1 to 65535" in err and "Traceback" not in err


# --- the job is kept, whatever happens next -------------------------------------------------


def _child(*args: str, **popen: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "yike_tui", *args], **popen
    )


def test_sigterm_right_after_the_answer_still_keeps_the_job(api: type[_Api]) -> None:
    child: list[subprocess.Popen[bytes]] = []
    api.answer = {"RequestId": "REQ-9", "JobId": GOOD_ID}
    api.after = lambda: child[0].send_signal(signal.SIGTERM)
    proc = _child(*argv(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.append(proc)
    out, err = proc.communicate(timeout=DEADLINE)
    assert api.submits == 1
    assert watched_ids() == [GOOD_ID], err.decode()
    assert out.decode() == f"{GOOD_ID}\n"  # and the user is told which job it is
    assert proc.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in err


def test_sigterm_while_the_answer_is_awaited_waits_for_it(api: type[_Api]) -> None:
    child: list[subprocess.Popen[bytes]] = []
    api.answer = {"RequestId": "REQ-10", "JobId": GOOD_ID}
    api.before = lambda: child[0].send_signal(signal.SIGTERM)  # the request is out
    proc = _child(*argv(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.append(proc)
    out, err = proc.communicate(timeout=DEADLINE)
    assert watched_ids() == [GOOD_ID], err.decode()
    assert out.decode() == f"{GOOD_ID}\n"
    assert b"stopping once the submit's answer is kept" in err
    assert proc.returncode == 128 + signal.SIGTERM


def test_sigkill_before_the_answer_is_told_on_the_next_run(
    api: type[_Api], capsys: pytest.CaptureFixture[str]
) -> None:
    child: list[subprocess.Popen[bytes]] = []
    api.answer = {"RequestId": "REQ-11", "JobId": GOOD_ID}

    def kill_and_wait() -> None:  # the job exists on the server; the client never hears
        child[0].kill()
        child[0].wait(timeout=DEADLINE)

    api.before = kill_and_wait
    proc = _child(*argv(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.append(proc)
    proc.communicate(timeout=DEADLINE)
    assert proc.returncode == -signal.SIGKILL and api.submits == 1
    code, _out, err = run(["list"], capsys)
    assert code == 0
    assert "a submit sent at" in err and "'Rain'" in err and "may exist" in err
    assert "Yike console" in err
    code, _out, err = run(["list"], capsys)
    assert "a submit sent at" not in err  # told once


# --- nothing is sent without a yes ----------------------------------------------------------


def _on_a_terminal(args: list[str], answer: bytes | None) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal; type ``answer`` at its question (None: expect none)."""
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    with PtyChild(yike_tui(*args), env) as cli:
        if answer is not None:
            cli.read_until(b"Submit? [y/N]", "the question before a submit")
            cli.send(answer)
        code = cli.wait()
    return code, cli.text


def test_a_terminal_is_shown_the_summary_and_no_sends_nothing(api: type[_Api]) -> None:
    api.answer = {"RequestId": "R", "JobId": GOOD_ID}
    code, text = _on_a_terminal(argv("--style-id", "Ghibli", "--aspect-ratio", "16:9"), b"n\r")
    assert "it spends credits" in text and "Submit? [y/N]" in text
    for shown in ("Title", "Rain", "Ghibli", "16:9", "Credits", "not readable", "Cost"):
        assert shown in text, text
    assert code == 1 and "not submitted" in text
    assert api.submits == 0 and watched_ids() == []


def test_enter_alone_is_a_no(api: type[_Api]) -> None:
    code, _text = _on_a_terminal(argv(), b"\r")
    assert code == 1 and api.submits == 0


def test_yes_on_a_terminal_asks_nothing(api: type[_Api]) -> None:
    api.answer = {"RequestId": "R", "JobId": GOOD_ID}
    code, text = _on_a_terminal(argv("--yes"), None)
    assert code == 0, text
    assert "Submit? [y/N]" not in text and GOOD_ID in text
    assert api.submits == 1 and watched_ids() == [GOOD_ID]


def test_a_pipe_is_never_asked(api: type[_Api]) -> None:
    api.answer = {"RequestId": "R", "JobId": GOOD_ID}
    proc = _child(*argv(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0 and out.decode() == f"{GOOD_ID}\n"
    assert b"Submit?" not in err and api.submits == 1
