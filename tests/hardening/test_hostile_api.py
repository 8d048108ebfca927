"""Hostile API servers on loopback: an endless or compressed
body, a slow drip, an absurd Retry-After, redirects, CR/LF in a message, credentials that
cannot go into a header. Memory and time stay bounded; each gives one clear line and the
right exit code, through the real CLI and through the client, on either API transport (the
lean one and httpx's own, as the ``transport`` setting or ``YIKE_TUI_TRANSPORT`` picks).

Each server runs its own event loop in a thread, as the in-process CLI runs its own.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.api_transports import api_transport, carried_by  # noqa: F401 (a fixture)
from tests.hardening.cli_run import run
from tests.loopback import RawServerThread, json_answer, read_request
from yike_tui.api.client import MAX_RETRY_AFTER, ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.errors import ApiError
from yike_tui.api.transport import MAX_ANSWER_BYTES, TRANSPORT_NAMES

Handler = Callable[["Hostile", asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
CREDS = Credentials("LTAI5tHostileApi01", "secret-value-xyz", source="test")
GUARD = 60.0  # seconds: far beyond a healthy run; a run still going then is a hang
ENDLESS_LIMIT = 64 * 1024 * 1024  # the "endless" body ends here, so a broken client finishes


def job(job_id: str) -> bytes:
    return json.dumps({"RequestId": "r", "JobId": job_id, "JobStatus": "Running",
                       "JobParams": {"Title": f"title of {job_id}"}}).encode()  # fmt: skip


def answer(status: int, body: bytes, *headers: str) -> bytes:
    return json_answer(status, body, dict(h.split(": ", 1) for h in headers))


class Hostile(RawServerThread):
    """A raw HTTP/1.1 server on 127.0.0.1, in a thread, that misbehaves as ``handler`` says."""

    def __init__(self, handler: Handler) -> None:
        super().__init__(lambda reader, writer: handler(self, reader, writer))
        self.requests: list[str] = []  # request lines, in order
        self.most_sent = 0  # the most body bytes written on one connection

    async def read_request(self, reader: asyncio.StreamReader) -> str:
        """Read one request; returns its JobId (or "")."""
        request = await read_request(reader)
        self.requests.append(request.line)
        return request.params.get("JobId", "")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", CREDS.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", CREDS.access_key_secret)


def run_cli(
    argv: list[str], server: Hostile, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """The CLI in-process against ``server``, in a thread so that a hang fails the test
    instead of the run (it would be left behind as a daemon thread)."""
    result: list[tuple[int, str, str]] = []
    runner = threading.Thread(
        target=lambda: result.append(run([*argv, "--endpoint", server.endpoint], capsys)),
        daemon=True,
    )
    runner.start()
    runner.join(GUARD)
    if runner.is_alive():
        pytest.fail(f"`yike-tui {' '.join(argv)}` was still running after {GUARD:g} s")
    return result[0]


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    return lines[0]


def client(server: Hostile, transport: str, **kwargs: object) -> ApiClient:
    """A client on the lean transport, or on httpx's own, as the ``transport`` setting picks."""
    made = ApiClient(CREDS, endpoint=server.endpoint, transport_name=transport, **kwargs)  # type: ignore[arg-type]
    assert carried_by(made) == transport
    return made


TRANSPORTS = list(TRANSPORT_NAMES)


# --- 1. size and time ---------------------------------------------------------------------


async def endless_chunked(
    server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    await server.read_request(r)
    w.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"transfer-encoding: chunked\r\n\r\n")  # fmt: skip
    chunk = b" " * 65536
    sent = 0
    try:
        while sent < ENDLESS_LIMIT:
            w.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await w.drain()
            sent += len(chunk)
        w.write(b"1\r\n{\r\n0\r\n\r\n")  # a body that is not JSON, should one get this far
        await w.drain()
    finally:
        server.most_sent = max(server.most_sent, sent)


