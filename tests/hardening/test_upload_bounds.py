"""The path that spends the user's money, against hostile answers: the OSS PUT's answer and
the STS credentials the upload answer hands over.

- An OSS that answers the PUT with an endless 200, or with a 403 whose gzip body inflates
  to 200 MB: ``yike-tui submit`` (a real child process) ends with its usual lines, the body
  is not read (the server could not send it) and the child's peak memory stays small.
- Credentials, a region, an endpoint or a FileURL that cannot go into a header or a URL
  (a newline, a non-ASCII character, a lone surrogate, 5,000 characters): refused with a
  line naming the field, no PUT is sent, and the value appears in no form (as is, repr,
  bytes, escaped) in stdout, stderr, the log or the state db.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.hardening.test_hostile_api import GUARD, Handler, Hostile
from tests.hardening.test_secrets import run
from tests.hardening.test_upload_hostile import api_answering, upload_answer
from tests.loopback import api_endpoint
from yike_tui.actions.upload import UploadError, parse_upload_answer, put_object
from yike_tui.core import paths

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 256 * 1024 * 1024  # what the "endless" body stops at, so a broken client finishes
BOMB = 200 * 1024 * 1024  # the zeros the refusal's gzip body inflates to (~0.9 MB sent)
PEAK_RSS = 160 * 1024 * 1024  # a submit run peaks near 60 MiB; a body read whole is 200+ MiB


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def endless_200(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await server.read_request(r)
    w.write(b'HTTP/1.1 200 OK\r\netag: "e"\r\ntransfer-encoding: chunked\r\n\r\n')
    piece = chunk(b"x" * 65536)
    sent = 0
    try:
        while sent < BUDGET:
            w.write(piece)
            await w.drain()
            sent += 65536
        w.write(b"0\r\n\r\n")
        await w.drain()
    finally:
        server.most_sent = max(server.most_sent, sent)


async def gzip_refusal(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    """A 403 whose body, gzip made as it is sent, is an OSS error then 200 MB of zeros."""
    await server.read_request(r)
    w.write(b"HTTP/1.1 403 Forbidden\r\ncontent-type: application/xml\r\n"
            b"content-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n")  # fmt: skip
    pack = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: the gzip wrapper
    zeros = bytes(1024 * 1024)
    sent = 0
    try:
        w.write(chunk(pack.compress(b"<Error><Code>InflatedCode</Code></Error>")))
        for _ in range(BOMB // len(zeros)):
            packed = pack.compress(zeros)
            if packed:
                w.write(chunk(packed))
                await w.drain()
                sent += len(packed)
        w.write(chunk(pack.flush()) + b"0\r\n\r\n")
        await w.drain()
    finally:
        server.most_sent = max(server.most_sent, sent)


# Runs the CLI and, at its exit, keeps its own /proc status: VmHWM is the peak RSS of this
# program alone (a fork's copy of the big test process, which wait4's ru_maxrss would
# count, is gone once exec starts a new address space).
_MEASURED = (
    "import atexit, os, runpy, shutil, sys;"
    "atexit.register(lambda: shutil.copy('/proc/self/status', os.environ['STATUS_TO']));"
    "sys.argv = ['yike-tui', *sys.argv[1:]];"
    "runpy.run_module('yike_tui', run_name='__main__')"
)


def _peak_rss(status: Path) -> int:
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in the child's status")


def submit_measured(novel: Path) -> tuple[int, str, str, int]:
    """``yike-tui submit`` as a child process: exit code, stdout, stderr, and its own peak
    RSS in bytes."""
    out_path, err_path = novel.with_suffix(".out"), novel.with_suffix(".err")
    status_path = novel.with_suffix(".status")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _MEASURED, "submit", str(novel), "--source-type", "Novel"],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "STATUS_TO": str(status_path)},
            cwd=ROOT,
        )
    guard = threading.Timer(GUARD, proc.kill)  # a hang fails the test, never the run
    guard.start()
    try:
        proc.wait()
    finally:
        guard.cancel()
    text = (out_path.read_text(encoding="utf-8"), err_path.read_text(encoding="utf-8"))
    return proc.returncode, *text, _peak_rss(status_path)


@pytest.fixture
def novel(tmp_path: Path) -> Path:
    path = tmp_path / "novel.txt"
    path.write_text("A story that costs money to turn into a film.", encoding="utf-8")
    return path


def test_an_endless_200_to_the_put_is_not_read(
    novel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Hostile(endless_200) as oss:
        handler = api_answering(upload_answer(oss.endpoint))
        with api_endpoint(handler, "LTAIkey", monkeypatch):
            code, out, err, peak = submit_measured(novel)
    assert code == 0, err
    assert out.splitlines() == ["a" * 32]  # the upload succeeded: the job was submitted
    assert handler.submits == 1  # type: ignore[attr-defined]
    assert oss.requests == ["PUT /bucket-a/k.txt HTTP/1.1"]
    # The client hung up after the status line: the server got no further than the kernel
    # buffers (a few MiB), and the child never held the body.
    assert oss.most_sent < BUDGET / 4, oss.most_sent
    assert peak < PEAK_RSS, f"peak RSS {peak / 2**20:.0f} MiB"


def test_a_gzip_bomb_refusal_is_reported_by_its_status_alone(
    novel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Hostile(gzip_refusal) as oss:
        handler = api_answering(upload_answer(oss.endpoint))
        with api_endpoint(handler, "LTAIkey", monkeypatch):
            code, out, err, peak = submit_measured(novel)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "yike-tui: not uploaded: the upload was refused (HTTP 403); the upload permission "
        "expired or was refused; run the submit again for a fresh one"
    ]
    assert handler.submits == 0  # type: ignore[attr-defined]
    assert peak < PEAK_RSS, f"peak RSS {peak / 2**20:.0f} MiB"


async def drip_head(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    """The answer's head a byte at a time: no read ever waits long, the head never ends."""
    await server.read_request(r)
    w.write(b"HTTP/1.1 200 OK\r\nx-a: ")
    while True:
        w.write(b"a")
        await w.drain()
        await asyncio.sleep(0.01)


