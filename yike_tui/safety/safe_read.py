"""Read a small file the user keeps (config, credentials) without trusting what is there.

A path can hold a FIFO (``open`` blocks until a writer comes: the tool hangs), a device
(``/dev/zero`` reads forever: memory runs out) or a file far bigger than any config. So:
open without following a symlink and without blocking, check with ``fstat`` on the open
descriptor (no race with a swap after the check) that it is a regular file, and read at
most ``limit`` bytes.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MAX_BYTES = 1024 * 1024  # 1 MiB: a config or credentials file is a few KB
_CHUNK = 64 * 1024


class NotReadable(Exception):
    """The path exists but is not something we read. ``str()`` says why, in a few words."""


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: Path | str, limit: int = MAX_BYTES) -> bytes | None:
    """The bytes of the regular file at ``path``; None if nothing is there.

    Raises NotReadable for a symlink (as the last part of ``path``), a FIFO, a device, a
    directory or a file over ``limit`` bytes; OSError for other failures (permissions).
    Callers that accept a symlinked file resolve it first (``os.path.realpath``) and pass
    the target, which is then checked like any other path.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotReadable("it is a symbolic link; not followed") from None
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing
            raise NotReadable("it is not a regular file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(f"it is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise NotReadable(f"it is {info.st_size} bytes; the most read is {limit}")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # bounded even if the file grows while we read
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotReadable(f"it grew past {limit} bytes while being read")
        return b"".join(chunks)
    finally:
        os.close(fd)