@pytest.mark.usefixtures("api_transport")
def test_get_cuts_an_endless_body_at_the_cap(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with Hostile(endless_chunked) as server:
        code, out, err = run_cli(["get", "job-endless"], server, capsys)
    line = one_line(err)
    assert code == 1 and out == ""
    assert "job-endless: AnswerTooLarge" in line and "larger than 4 MiB" in line
    # The client hung up long before the server's 64 MiB (kernel buffers hold a few MiB).
    assert server.most_sent < ENDLESS_LIMIT / 2


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_transport_caps_an_answer(transport: str) -> None:
    with Hostile(endless_chunked) as server:
        async with client(server, transport, retries=0) as c:
            with pytest.raises(ApiError) as info:
                await c.get_job("job-endless")
    assert info.value.code == "AnswerTooLarge"
    assert server.most_sent < ENDLESS_LIMIT / 2


async def huge_length(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await server.read_request(r)
    w.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10737418240\r\n\r\n{")  # 10 GiB announced
    await w.drain()
    await r.read()  # until the client hangs up


async def gzip_bomb(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await server.read_request(r)
    bomb = gzip.compress(b" " * (MAX_ANSWER_BYTES * 8))  # 32 MiB of spaces in ~32 KiB
    w.write(answer(200, bomb, "content-encoding: gzip"))
    await w.drain()
    await r.read()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("handler", "code", "words"),
    [(huge_length, "AnswerTooLarge", "larger than 4 MiB"), (gzip_bomb, "MalformedResponse",
      "compressed")],
    ids=["10GiB-announced", "gzip-bomb"],
)  # fmt: skip
async def test_an_answer_too_big_to_read_is_refused_before_it_is_read(
    transport: str, handler: Handler, code: str, words: str
) -> None:
    with Hostile(handler) as server:
        async with client(server, transport, retries=0) as c:
            with pytest.raises(ApiError) as info:
                await c.get_job("job-big")
    assert info.value.code == code and words in info.value.message
    assert server.requests[0].startswith("POST /?")


async def slow_drip(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    job_id = await server.read_request(r)
    if job_id == "healthy":
        w.write(answer(200, job(job_id)))
        await w.drain()
        return
    w.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    while True:  # one byte now and then: no single read ever times out
        w.write(b"1\r\n \r\n")
        await w.drain()
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_slow_drip_does_not_hold_a_call_past_its_deadline(transport: str) -> None:
    # Read timeouts far beyond the guard: only the whole-call deadline can end the call.
    timeout = httpx.Timeout(GUARD * 2)
    with Hostile(slow_drip) as server:
        async with client(server, transport, retries=0, timeout=timeout,
                          answer_deadline=0.5) as c:  # fmt: skip
            with pytest.raises(ApiError) as info:
                await asyncio.wait_for(c.get_job("drip"), GUARD)
            assert info.value.code == "Timeout" and "no whole answer" in info.value.message
            # The dripping connection is dropped at once, not kept until the client closes.
            assert await asyncio.to_thread(server.hung_up.wait, GUARD), "connection kept open"
            assert (await c.get_job("healthy")).title == "title of healthy"


# --- 2. waits the server asks for -----------------------------------------------------------


def throttled(value: str) -> Handler:
    async def handler(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while True:
            job_id = await server.read_request(r)
            if job_id.startswith("healthy"):
                w.write(answer(200, job(job_id)))
            else:
                body = json.dumps({"Code": "Throttling.User", "Message": "slow down",
                                   "RequestId": "r-throttle"}).encode()  # fmt: skip
                w.write(answer(400, body, f"x-acs-retry-after: {value}"))
            await w.drain()

    return handler


HONOURED = {"1e12": MAX_RETRY_AFTER, "1e400": None, "inf": None, "-Infinity": None,
            "nan": None, "-5000": None, "soon": None, "2500": 2.5}  # fmt: skip


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_retry_after_is_bounded_or_replaced_by_our_own_backoff(transport: str) -> None:
    honoured: dict[str, float | None] = {}
    for value in HONOURED:
        with Hostile(throttled(value)) as server:
            async with client(server, transport, retries=0) as c:
                with pytest.raises(ApiError) as info:
                    await c.get_job("throttled")
        honoured[value] = info.value.retry_after
    # At most a minute; nothing that is not a sane number of milliseconds is waited for.
    assert honoured == HONOURED


@pytest.mark.parametrize(
    "argv",
    [["get", "healthy-1", "throttled", "healthy-2"],
     ["watch", "--once", "healthy-1", "throttled", "healthy-2"]],
    ids=["get", "watch-once"],
)  # fmt: skip
@pytest.mark.usefixtures("api_transport")
def test_an_absurd_retry_after_holds_up_neither_the_job_nor_its_neighbours(
    argv: list[str], env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with Hostile(throttled("1e12")) as server:
        code, out, err = run_cli([*argv, "--timeout", "20"], server, capsys)
    assert code == 1
    assert "title of healthy-1" in out and "title of healthy-2" in out  # the others answered
    assert "Throttling.User" in err + out and "wait of 60 s or more, past the deadline" in err + out
    if argv[0] == "get":
        assert "throttled: Throttling.User (HTTP 400)" in one_line(err)


async def silent(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    while True:
        job_id = await server.read_request(r)
        if job_id.startswith("healthy"):
            w.write(answer(200, job(job_id)))
            await w.drain()
        else:
            await r.read()  # never answers


@pytest.mark.parametrize(
    "command", [["get"], ["watch", "--once"], ["report"]], ids=["get", "watch-once", "report"]
)
def test_a_one_shot_command_reports_what_it_has_at_its_deadline(
    command: list[str], env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with Hostile(silent) as server:
        code, out, err = run_cli([*command, "healthy-1", "mute", "--timeout", "3"], server, capsys)
    assert code == 1
    assert "title of healthy-1" in out  # what answered is reported
    if command[0] == "watch":  # the job that did not answer has its state line, and a reason
        assert "! Error      mute  Deadline: the API answered nothing for 3 s (--timeout)" in out
        assert one_line(err) == (
            "yike-tui: 1 of 2 jobs not answered: the API answered nothing for 3 s (--timeout)"
        )
    else:
        assert one_line(err).startswith("yike-tui: mute: Deadline")
        assert "the API answered nothing for 3 s (--timeout)" in err


# --- 3. redirects ---------------------------------------------------------------------------

SECRET_QUERY = "Signature=s3cr3t&Expires=1"


def redirect(status: int) -> Handler:
    async def handler(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while True:
            job_id = await server.read_request(r)
            # To this very server, so a client that followed it would show up here.
            where = f"{server.endpoint}/elsewhere/{'p' * 3000}\x9b?{SECRET_QUERY}"
            head = (f"HTTP/1.1 {status} Moved\r\ncontent-type: application/json\r\n"
                    f"location: {where}\r\n").encode("latin-1")  # fmt: skip
            body = job(job_id)  # a perfectly good job: it must not be taken for an answer
            w.write(head + f"content-length: {len(body)}\r\n\r\n".encode() + body)
            await w.drain()

    return handler


@pytest.mark.usefixtures("api_transport")
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_naming_where_it_pointed(
    status: int, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with Hostile(redirect(status)) as server:
        code, out, err = run_cli(["get", "job-r"], server, capsys)
    line = one_line(err)
    assert code == 1 and out == ""  # never parsed as a job
    assert f"job-r: Redirected (HTTP {status})" in line
    assert f"{server.endpoint}/elsewhere/ppp" in line  # where it pointed...
    assert "s3cr3t" not in line and "\x9b" not in line  # ...without its query, made visible
    assert len(line) < 600  # 3,000 characters of path cut short
    assert server.requests == [server.requests[0]]  # never followed


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_no_transport_follows_a_redirect(transport: str) -> None:
    with Hostile(redirect(307)) as server:
        async with client(server, transport) as c:
            with pytest.raises(ApiError) as info:
                await c.get_job("job-r")
    assert info.value.code == "Redirected" and not info.value.retryable
    assert len(server.requests) == 1


# --- 6. one line ----------------------------------------------------------------------------

FAKE = "bad job\r\nyike-tui: everything is fine\r\n\x1b[2K"


async def crlf_error(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    while True:
        await server.read_request(r)
        body = {"Code": "InvalidParameter\r\nX", "Message": FAKE, "RequestId": "r\r\n1"}
        w.write(answer(400, json.dumps(body).encode()))
        await w.drain()


@pytest.mark.usefixtures("api_transport")
@pytest.mark.parametrize("command", ["get", "report"])
def test_api_text_in_an_error_stays_on_one_line(
    command: str, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with Hostile(crlf_error) as server:
        code, _, err = run_cli([command, "job-x"], server, capsys)
    assert code == 1
    line = one_line(err)  # no fake line of our own, such as "yike-tui: everything is fine"
    assert "\r" not in line and "\x1b" not in line
    assert "bad job␍␊yike-tui: everything is fine␍␊␛[2K" in line  # visible, not hidden
    assert "InvalidParameter␍␊X" in line and "RequestId r␍␊1" in line


# --- 10. credentials that cannot go into a header ------------------------------------------


async def answers_jobs(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    while True:
        job_id = await server.read_request(r)
        w.write(answer(200, job(job_id)))
        await w.drain()


@pytest.mark.parametrize(
    ("variable", "value", "secret_part"),
    [
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "tok-EVIL\r\nX-Injected: yes", "X-Injected"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "tök-EVIL-ön", "tök"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5t EVIL\x1b[31m", "EVIL"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sëcret-EVIL", "EVIL"),
    ],
    ids=["token-crlf", "token-non-ascii", "key-id-controls", "secret-non-ascii"],
)
def test_unusable_credentials_exit_3_unechoed_and_unsent(
    variable: str,
    value: str,
    secret_part: str,
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    with Hostile(answers_jobs) as server:
        code, out, err = run_cli(["get", "job-c"], server, capsys)
    line = one_line(err)
    assert code == 3 and out == ""
    assert "not visible ASCII" in line and "copy it again" in line
    assert secret_part not in line and "\x1b" not in line
    assert server.requests == []  # nothing sent, nothing retried


@pytest.mark.parametrize(
    "argv",
    [["get", "--timeout", "0"], ["get", "--timeout", "nan"], ["report", "--timeout", "inf"],
     ["watch", "--once", "--timeout", "-1"], ["watch", "--once", "--timeout", "1e9"],
     ["report", "--timeout", "soon\x1b[2J"]],
    ids=["zero", "nan", "inf", "negative", "absurd", "garbage"],
)  # fmt: skip
def test_a_bad_timeout_is_a_usage_error(
    argv: list[str], env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*argv, "job-1"], capsys)
    assert code == 2 and out == ""
    assert "--timeout" in one_line(err) and "\x1b" not in err