async def drip_refusal(server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await server.read_request(r)
    w.write(b"HTTP/1.1 403 Forbidden\r\ntransfer-encoding: chunked\r\n\r\n")
    while True:
        w.write(chunk(b"<"))
        await w.drain()
        await asyncio.sleep(0.01)


async def continue_forever(
    server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    await server.read_request(r)
    while True:
        w.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await w.drain()
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("handler", [drip_head, drip_refusal, continue_forever])
async def test_one_deadline_holds_the_whole_put(
    handler: Handler, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read timeouts far beyond the guard: only the deadline of the whole exchange ends it.
    monkeypatch.setattr("yike_tui.actions.upload.PUT_DEADLINE", 0.5)
    monkeypatch.setattr("yike_tui.actions.upload.PUT_TIMEOUT", httpx.Timeout(GUARD * 2))
    with Hostile(handler) as oss:
        target, auth = parse_upload_answer(upload_answer(oss.endpoint))
        async with httpx.AsyncClient() as http:
            with pytest.raises(UploadError) as info:
                await asyncio.wait_for(put_object(http, target, auth, b"x", "text/plain"), GUARD)
        assert await asyncio.to_thread(oss.hung_up.wait, GUARD), "the connection was kept"
    assert str(info.value) == "the upload did not finish within 0.5 s"


async def reset_mid_refusal(
    server: Hostile, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    await server.read_request(r)
    w.write(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 100000\r\n\r\n<Error><Co")
    await w.drain()
    sock = w.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()  # linger 0: a reset, not a close


async def test_a_reset_mid_answer_is_one_plain_line() -> None:
    with Hostile(reset_mid_refusal) as oss:
        target, auth = parse_upload_answer(upload_answer(oss.endpoint))
        async with httpx.AsyncClient() as http:
            with pytest.raises(UploadError) as info:
                await asyncio.wait_for(put_object(http, target, auth, b"x", "text/plain"), GUARD)
    assert str(info.value) in (
        "the upload failed: ReadError",  # the reset came first
        "the upload failed: RemoteProtocolError: peer closed connection without sending "
        "complete message body (received 10 bytes, expected 100000)",
    )


# --- credentials that cannot go into a header --------------------------------------------

SEEN = "zq7Kx9Vw2Lm4"  # in every hostile value: a leak of any part of one is found


def forms(value: str) -> set[str]:
    """``value`` as an error message, a log line or a repr may quote it, whole or in part."""
    shown = {
        value,
        repr(value)[1:-1],
        value.encode("unicode_escape").decode("ascii"),
        str(value.encode("utf-8", "surrogatepass"))[2:-1],
        value.encode("utf-8", "surrogatepass").decode("latin-1"),
    }
    return shown | {SEEN}


def written() -> bytes:
    """Every byte yike-tui wrote under its config, state and log dirs."""
    found = b""
    for root in (paths.config_dir(), paths.state_dir(), paths.log_dir()):
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file():
                found += path.read_bytes()
    return found


# A newline or a space at either end is trimmed (the value is then fine): these are inside.
HOSTILE = {
    "SecurityToken": [
        f"CAIS{SEEN}\nX-Injected: 1",
        f"CAIS{SEEN}\r\nx",
        f"CAIS{SEEN}é",
        f"CAIS{SEEN}\ud800",
        f"CAIS{SEEN} two words",
        f"CAIS{SEEN}\x00",
        "CAIS" + SEEN * 400,  # 4,804 characters
    ],
    "AccessKeySecret": [f"{SEEN}\nsecret", f"{SEEN}\u202esecret"],
    "AccessKeyId": [f"STS.{SEEN}\nx", f"STS.{SEEN}\tx", f"STS.{SEEN}ü"],
    "Region": [f"cn-{SEEN.lower()}\nx", f"cn-{SEEN}", f"cn-{SEEN.lower()}é"],
}
CASES = [(field, value) for field, values in HOSTILE.items() for value in values]
IDS = [f"{field}-{ascii(value)[:24]}" for field, value in CASES]


@pytest.mark.parametrize(("field", "value"), CASES, ids=IDS)
def test_a_credential_that_cannot_be_a_header_is_refused_and_never_shown(
    field: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Hostile(endless_200) as oss:
        handler = api_answering(upload_answer(oss.endpoint, **{field: value}))
        path = tmp_path / "n.txt"
        path.write_text("A story.", encoding="utf-8")
        with api_endpoint(handler, "LTAIkey", monkeypatch):
            code, out, err = run(["submit", "--debug", str(path), "--source-type", "Novel"],
                                 capsys)  # fmt: skip
        assert (code, out) == (1, "")
        assert err.splitlines() == [
            f"yike-tui: not uploaded: the upload answer's UploadAuth has no usable {field}"
        ]
        assert oss.requests == [] and handler.submits == 0  # type: ignore[attr-defined]
    on_disk = written()
    assert on_disk  # the log and the state db were written: the search below means something
    for form in forms(value):
        assert form not in out + err, form
        assert form.encode("utf-8", "surrogatepass") not in on_disk, form


async def test_a_put_with_a_value_that_cannot_be_sent_says_so_without_it() -> None:
    """Past the answer's checks (a caller built the grant itself): httpx's message quotes
    the header value as bytes; the error names no value at all."""
    with Hostile(endless_200) as oss:
        target, auth = parse_upload_answer(upload_answer(oss.endpoint))
        for token in (f"CAIS{SEEN}\nx", f"CAIS{SEEN}é", f"CAIS{SEEN}\ud800"):
            async with httpx.AsyncClient() as http:
                with pytest.raises(UploadError) as info:
                    grant = replace(auth, security_token=token)
                    await put_object(http, target, grant, b"x", "text/plain")
            message = str(info.value)
            assert message == "the upload address or permission holds a value that cannot be sent"
            assert info.value.__cause__ is None and info.value.__suppress_context__
        assert oss.requests == []  # h11 refused the head before a byte of it went out


ADDRESSES = [
    ({"FileURL": f"https://b.oss.example.com/{SEEN} k.txt"}, "FileURL is not a usable URL"),
    ({"FileURL": f"https://b.oss.example.com/{SEEN}\nk"}, "FileURL is not a usable URL"),
    ({"FileURL": f"https://b.oss.example.com/{SEEN}\x1b[2J"}, "FileURL is not a usable URL"),
    ({"FileURL": "https://b.oss.example.com/" + SEEN * 400}, "FileURL is not a usable URL"),
    ({"FileURL": f"file:///{SEEN}"}, "FileURL is not a usable URL"),
    ({"FileURL": "https://[::1/k"}, "FileURL is not a usable URL"),
    ({"Endpoint": f"https://oss.{SEEN}.com\r\nX: 1"}, "Endpoint is not a host"),
    ({"Endpoint": f"https://user:{SEEN}@oss.example.com"}, "Endpoint is not a host"),
    ({"Endpoint": f"https://oss.ex{SEEN}ämple.com"}, "Endpoint is not a host"),
    ({"Endpoint": f"https://oss.{SEEN}.com:99999"}, "Endpoint is not a host"),
    ({"Endpoint": f"https://oss.{SEEN}.com/path"}, "Endpoint is not a host"),
    ({"Endpoint": f"http://[::1{SEEN}"}, "Endpoint is not a host"),
    ({"Endpoint": f"https://oss.{SEEN}.com?x=1"}, "Endpoint is not a host"),
    ({"FileName": "a/\u202ekey.txt"}, "FileName is not a valid object key"),
    ({"FileName": "a/\ud800.txt"}, "FileName is not a valid object key"),
    ({"FileName": "a/\x85b.txt"}, "FileName is not a valid object key"),
]


@pytest.mark.parametrize(
    ("changes", "message"), ADDRESSES, ids=[ascii(changes)[:40] for changes, _ in ADDRESSES]
)
def test_an_address_that_cannot_be_a_url_is_refused(changes: dict[str, str], message: str) -> None:
    answer = upload_answer("https://oss-cn-shanghai.aliyuncs.com")
    address = {"Endpoint": "https://oss-cn-shanghai.aliyuncs.com", "Bucket": "bucket-a",
               "FileName": "k.txt"}  # fmt: skip
    if "FileURL" in changes:
        answer["FileURL"] = changes["FileURL"]
    else:
        address |= changes
        answer["UploadAddress"] = base64.b64encode(json.dumps(address).encode()).decode()
    with pytest.raises(UploadError, match=message) as info:
        parse_upload_answer(answer)
    assert "\n" not in str(info.value) and SEEN not in str(info.value)


def test_a_sane_answer_still_parses() -> None:
    target, auth = parse_upload_answer(
        upload_answer("https://oss-cn-shanghai.aliyuncs.com", Region="cn-shanghai")
    )
    assert (target.endpoint, target.bucket, target.key) == (
        "https://oss-cn-shanghai.aliyuncs.com", "bucket-a", "k.txt"
    )  # fmt: skip
    assert auth.region == "cn-shanghai"
