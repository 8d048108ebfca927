"""Downloads against hostile storage and a hostile downloads folder.

One small real HTTP server on loopback plays both the API (``GetYikeStoryboardJob`` answers
whose ``OutputUrl`` points back at it) and the storage, so ``yike-tui download`` runs as a
user runs it, in-process or as real processes. Each test scripts how the storage misbehaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.hardening.cli_run import run
from tests.loopback import threaded
from yike_tui.actions.download import DownloadError, download
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0  # seconds: a limit that only a broken download reaches


@dataclass
class Job:
    title: str
    body: bytes
    etag: str = '"v1"'


def video(seed: int, size: int = 300_000) -> bytes:
    return bytes((i * 7 + seed * 31 + i // 251) % 256 for i in range(size))


Media = Callable[["Handler", Job], None]


@dataclass
class Storage:
    """What the server knows: the jobs, how it serves files, what it was asked."""

    jobs: dict[str, Job] = field(default_factory=dict)
    media: Media | None = None  # None: a well-behaved storage (Range, If-Range, ETag)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    endpoint: str = ""

    def url(self, job_id: str) -> str:
        return f"{self.endpoint}/out/{job_id}.mp4?Expires=4102444800&Signature=SeCrEt"

    def ranges(self, job_id: str) -> list[tuple[str | None, str | None]]:
        return [
            (h.get("range"), h.get("if-range"))
            for path, h in self.requests
            if path.startswith(f"/out/{job_id}.")
        ]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    storage: Storage  # set by the fixture: each test's own

    def log_message(self, format: str, *args: object) -> None:
        pass

    def head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in {**headers, "connection": "close"}.items():
            self.send_header(key, value)
        self.end_headers()

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.head(status, {"content-length": str(len(body)), **(headers or {})})
        self.wfile.write(body)

    def do_POST(self) -> None:  # the API: one job's answer
        form = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        params = parse_qs(urlsplit(self.path).query) | parse_qs(form)
        job_id = params.get("JobId", [""])[0]
        job = self.storage.jobs[job_id]
        answer = {
            "RequestId": "r",
            "JobId": job_id,
            "JobStatus": "Succeeded",
            "JobParams": {"Title": job.title},
            "JobResult": {"OutputUrl": self.storage.url(job_id)},
        }
        self.send(200, json.dumps(answer).encode(), {"content-type": "application/json"})

    def do_GET(self) -> None:  # the storage
        storage = self.storage
        storage.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        job = storage.jobs[urlsplit(self.path).path.split("/")[-1].split(".")[0]]
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            (storage.media or well_behaved)(self, job)  # the client may hang up: it should
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def well_behaved(h: Handler, job: Job) -> None:
    """Range and If-Range as RFC 9110 says: a changed object is sent whole (200)."""
    wanted, if_range = h.headers.get("range"), h.headers.get("if-range")
    tag = {"etag": job.etag}
    match = re.fullmatch(r"bytes=(\d+)-", wanted or "")
    if match and (if_range is None or if_range == job.etag):
        start = int(match.group(1))
        if start >= len(job.body):
            h.send(416, b"", {**tag, "content-range": f"bytes */{len(job.body)}"})
            return
        crange = f"bytes {start}-{len(job.body) - 1}/{len(job.body)}"
        h.send(206, job.body[start:], {**tag, "content-range": crange})
        return
    h.send(200, job.body, tag)


def cut_short(h: Handler, job: Job) -> None:
    """Announces the whole file, sends half, hangs up."""
    h.head(200, {"content-length": str(len(job.body)), "etag": job.etag})
    h.wfile.write(job.body[: len(job.body) // 2])


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    storage = Handler.storage = Storage()
    with threaded(Handler, _Server) as endpoint:
        storage.endpoint = endpoint
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", endpoint)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        # In-process runs must not leave a root log handler pointing into one test's tmp dir.
        monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)
        yield storage


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    path = tmp_path / "downloads"
    path.mkdir()
    return path


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.is_symlink()}


def cli(dest: Path, *job_ids: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run(["download", *job_ids, "--dir", str(dest)], capsys)


# --- 11. symlinks ----------------------------------------------------------------------


@pytest.mark.parametrize("planted", ["part to a file", "part dangling", "final dangling"])
def test_a_planted_symlink_is_never_followed(
    storage: Storage,
    dest: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    planted: str,
) -> None:
    storage.jobs["j1"] = Job("Title", video(1))
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    if planted == "part to a file":
        victim.write_bytes(b"precious")
    link = dest / ("Title.mp4" if planted == "final dangling" else "Title.mp4.part")
    link.symlink_to(victim)

    code, out, err = cli(dest, "j1", capsys=capsys)

    assert code == 0, err
    if planted == "part to a file":
        assert victim.read_bytes() == b"precious"
    else:
        assert not victim.exists()
    assert os.readlink(link) == str(victim)  # the planted link itself is left alone
    saved = dest / "Title (2).mp4"  # the next name is taken instead
    assert out.splitlines() == [str(saved)]
    assert not saved.is_symlink() and saved.read_bytes() == storage.jobs["j1"].body
    assert sorted(p.name for p in dest.iterdir()) == sorted([link.name, saved.name])


def test_a_part_hard_linked_to_an_outside_file_is_left_alone(
    storage: Storage, dest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage.jobs["j1"] = Job("Title", video(1))
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    os.link(victim, dest / "Title.mp4.part")  # the same file under a second name
    code, out, err = cli(dest, "j1", capsys=capsys)
    assert code == 0, err
    assert victim.read_bytes() == b"precious"
    assert out.splitlines() == [str(dest / "Title (2).mp4")]
    assert (dest / "Title (2).mp4").read_bytes() == storage.jobs["j1"].body


def test_a_planted_record_symlink_is_replaced_not_written_through(
    storage: Storage, dest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage.jobs["j1"] = Job("Title", video(1))
    victim = tmp_path / "victim.json"
    victim.write_bytes(b"precious")
    (dest / "Title.mp4.part.json").symlink_to(victim)
    code, out, err = cli(dest, "j1", capsys=capsys)
    assert code == 0, err
    assert victim.read_bytes() == b"precious"
    assert out.splitlines() == [str(dest / "Title.mp4")]
    assert sorted(p.name for p in dest.iterdir()) == ["Title.mp4"]


def test_a_planted_fifo_part_does_not_hang_the_download(storage: Storage, dest: Path) -> None:
    storage.jobs["j1"] = Job("Title", video(1))
    os.mkfifo(dest / "Title.mp4.part")
    result = subprocess.run(
        [sys.executable, "-m", "yike_tui", "download", "j1", "--dir", str(dest)],
        capture_output=True,
        text=True,
        timeout=WAIT,
        env=os.environ.copy(),
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert (dest / "Title (2).mp4").read_bytes() == storage.jobs["j1"].body


# --- 12. two processes ------------------------------------------------------------------


def test_two_processes_with_the_same_title_never_share_a_part(storage: Storage, dest: Path) -> None:
    storage.jobs["a"] = Job("Same", video(1))
    storage.jobs["b"] = Job("Same", video(2))
    both_asking = threading.Barrier(2, timeout=WAIT)
    half = len(storage.jobs["a"].body) // 2
    overlapped = threading.Event()

    def both_halves_on_disk() -> bool:
        sizes = []
        for path in dest.glob("*.part"):
            with contextlib.suppress(FileNotFoundError):  # published meanwhile
                sizes.append(path.lstat().st_size)
        return len([n for n in sizes if n >= half]) >= 2

    def at_once(h: Handler, job: Job) -> None:
        # Neither answer starts before both processes have chosen their file and asked, and
        # neither ends before both have written half: the two transfers surely overlap.
        try:
            both_asking.wait()
        except threading.BrokenBarrierError:
            h.send(500, b"only one download asked")
            return
        h.head(200, {"content-length": str(len(job.body)), "etag": job.etag})
        h.wfile.write(job.body[:half])
        h.wfile.flush()
        deadline = time.monotonic() + WAIT  # only reached when the two share one file
        while not overlapped.is_set() and time.monotonic() < deadline:
            if both_halves_on_disk():
                overlapped.set()  # seen once is enough: the first to finish removes its .part
            else:
                time.sleep(0.01)
        h.wfile.write(job.body[half:])

    storage.media = at_once
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "yike_tui", "download", job_id, "--dir", str(dest)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
            cwd=ROOT,
        )
        for job_id in ("a", "b")
    ]
    try:
        outputs = [p.communicate(timeout=WAIT) for p in procs]
    finally:
        for p in procs:
            p.kill()
            p.wait()
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    for job_id, (out, _) in zip(("a", "b"), outputs, strict=True):
        (path,) = out.splitlines()
        assert Path(path).read_bytes() == storage.jobs[job_id].body  # never the other's bytes
    assert sorted(files(dest)) == ["Same (2).mp4", "Same.mp4"]


# --- 13. resuming the right bytes --------------------------------------------------------


def test_a_part_left_by_another_job_is_not_resumed(
    storage: Storage, dest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage.jobs["a"] = Job("Same", video(1), '"a1"')
    storage.jobs["b"] = Job("Same", video(2), '"b1"')
    storage.media = cut_short
    code, _, err = cli(dest, "a", capsys=capsys)
    assert code == 1 and "Same.mp4.part is kept: run again to resume" in err
    kept_of_a = (dest / "Same.mp4.part").read_bytes()
    assert kept_of_a and storage.jobs["a"].body.startswith(kept_of_a)

    storage.media = None  # storage behaves again
    code, out, err = cli(dest, "b", capsys=capsys)
    assert code == 0, err
    assert out.splitlines() == [str(dest / "Same (2).mp4")]
    assert (dest / "Same (2).mp4").read_bytes() == storage.jobs["b"].body
    assert storage.ranges("b") == [(None, None)]  # b asked for its whole file
    assert (dest / "Same.mp4.part").read_bytes() == kept_of_a  # a's bytes left alone

    code, out, err = cli(dest, "a", capsys=capsys)  # a resumes its own
    assert code == 0, err
    assert (dest / "Same.mp4").read_bytes() == storage.jobs["a"].body
    assert storage.ranges("a")[-1] == (f"bytes={len(kept_of_a)}-", '"a1"')
    assert sorted(p.name for p in dest.iterdir()) == ["Same (2).mp4", "Same.mp4"]


@pytest.mark.parametrize(
    "record",
    [
        b"not json",
        b"[1, 2]",
        b'{"job_id": 7}',
        b'{"job_id": "j", "etag": ["x"]}',
        b'{"job_id": "j", "etag": "\\"v1\\"", "pad": "' + b"x" * 5000 + b'"}',
        None,  # a FIFO
    ],
    ids=["garbage", "a list", "a number", "etag not text", "too big", "fifo"],
)
async def test_a_part_with_a_record_that_is_not_ours_is_left_alone(
    storage: Storage, dest: Path, record: bytes | None
) -> None:
    storage.jobs["j"] = Job("Clip", video(1), '"v1"')
    (dest / "Clip.mp4.part").write_bytes(b"someone's bytes")
    sidecar = dest / "Clip.mp4.part.json"
    if record is None:
        os.mkfifo(sidecar)
    else:
        sidecar.write_bytes(record)
    async with httpx.AsyncClient() as http:
        path = await asyncio.wait_for(download(http, storage.url("j"), dest, "Clip", "j"), WAIT)
    assert path == dest / "Clip (2).mp4" and path.read_bytes() == video(1)
    assert storage.ranges("j") == [(None, None)]
    assert (dest / "Clip.mp4.part").read_bytes() == b"someone's bytes"
    if record is not None:
        assert sidecar.read_bytes() == record


def ignores_if_range(h: Handler, job: Job) -> None:
    """Honours Range but not If-Range: the bytes after the offset of the new version."""
    match = re.fullmatch(r"bytes=(\d+)-", h.headers.get("range") or "")
    if match is None:
        h.send(200, job.body, {"etag": job.etag})
        return
    start = int(match.group(1))
    crange = f"bytes {start}-{len(job.body) - 1}/{len(job.body)}"
    h.send(206, job.body[start:], {"etag": job.etag, "content-range": crange})


def ignores_range(h: Handler, job: Job) -> None:
    h.send(200, job.body, {"etag": job.etag})


@pytest.mark.parametrize(
    "server",
    [well_behaved, ignores_if_range, ignores_range],
    ids=["200 to If-Range", "206 ignoring If-Range", "200 ignoring Range"],
)
async def test_a_changed_object_restarts_from_zero(
    storage: Storage, dest: Path, server: Media
) -> None:
    storage.jobs["a"] = Job("Clip", video(1), '"v1"')
    storage.media = cut_short
    async with httpx.AsyncClient() as http:
        with pytest.raises(DownloadError, match="run again to resume"):
            await download(http, storage.url("a"), dest, "Clip", "a")
        kept = (dest / "Clip.mp4.part").stat().st_size
        assert 0 < kept < len(video(1))

        storage.jobs["a"] = Job("Clip", video(9), '"v2"')  # the object was replaced
        storage.media = server
        path = await download(http, storage.url("a"), dest, "Clip", "a")
    assert path == dest / "Clip.mp4"
    assert path.read_bytes() == video(9)  # never half of v1 and half of v2
    assert storage.ranges("a")[-2 if server is ignores_if_range else -1] == (
        f"bytes={kept}-",
        '"v1"',
    )
    assert sorted(p.name for p in dest.iterdir()) == ["Clip.mp4"]


# --- 14. no size, no progress -------------------------------------------------------------


def no_length(h: Handler, job: Job) -> None:
    """No Content-Length: the end of the connection is the end of the body, or is it?"""
    h.head(200, {"etag": job.etag})
    h.wfile.write(job.body[:1000])


def unknown_total(h: Handler, job: Job) -> None:
    h.head(206, {"etag": job.etag, "content-range": "bytes 0-999/*"})
    h.wfile.write(job.body[:1000])


@pytest.mark.parametrize("server", [no_length, unknown_total], ids=["no length", "total *"])
def test_an_answer_without_a_size_is_not_taken_as_finished(
    storage: Storage, dest: Path, capsys: pytest.CaptureFixture[str], server: Media
) -> None:
    storage.jobs["j"] = Job("Clip", video(1))
    storage.media = server
    code, out, err = cli(dest, "j", capsys=capsys)
    assert code == 1 and out == ""
    (line,) = [x for x in err.splitlines() if x.startswith("✗")]
    assert "did not say how big the file is" in line and "kept as Clip.mp4.part" in line
    assert "Signature" not in err and "SeCrEt" not in err
    assert (dest / "Clip.mp4.part").read_bytes() == video(1)[:1000]
    assert not (dest / "Clip.mp4").exists()


async def test_a_trickling_server_is_stopped_and_the_part_kept(
    storage: Storage, dest: Path
) -> None:
    storage.jobs["j"] = Job("Clip", video(1))
    gone = threading.Event()

    def trickle(h: Handler, job: Job) -> None:
        h.head(200, {"content-length": str(len(job.body)), "etag": job.etag})
        for i in range(len(job.body)):  # a byte at a time until the client hangs up
            h.wfile.write(job.body[i : i + 1])
            h.wfile.flush()
            if gone.wait(0.02):
                return

    storage.media = trickle
    try:
        async with httpx.AsyncClient() as http:
            work = download(http, storage.url("j"), dest, "Clip", "j", stall_timeout=0.5)
            with pytest.raises(DownloadError) as err:
                await asyncio.wait_for(work, WAIT)
    finally:
        gone.set()
    message = str(err.value)
    assert "stalled" in message and "Clip.mp4.part is kept" in message
    assert "\n" not in message
    kept = (dest / "Clip.mp4.part").read_bytes()
    assert 0 < len(kept) < len(video(1)) and video(1).startswith(kept)
    assert not (dest / "Clip.mp4").exists()


# --- compressed answers: what is written is what was received ----------------------------

BOMB = 64 * 1024 * 1024  # zeros a gzip answer inflates to, from ~0.3 MB on the wire


def packed(encoding: str, data: bytes) -> bytes:
    """``data`` compressed (gzip or deflate); other encodings are only a label here."""
    if encoding not in ("gzip", "deflate"):
        return data
    pack = zlib.compressobj(1, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    return pack.compress(data) + pack.flush()


def compressed(encoding: str, body: bytes, *, sized: bool, status: int = 200) -> Media:
    def serve(h: Handler, job: Job) -> None:
        headers = {"etag": job.etag, "content-encoding": encoding}
        if sized:
            headers["content-length"] = str(len(body))
        if status == 206:
            headers["content-range"] = f"bytes {len(job.body) // 2}-{len(job.body) - 1}/*"
        h.head(status, headers)
        h.wfile.write(body)

    return serve


@pytest.mark.parametrize(
    ("encoding", "sized"),
    [("gzip", False), ("gzip", True), ("deflate", False), ("br", True), ("zstd", False),
     ("x-gzip", False), ("GZIP ", True), ("identity, gzip", False)],
)  # fmt: skip
def test_a_compressed_file_is_refused_never_inflated(
    storage: Storage,
    dest: Path,
    capsys: pytest.CaptureFixture[str],
    encoding: str,
    sized: bool,
) -> None:
    storage.jobs["j"] = Job("Clip", video(1))
    body = packed(encoding.strip().lower(), bytes(BOMB))
    storage.media = compressed(encoding, body, sized=sized)
    code, out, err = cli(dest, "j", capsys=capsys)
    assert code == 1 and out == ""
    (line,) = [x for x in err.splitlines() if x.startswith("✗")]
    assert f"sent the file compressed (Content-Encoding: {encoding.strip()})" in line
    assert "nothing was saved" in line
    assert files(dest) == {}  # not 64 MB of inflated zeros, nor a .part of them
    assert [h.get("accept-encoding") for _, h in storage.requests] == ["identity"]


async def test_a_compressed_resume_is_refused_and_the_part_kept(
    storage: Storage, dest: Path
) -> None:
    storage.jobs["j"] = Job("Clip", video(1))
    storage.media = cut_short
    async with httpx.AsyncClient() as http:
        with pytest.raises(DownloadError, match="run again to resume"):
            await download(http, storage.url("j"), dest, "Clip", "j")
        kept = (dest / "Clip.mp4.part").read_bytes()
        storage.media = compressed("gzip", packed("gzip", bytes(BOMB)), sized=False, status=206)
        with pytest.raises(DownloadError) as info:
            await asyncio.wait_for(download(http, storage.url("j"), dest, "Clip", "j"), WAIT)
    assert "Content-Encoding: gzip" in str(info.value)
    assert "Clip.mp4.part is kept" in str(info.value)
    assert (dest / "Clip.mp4.part").read_bytes() == kept
    assert storage.ranges("j")[-1] == (f"bytes={len(kept)}-", '"v1"')


async def test_a_compressed_refusal_body_is_not_read(storage: Storage, dest: Path) -> None:
    storage.jobs["j"] = Job("Clip", video(1))
    refusal = b"<Error><Code>InflatedCode</Code></Error>" + bytes(BOMB)
    storage.media = compressed("gzip", packed("gzip", refusal), sized=False, status=403)
    async with httpx.AsyncClient() as http:
        with pytest.raises(DownloadError) as info:
            await asyncio.wait_for(download(http, storage.url("j"), dest, "Clip", "j"), WAIT)
    assert "storage refused the output URL (HTTP 403)" in str(info.value)
    assert "InflatedCode" not in str(info.value)
    assert files(dest) == {}


def megabyte_of_headers(h: Handler, job: Job) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * 1024 * 1024 + b"\r\n\r\n")


def test_a_megabyte_of_headers_is_refused_and_no_part_claimed_kept(
    storage: Storage, dest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage.jobs["j"] = Job("Clip", video(1))
    storage.media = megabyte_of_headers
    code, out, err = cli(dest, "j", capsys=capsys)
    assert code == 1 and out == ""
    (line,) = [x for x in err.splitlines() if x.startswith("✗")]
    assert line.endswith(
        "incomplete after 3 attempts (RemoteProtocolError: Receive buffer too long); "
        "nothing was saved: run again"
    )
    assert files(dest) == {}


# --- paths users hit -----------------------------------------------------------------------


def test_without_hard_links_the_file_is_published_by_rename_and_never_overwrites(
    storage: Storage,
    dest: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No filesystem without hard links can be mounted here (no vfat/exfat in the kernel, no
    # FUSE library), so link() fails as it does on FAT: EPERM, at the one call that makes it.
    def no_hard_links(src: object, dst: object, **_: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    storage.jobs["j"] = Job("Clip", video(1))
    (dest / "Clip.mp4").symlink_to(tmp_path / "elsewhere.mp4")  # a name taken by a symlink
    (dest / "Clip (2).mp4").write_bytes(b"mine")

    code, out, err = cli(dest, "j", capsys=capsys)
    assert code == 0, err
    assert out.splitlines() == [str(dest / "Clip (3).mp4")]
    assert (dest / "Clip (3).mp4").read_bytes() == video(1)
    assert (dest / "Clip (2).mp4").read_bytes() == b"mine"
    assert os.readlink(dest / "Clip.mp4") == str(tmp_path / "elsewhere.mp4")
    assert not (tmp_path / "elsewhere.mp4").exists()
    assert sorted(p.name for p in dest.iterdir()) == ["Clip (2).mp4", "Clip (3).mp4", "Clip.mp4"]


class Terminal:
    """A pseudo-terminal whose output a thread collects until the child closes it."""

    def __init__(self, columns: int = 100) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child side closed
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data)

    @property
    def text(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode("utf-8", "replace")

    @property
    def uncoloured(self) -> str:
        """``text`` without colour codes (SGR): what the eye reads, cursor moves kept."""
        return re.sub(r"\x1b\[[0-9;]*m", "", self.text)

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = re.search(pattern, self.uncoloured)
            if found:
                return found
            time.sleep(0.01)  # polling the condition, not a guess at how long it takes
        raise AssertionError(f"never saw {pattern!r} on the terminal; it showed {self.text!r}")

    def close(self) -> None:
        os.close(self.master)
        self._reader.join(timeout=WAIT)


@pytest.mark.parametrize(
    "title", ["Harbour Lights", "[blink]Harbour[/blink] Lights"], ids=["plain", "markup"]
)
def test_the_terminal_shows_a_progress_bar_then_the_saved_file(
    storage: Storage, dest: Path, title: str
) -> None:
    """A bar mid-transfer, then the saved file's line; a title is shown as it is, never
    read as Rich markup (``[blink]`` would make the bar blink and vanish from the name)."""
    body = video(3, 400_000)
    storage.jobs["j"] = Job(title, body)
    file_name = title.replace("/", " ") + ".mp4"  # as safe_filename makes it
    release = threading.Event()

    def half_then_trickle(h: Handler, job: Job) -> None:
        # Half at once, then small pieces until the test has seen the bar, then the rest:
        # the bar is drawn mid-transfer however busy the machine is.
        h.head(200, {"content-length": str(len(body)), "etag": job.etag})
        h.wfile.write(body[:200_000])
        sent = 200_000
        while not release.wait(0.01):
            piece = body[sent : min(sent + 1000, len(body) - 1)]  # the last byte waits
            h.wfile.write(piece)
            h.wfile.flush()
            sent += len(piece)
        h.wfile.write(body[sent:])

    storage.media = half_then_trickle
    term = Terminal(columns=100)
    proc = subprocess.Popen(
        [sys.executable, "-m", "yike_tui", "download", "j", "--dir", str(dest)],
        stdin=term.slave,
        stdout=term.slave,
        stderr=term.slave,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "24"},
        cwd=ROOT,
    )
    os.close(term.slave)
    try:
        # rich.progress: name, bar, percent, bytes done / total, speed, time left. Mid-transfer:
        # after the half, before the end (a frame drawn while the first half arrived is earlier).
        shown = re.escape(file_name)
        bar = term.wait_for(rf"{shown} +[━╺╸]{{10,}} +([5-9]\d)% +[\d.]+/400\.0 kB")
        release.set()
        assert proc.wait(timeout=WAIT) == 0, term.text
        saved = dest / file_name
        final = term.wait_for(r"✓ (.+) \(400\.0 kB\)")
    finally:
        release.set()
        proc.kill()
        proc.wait()
        term.close()
    assert 50 <= int(bar.group(1)) <= 99  # mid-transfer: after the half, before the end
    assert final.group(1) == str(saved)
    # The bar's line is cleared and replaced by the result, which stays.
    after_bar = term.uncoloured[bar.end() :]
    assert "\x1b[2K✓" in after_bar
    assert "\x1b[5m" not in term.text  # nothing blinks
    assert saved.read_bytes() == body
