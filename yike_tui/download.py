"""Download an output file: resumable, verified, never overwriting, URL secrets kept out of logs.

The bytes go to ``<final>.part`` and the file appears under its final name only once its
size matches what the server announced. An interrupted or cancelled download leaves the
``.part`` behind, and the next call for the same name resumes it with ``Range``. Signed OSS
URLs expire: a 403 asks the caller for a fresh URL once (a new ``GetYikeStoryboardJob``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx

from yike_tui.presentation import redact_url
from yike_tui.safe_text import clean

log = logging.getLogger(__name__)

MAX_NAME_BYTES = 120  # well under the 255-byte limit of common filesystems, suffixes included
CHUNK = 64 * 1024
ATTEMPTS = 3  # streams per download that may end short before we give up (resuming each time)
PROGRESS_EVERY = 0.1  # seconds between progress callbacks

_RESERVED = re.compile(r'[/\\:*?"<>|]')  # path separators and what Windows refuses in names
_DOTS = re.compile(r"\.{2,}")
_SPACES = re.compile(r"\s+")
_EXT = re.compile(r"^\.[A-Za-z0-9]{1,5}$")
_CONTENT_RANGE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")
_UNSATISFIED_RANGE = re.compile(r"^bytes\s+\*/(\d+)$")
_OSS_CODE = re.compile(rb"<Code>([^<]{1,80})</Code>")
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


class DownloadError(Exception):
    """A download that did not complete; ``str()`` is a whole sentence for the user."""


class DownloadCancelled(DownloadError):
    """Stopped on request; the ``.part`` file stays for a later resume."""


_CANCELLED = "download cancelled; the partial file is kept for a resume"


class _Expired(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Progress:
    done: int  # bytes on disk, including what a resumed .part already held
    total: int | None  # None when the server did not say
    speed: float  # bytes per second, smoothed
    eta: float | None  # seconds left, None when unknown

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)


class SpeedMeter:
    """Smoothed transfer speed (exponential moving average over ~2 s windows)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = 2.0) -> None:
        self._clock = clock
        self._window = window
        self._last_t = clock()
        self._pending = 0
        self.speed = 0.0

    def add(self, n: int) -> float:
        self._pending += n
        now = self._clock()
        elapsed = now - self._last_t
        if elapsed >= 0.05:  # tiny intervals give wild rates
            rate = self._pending / elapsed
            weight = min(1.0, elapsed / self._window)
            self.speed = rate if self.speed == 0 else self.speed + weight * (rate - self.speed)
            self._pending = 0
            self._last_t = now
        return self.speed

    def progress(self, done: int, total: int | None) -> Progress:
        eta = None
        if total is not None and self.speed > 0:
            eta = max(0.0, (total - done) / self.speed)
        return Progress(done, total, self.speed, eta)


# --- names -------------------------------------------------------------------------------


def _cap_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")  # never half a character


def _sanitise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    # Invisible format characters (bidi overrides, zero-width) go; other control characters
    # become visible stand-ins (safe_text), so what was there can still be seen.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = clean(text, one_line=True)
    text = _RESERVED.sub(" ", text)
    text = _DOTS.sub(".", text)
    return _SPACES.sub(" ", text).strip(" .-")


def safe_filename(title: str, job_id: str, ext: str = ".mp4") -> str:
    """A file name from a job title that is safe on any filesystem; the job id if none is left.

    No path separators, no ``..``, no control characters, no leading dot (hidden files) and
    at most ``MAX_NAME_BYTES`` bytes of UTF-8, extension included.
    """
    ext = ext if _EXT.match(ext) else ".mp4"
    budget = MAX_NAME_BYTES - len(ext.encode())
    for candidate in (title, job_id, "yike-output"):
        stem = _cap_utf8(_sanitise(candidate), budget).strip(" .-")
        if stem:
            if stem.split(".")[0].upper() in _WINDOWS_DEVICES:
                stem = "_" + stem
            return stem + ext
    raise AssertionError("unreachable: the last fallback is never empty")


def numbered(name: str, n: int) -> str:
    """``Title.mp4`` -> ``Title (2).mp4``."""
    if n < 2:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"


def part_path(final: Path) -> Path:
    return final.with_name(final.name + ".part")


_claimed: set[Path] = set()
_claimed_lock = threading.Lock()


