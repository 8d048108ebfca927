"""Download an output file: resumable, verified, never overwriting, URL secrets kept out of logs.

The bytes go to ``<final>.part`` and the file appears under its final name only once its
size matches what the server announced (no announced size: it stays a ``.part``). The
``.part`` is never a symlink and is locked by one writer across processes (``part_file``).
An interrupted or cancelled download leaves the ``.part`` behind, tied to its job and the
object's ETag / Last-Modified; the next call for the same job resumes it with ``Range`` and
``If-Range``, so a changed object starts over. A transfer that stalls is stopped. Signed OSS
URLs expire: a 403 asks the caller for a fresh URL once (a new ``GetYikeStoryboardJob``).

The body is written as it arrives (``accept-encoding: identity``, read raw): what is written
is what was received, so ``Content-Length`` and the caps count it. A file sent with a
``Content-Encoding`` anyway is refused, never inflated (10 MB of gzip can be 10 GB of disk).

This module is the transfer; the file's name comes from ``download_names``, the progress
it reports from ``download_progress``, the ``.part`` and its record from ``part_file``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import httpx
from rich.filesize import decimal as human_bytes  # "16.4 kB", "1.2 GB"

from yike_tui.actions.download_names import safe_filename, url_extension
from yike_tui.actions.download_progress import (
    Progress as Progress,  # re-exported: on_progress gets it
)
from yike_tui.actions.download_progress import SpeedMeter
from yike_tui.actions.part_file import Origin, PartFile, claim, validator
from yike_tui.actions.part_file import (
    numbered as numbered,  # re-exported: callers name files with it
)
from yike_tui.actions.part_file import part_path as part_path
from yike_tui.api.transport import content_encoding, read_prefix
from yike_tui.safety.redaction import redact_url
from yike_tui.safety.safe_text import clean, truncate

log = logging.getLogger(__name__)

ATTEMPTS = 3  # streams per download that may end short before we give up (resuming each time)
PROGRESS_EVERY = 0.1  # seconds between progress callbacks
STALL_TIMEOUT = 30.0  # seconds: less than STALL_BYTES in that long and the download stops
STALL_BYTES = 16 * 1024  # ~550 B/s at the default timeout: a trickle, not a slow link
MAX_UNSIZED = 16 * 1024**3  # bytes written with no announced size before we stop
ERROR_BODY_MAX = 64 * 1024  # bytes of a refusal's body read for its error code

_CONTENT_RANGE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")
_UNSATISFIED_RANGE = re.compile(r"^bytes\s+\*/(\d+)$")
_OSS_CODE = re.compile(rb"<Code>([^<]{1,80})</Code>")


class DownloadError(Exception):
    """A download that did not complete; ``str()`` is a whole sentence for the user."""


class DownloadCancelled(DownloadError):
    """Stopped on request; the ``.part`` file stays for a later resume."""


_CANCELLED = "download cancelled; the partial file is kept for a resume"


class _Expired(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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


async def _error_code(response: httpx.Response) -> str:
    """The OSS error code in a refusal's body, read only up to ``ERROR_BODY_MAX`` (and not
    at all when the body is compressed)."""
    if content_encoding(response.headers.raw):
        return ""
    return _storage_error(await read_prefix(response, ERROR_BODY_MAX))


def _refuse_encoded(response: httpx.Response, part: PartFile, have: int) -> None:
    """A file sent compressed though we asked for it as it is: refused before any byte is
    written (what it would inflate to is not bounded by what arrives)."""
    encoding = content_encoding(response.headers.raw)
    if not encoding:
        return
    kept = f"{part.path.name} is kept" if have else "nothing was saved"
    raise DownloadError(
        f"the server sent the file compressed (Content-Encoding: "
        f"{truncate(clean(encoding, one_line=True), 40)}) though it was asked not to; "
        f"it is not unpacked: {kept}"
    )


class _Changed(Exception):
    """The object is not the version the ``.part`` holds: it was emptied, start over."""


def _unsatisfied(response: httpx.Response, part: PartFile, have: int, fresh: Origin) -> int:
    """A 416 to our resume: the ``.part`` is complete already, or longer than the object."""
    match = _UNSATISFIED_RANGE.match(response.headers.get("content-range", "").strip())
    if match is None:
        raise DownloadError(
            f"the server refused to resume without saying how big the file is; "
            f"{part.path.name} is kept"
        )
    total = int(match.group(1))
    if part.origin is not None and fresh.if_range and fresh.if_range != part.origin.if_range:
        part.restart()
        raise _Changed
    if have > total:
        part.discard()
        raise DownloadError(
            f"size mismatch: the partial file held {have} bytes but the output is "
            f"{total}; it was discarded, run again to start over"
        )
    return total


async def _stream_once(
    http: httpx.AsyncClient,
    url: str,
    part: PartFile,
    job_id: str,
    meter: SpeedMeter,
    report: Callable[[Progress, bool], None],
    cancel: asyncio.Event | None,
    stall_timeout: float,
) -> int | None:
    """One GET into ``part``; returns the announced total size (None if not announced).

    What ``part`` holds is resumed only when it is this job's and the server's ETag (or
    Last-Modified) is known: ``If-Range`` makes a server whose object changed send it all.
    """
    have = part.size()
    origin = part.origin
    if have and (origin is None or origin.job_id != job_id or not origin.if_range):
        part.restart()  # bytes we cannot tie to a version of the object: never resumed
        have = 0
    headers = {"Accept-Encoding": "identity"}
    if have and origin:
        headers |= {"Range": f"bytes={have}-", "If-Range": origin.if_range}
    loop = asyncio.get_running_loop()
    try:
        # The guard is pushed back each time STALL_BYTES more arrive: a server that trickles
        # (1 byte a second beats any per-read timeout) is stopped after ``stall_timeout``.
        async with asyncio.timeout(stall_timeout) as guard:
            async with http.stream("GET", url, headers=headers) as response:
                status = response.status_code
                fresh = Origin(
                    job_id,
                    validator(response.headers.get("etag")),
                    validator(response.headers.get("last-modified")),
                )
                if status == 403:
                    raise _Expired(await _error_code(response) or "HTTP 403")
                if status == 416 and have:
                    return _unsatisfied(response, part, have, fresh)
                if status == 206:
                    info = _parse_content_range(response.headers.get("content-range", ""))
                    if info is None:
                        raise DownloadError(
                            "the server answered a range request without Content-Range"
                        )
                    offset, _, total = info
                    if offset > have:
                        raise DownloadError(f"the server resumed at byte {offset}, not {have}")
                    if offset and origin is not None and fresh.if_range != origin.if_range:
                        part.restart()  # If-Range ignored: these bytes are another version's
                        raise _Changed
                elif status == 200:  # everything: Range ignored, or the object changed
                    length = response.headers.get("content-length")
                    total = int(length) if length and length.isdigit() else None
                    offset = 0
                else:
                    raise DownloadError(f"the server answered HTTP {status} for {redact_url(url)}")
                _refuse_encoded(response, part, have)
                if offset == 0:
                    part.record(fresh)  # before the first byte: a crash leaves it tied
                part.start_at(offset)
                report(meter.progress(offset, total), True)

                def progressing() -> None:
                    guard.reschedule(loop.time() + stall_timeout)

                await _receive(response, part, offset, total, meter, report, cancel, progressing)
                return total
    except TimeoutError:
        if not guard.expired():
            raise
        raise DownloadError(
            f"the download stalled (less than {human_bytes(STALL_BYTES)} in "
            f"{stall_timeout:g} s); {part.path.name} is kept: run again to resume"
        ) from None


async def _receive(
    response: httpx.Response,
    part: PartFile,
    offset: int,
    total: int | None,
    meter: SpeedMeter,
    report: Callable[[Progress, bool], None],
    cancel: asyncio.Event | None,
    progressing: Callable[[], None],
) -> None:
    """Write the body into ``part`` from ``offset``; ``progressing`` after each STALL_BYTES."""
    done = offset
    limit = total if total is not None else MAX_UNSIZED
    window = 0
    async for chunk in response.aiter_raw():
        part.write(chunk)
        done += len(chunk)
        if done > limit:
            _too_long(part, done, total)
        window += len(chunk)
        if window >= STALL_BYTES:
            progressing()
            window = 0
        meter.add(len(chunk))
        report(meter.progress(done, total), False)
        if cancel is not None and cancel.is_set():
            raise DownloadCancelled(_CANCELLED)


def _too_long(part: PartFile, done: int, total: int | None) -> NoReturn:
    if total is None:
        raise DownloadError(
            f"more than {human_bytes(MAX_UNSIZED)} without an announced size; stopped, "
            f"{part.path.name} is kept"
        )
    part.discard()
    raise DownloadError(
        f"size mismatch: received {done} bytes but the server announced {total}; "
        "the partial file was discarded"
    )


async def _transfer(
    http: httpx.AsyncClient,
    url: str,
    part: PartFile,
    job_id: str,
    on_progress: Callable[[Progress], None] | None,
    cancel: asyncio.Event | None,
    stall_timeout: float,
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
            total = await _stream_once(
                http, url, part, job_id, meter, report, cancel, stall_timeout
            )
        except httpx.HTTPError as exc:
            text = str(exc)  # a reset has none: the kind alone says it
            problem = _scrub(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, url)
            log.info("download of %s broke off: %s", redact_url(url), problem)
            continue
        except _Changed:
            problem = "the file changed on the server"
            log.info("download of %s: the file changed on the server; starting over", job_id)
            continue
        size = part.size()
        if total is None:  # no Content-Length nor Content-Range total: it may be cut short
            raise DownloadError(
                f"the server did not say how big the file is, so the {human_bytes(size)} "
                f"received may not be all of it; kept as {part.path.name}, not saved as "
                "finished"
            )
        if size == total:
            report(meter.progress(size, total), True)
            return
        if size > total:
            part.discard()
            raise DownloadError(
                f"size mismatch: received {size} bytes but the server announced {total}; "
                "the partial file was discarded"
            )
        problem = f"the transfer ended at {size} of {total} bytes"
    if not part.size():  # an empty .part is not left behind (PartFile.close)
        then = "nothing was saved: run again"
    elif part.origin is not None and part.origin.if_range:
        then = f"{part.path.name} is kept: run again to resume"
    else:
        then = (
            f"{part.path.name} is kept: run again to start over (the server gives no ETag "
            "or Last-Modified to resume by)"
        )
    raise DownloadError(f"incomplete after {ATTEMPTS} attempts ({problem}); {then}")


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
    stall_timeout: float = STALL_TIMEOUT,
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
    name = safe_filename(filename_hint, job_id, url_extension(url))
    try:
        with claim(dest_dir, name, job_id) as part:
            log.info("download %s: %s -> %s", job_id, redact_url(url), part.final)
            refreshed = False
            while True:
                work = _transfer(http, url, part, job_id, on_progress, cancel, stall_timeout)
                try:
                    await _cancellable(work, cancel)
                    break
                except _Expired as expired:
                    if refresh_url is None or refreshed:
                        again = " even after fetching a fresh one" if refreshed else ""
                        raise DownloadError(
                            f"storage refused the output URL{again} ({expired.detail}): it "
                            "has probably expired; fetch the job again for a new URL"
                        ) from None
                    log.info(
                        "download %s: URL refused (%s); asking for a fresh one", job_id, expired
                    )
                    url = await _fresh_url(refresh_url)
                    refreshed = True
            size = part.size()
            done = part.publish()
    except OSError as exc:
        raise DownloadError(f"cannot write in {dest_dir}: {exc.strerror or exc}") from None
    log.info("download %s complete: %s (%d bytes)", job_id, done, size)
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
