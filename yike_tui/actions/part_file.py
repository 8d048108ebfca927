"""The ``.part`` file of one download: never a symlink, held by one writer, tied to its job.

A download writes into ``<final>.part`` and gives it the final name when complete. The
folder may hold files planted by someone else, or another yike-tui process may be writing a
file of the same title, so a ``.part`` is only used when

- it is a regular file opened with ``O_NOFOLLOW`` (a planted symlink or FIFO is skipped, and
  the next numbered name is taken: nothing outside the folder is ever written);
- this process holds an exclusive ``flock`` on it, kept for the whole transfer (another
  process downloading the same title takes the next number);
- any bytes it already holds came from the same job, as recorded in ``<final>.part.json``
  (the JobId and the object's ETag / Last-Modified, written atomically). A ``.part`` of
  another job, or of unknown origin, is left alone.

The video is the user's, like any download: created ``0666`` less the umask (``0644``
usually), never forced private. The record beside it is ours, and ``0600``.

POSIX only, like the config lock (``fcntl``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MAX_NUMBER = 1000  # ``Title (1000).mp4``: past that the folder is not one we should fill
SIDECAR_MAX = 4096  # bytes: ours are ~150; anything bigger was not written by us
_VALIDATOR = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,199}$")  # what may go back in If-Range
# A .part that cannot be opened for one of these is someone else's: take the next name.
_NOT_OURS = frozenset({errno.ELOOP, errno.EISDIR, errno.ENXIO, errno.ETXTBSY, errno.EWOULDBLOCK})
_OPEN = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # NONBLOCK: a FIFO never hangs
DOWNLOAD_MODE = 0o666  # less the umask, as a browser or curl leaves a download


def numbered(name: str, n: int) -> str:
    """``Title.mp4`` -> ``Title (2).mp4``."""
    if n < 2:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"


def part_path(final: Path) -> Path:
    return final.with_name(final.name + ".part")


def sidecar_path(final: Path) -> Path:
    return final.with_name(final.name + ".part.json")


def validator(value: str | None) -> str:
    """A header value fit to be sent back (printable ASCII, bounded), else ``""``."""
    value = (value or "").strip()
    return value if _VALIDATOR.match(value) else ""


@dataclass(frozen=True)
class Origin:
    """Whose bytes a ``.part`` holds: a job, and the version of its output object."""

    job_id: str
    etag: str = ""
    last_modified: str = ""

    @property
    def if_range(self) -> str:
        """The value for ``If-Range``: a strong ETag, else Last-Modified; ``""`` if neither."""
        if self.etag and not self.etag.startswith("W/"):  # weak ETags are not allowed there
            return self.etag
        return self.last_modified


class PartFile:
    """A claimed ``.part``: an open, locked, regular file. Use through ``claim``."""

    def __init__(self, final: Path, fd: int, origin: Origin | None) -> None:
        self.final = final
        self.path = part_path(final)
        self.sidecar = sidecar_path(final)
        self.origin = origin
        self._fd = fd
        self._published = False
        self._pos = 0  # where the next write goes

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def start_at(self, offset: int) -> None:
        """Keep the first ``offset`` bytes; the next write goes right after them."""
        os.ftruncate(self._fd, offset)
        self._pos = offset

    def restart(self) -> None:
        """Forget what the file holds: it starts over from byte 0."""
        self.start_at(0)

    def write(self, data: bytes) -> None:
        # Unbuffered: what was received is on disk (and in size()) when write returns.
        view = memoryview(data)
        while view:
            n = os.pwrite(self._fd, view, self._pos)
            self._pos += n
            view = view[n:]

    def record(self, origin: Origin) -> None:
        """Say (atomically, on disk) whose bytes the file holds from now on."""
        temp = self.sidecar.with_name(f"{self.sidecar.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(
            temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
        try:
            with open(fd, "wb") as out:
                out.write(json.dumps(asdict(origin)).encode())
            os.replace(temp, self.sidecar)  # replaces a planted symlink itself, never its target
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        self.origin = origin

    def discard(self) -> None:
        """Delete the file and its record (we hold the lock, so they are ours)."""
        if self._still_ours():
            os.unlink(self.path)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.sidecar)
        self.origin = None

    def publish(self) -> Path:
        """Give the finished file its final name (or the next free number); never overwrite."""
        if not self._still_ours():
            raise OSError(errno.ESTALE, f"{self.path.name} was replaced while downloading")
        for n in range(1, MAX_NUMBER + 1):
            target = self.final.with_name(numbered(self.final.name, n))
            try:
                os.link(self.path, target, follow_symlinks=False)  # fails if target exists
            except FileExistsError:
                continue
            except OSError:  # a filesystem without hard links (FAT, some network mounts)
                # Reserve the name with an exclusive create, then rename over our placeholder.
                try:
                    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                    os.close(os.open(target, flags, DOWNLOAD_MODE))
                except FileExistsError:
                    continue
                os.replace(self.path, target)
            else:
                os.unlink(self.path)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.sidecar)
            self._published = True
            return target
        raise FileExistsError(errno.EEXIST, f"no free name for {self.final.name}")

    def close(self) -> None:
        """Release the lock; an empty file (nothing received) is not left behind."""
        with contextlib.suppress(OSError):
            if not self._published and self.size() == 0:
                self.discard()
        os.close(self._fd)  # releases the flock

    def _still_ours(self) -> bool:
        """Does the ``.part`` name still point at the file we hold?"""
        try:
            now = os.lstat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(self._fd)
        return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


@contextlib.contextmanager
def claim(dest_dir: Path, name: str, job_id: str) -> Iterator[PartFile]:
    """The ``.part`` for the first of ``name``, ``name (2)``... that is free for ``job_id``.

    A name is free when no file (or symlink) has it yet and its ``.part`` is absent, or is a
    regular file that nobody else holds and that is empty or holds this job's bytes.
    """
    for n in range(1, MAX_NUMBER + 1):
        part = _try(dest_dir / numbered(name, n), job_id)
        if part is not None:
            break
    else:
        raise FileExistsError(errno.EEXIST, f"no free name for {name} in {dest_dir}")
    try:
        yield part
    finally:
        part.close()


def _try(final: Path, job_id: str) -> PartFile | None:
    path = part_path(final)
    for _ in range(3):  # the .part was renamed or deleted between open and lock: look again
        if os.path.lexists(final):
            return None
        try:
            fd = os.open(path, _OPEN | os.O_CREAT, DOWNLOAD_MODE)
        except OSError as exc:
            if exc.errno in _NOT_OURS or (
                exc.errno in (errno.EACCES, errno.EPERM) and os.path.lexists(path)
            ):
                log.warning("skipping %s: not a regular file of ours (%s)", path, exc.strerror)
                return None
            raise
        keep = False
        try:
            held = os.fstat(fd)
            if not stat.S_ISREG(held.st_mode) or held.st_nlink != 1:
                log.warning("skipping %s: not a regular file with one name", path)
                return None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("skipping %s: another download is writing it", path)
                return None
            try:
                now = os.lstat(path)
            except FileNotFoundError:
                continue
            if (now.st_dev, now.st_ino) != (held.st_dev, held.st_ino):
                continue
            origin = read_origin(sidecar_path(final))
            if origin is not None and origin.job_id != job_id:
                log.info("skipping %s: it belongs to job %s", path, origin.job_id)
                return None
            if held.st_size > 0 and origin is None:
                log.info("skipping %s: it holds bytes of unknown origin", path)
                return None
            keep = True
            return PartFile(final, fd, origin)
        finally:
            if not keep:
                os.close(fd)
    return None


def read_origin(path: Path) -> Origin | None:
    """The record beside a ``.part``; None when absent or not one of ours."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    with open(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = src.read(SIDECAR_MAX + 1)
    if len(data) > SIDECAR_MAX:
        return None
    try:
        raw = json.loads(data)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    fields = (raw.get("job_id"), raw.get("etag", ""), raw.get("last_modified", ""))
    if not all(isinstance(f, str) for f in fields) or not fields[0]:
        return None
    job_id, etag, last_modified = (str(f) for f in fields)
    return Origin(job_id, validator(etag), validator(last_modified))