@contextlib.contextmanager
def _claim(dest_dir: Path, name: str) -> Iterator[Path]:
    """Pick the first of ``name``, ``name (2)``... not on disk nor being written by us."""
    with _claimed_lock:
        n = 1
        while True:
            candidate = dest_dir / numbered(name, n)
            if candidate not in _claimed and not candidate.exists():
                _claimed.add(candidate)
                break
            n += 1
    try:
        yield candidate
    finally:
        with _claimed_lock:
            _claimed.discard(candidate)


def _publish(part: Path, final: Path) -> Path:
    """Give the finished ``part`` its final name without ever replacing an existing file."""
    n = 1
    name = final.name
    while True:
        target = final.with_name(numbered(name, n))
        try:
            os.link(part, target)  # fails if target exists: no overwrite, even in a race
        except FileExistsError:
            n += 1
            continue
        except OSError:  # a filesystem without hard links
            if target.exists():
                n += 1
                continue
            os.replace(part, target)
            return target
        part.unlink()
        return target


def _extension(url: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix
    return suffix.lower() if _EXT.match(suffix) else ".mp4"


# --- transfer ----------------------------------------------------------------------------


def _scrub(text: str, url: str) -> str:
    """``text`` with the URL's query string (its secret) cut out."""
    query = urlsplit(url).query
    return text.replace(url, redact_url(url)).replace(query, "…") if query else text


def _parse_content_range(value: str) -> tuple[int, int, int | None] | None:
    match = _CONTENT_RANGE.match(value.strip())
    if not match:
        return None
    start, end, total = match.groups()
    return int(start), int(end), None if total == "*" else int(total)


def _storage_error(body: bytes) -> str:
    match = _OSS_CODE.search(body)
    return clean(match.group(1).decode("utf-8", "replace"), one_line=True) if match else ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


async def _stream_once(
    http: httpx.AsyncClient,
    url: str,
    part: Path,
    meter: SpeedMeter,
    report: Callable[[Progress, bool], None],
    cancel: asyncio.Event | None,
) -> int | None:
    """One GET into ``part`` (resuming what it holds); returns the announced total size."""
    have = _size(part)
    headers = {"Range": f"bytes={have}-"} if have else {}
    async with http.stream("GET", url, headers=headers) as response:
        status = response.status_code
        if status == 403:
            detail = _storage_error(await response.aread())
            raise _Expired(detail or "HTTP 403")
        if status == 416:  # nothing after ``have``: complete already, or a .part too long
            match = _UNSATISFIED_RANGE.match(response.headers.get("content-range", "").strip())
            total = int(match.group(1)) if match else None
            if total is not None and have > total:
                part.unlink()
                raise DownloadError(
                    f"size mismatch: the partial file held {have} bytes but the output is "
                    f"{total}; it was discarded, run again to start over"
                )
            return total if total is not None else have
        if status == 206:
            info = _parse_content_range(response.headers.get("content-range", ""))
            if info is None:
                raise DownloadError("the server answered a range request without Content-Range")
            start, _, total = info
            if start > have:
                raise DownloadError(f"the server resumed at byte {start}, not {have}")
            mode, offset = "r+b", start
        elif status == 200:  # a server that ignores Range sends everything again
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            mode, offset = "wb", 0
        else:
            raise DownloadError(f"the server answered HTTP {status} for {redact_url(url)}")
        if mode == "r+b" and not part.exists():
            part.touch()
        with open(part, mode) as out:
            out.seek(offset)
            out.truncate()
            done = offset
            report(meter.progress(done, total), True)
            async for chunk in response.aiter_bytes(CHUNK):
                out.write(chunk)
                done += len(chunk)
                meter.add(len(chunk))
                report(meter.progress(done, total), False)
                if cancel is not None and cancel.is_set():
                    raise DownloadCancelled(_CANCELLED)
        return total


async def _transfer(
    http: httpx.AsyncClient,
    url: str,
    part: Path,
    on_progress: Callable[[Progress], None] | None,
    cancel: asyncio.Event | None,
) -> None:
    """Stream until ``part`` holds the whole file, resuming short answers a few times."""
    meter = SpeedMeter()
    last_report = [0.0]

    def report(progress: Progress, force: bool) -> None:
        now = time.monotonic()
        if on_progress is not None and (force or now - last_report[0] >= PROGRESS_EVERY):
            last_report[0] = now
            on_progress(progress)

    problem = ""
    for _ in range(ATTEMPTS):
        try:
            total = await _stream_once(http, url, part, meter, report, cancel)
        except httpx.HTTPError as exc:
            problem = _scrub(f"{type(exc).__name__}: {exc}", url)
            log.info("download of %s broke off: %s", redact_url(url), problem)
            continue
        size = _size(part)
        if total is None or size == total:
            report(meter.progress(size, total), True)
            return
        if size > total:
            part.unlink()
            raise DownloadError(
                f"size mismatch: received {size} bytes but the server announced {total}; "
                "the partial file was discarded"
            )
        problem = f"the transfer ended at {size} of {total} bytes"
    raise DownloadError(
        f"incomplete after {ATTEMPTS} attempts ({problem}); {part.name} is kept: "
        "run again to resume"
    )


async def _cancellable(work: Awaitable[None], cancel: asyncio.Event | None) -> None:
    """Await ``work``; stop it as soon as ``cancel`` is set, even mid-chunk."""
    if cancel is None:
        await work
        return
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(cancel.wait())
    try:
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        if not task.done():
            task.cancel()  # on our own cancellation too: the stream must not linger
    if task in done:
        task.result()  # re-raises the download's own error
        return
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise DownloadCancelled(_CANCELLED)


async def download(
    http: httpx.AsyncClient,
    url: str,
    dest_dir: Path,
    filename_hint: str,
    job_id: str,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    refresh_url: Callable[[], Awaitable[str]] | None = None,
    cancel: asyncio.Event | None = None,
) -> Path:
    """Download ``url`` into ``dest_dir`` under a safe name from ``filename_hint``; the path.

    Raises ``DownloadError`` (``DownloadCancelled`` when ``cancel`` was set) with a message
    for the user. ``refresh_url`` is called at most once, when storage says 403 (expired).
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"not an http(s) URL: {redact_url(url)}")
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"cannot create {dest_dir}: {exc.strerror or exc}") from None
    name = safe_filename(filename_hint, job_id, _extension(url))
    with _claim(dest_dir, name) as final:
        part = part_path(final)
        log.info("download %s: %s -> %s", job_id, redact_url(url), final)
        refreshed = False
        while True:
            try:
                await _cancellable(_transfer(http, url, part, on_progress, cancel), cancel)
                break
            except _Expired as expired:
                if refresh_url is None or refreshed:
                    again = " even after fetching a fresh one" if refreshed else ""
                    raise DownloadError(
                        f"storage refused the output URL{again} ({expired.detail}): it has "
                        "probably expired; fetch the job again for a new URL"
                    ) from None
                log.info("download %s: URL refused (%s); asking for a fresh one", job_id, expired)
                url = await _fresh_url(refresh_url)
                refreshed = True
            except OSError as exc:
                raise DownloadError(f"cannot write {part}: {exc.strerror or exc}") from None
        done = _publish(part, final)
        log.info("download %s complete: %s (%d bytes)", job_id, done, _size(done))
        return done


async def _fresh_url(refresh_url: Callable[[], Awaitable[str]]) -> str:
    try:
        url = await refresh_url()
    except Exception as exc:
        raise DownloadError(
            f"the output URL expired and fetching the job for a new one failed: {exc}"
        ) from None
    if not url:
        raise DownloadError("the output URL expired and the job no longer has one")
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"the fresh output URL is not http(s): {redact_url(url)}")
    return url


# --- words for people ----------------------------------------------------------------------


def human_bytes(n: float) -> str:
    """``512 B``, ``1.5 KB``, ``12.3 MB``, ``1.02 GB`` (powers of 1000, like file managers)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    """``0:07``, ``12:30``, ``1:02:03``."""
    s = int(seconds + 0.5)
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe_progress(progress: Progress) -> str:
    """``5.2 MB / 11.6 MB  3.1 MB/s  0:04 left`` (parts unknown yet are left out)."""
    size = human_bytes(progress.done)
    if progress.total is not None:
        size += f" / {human_bytes(progress.total)}"
    parts = [size]
    if progress.speed > 0:
        parts.append(f"{human_bytes(progress.speed)}/s")
    if progress.eta is not None:
        parts.append(f"{human_duration(progress.eta)} left")
    return "  ".join(parts)
