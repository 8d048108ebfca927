"""Where yike-tui keeps its files: only where platformdirs says (it honours XDG_*).

What the program writes there (state db, log) may hold job titles and history: its files are
0600 and the directories it creates 0700, whatever the umask, and no symlink is followed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import platformdirs

APP = "yike-tui"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.toml"


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP, appauthor=False))


def state_db() -> Path:
    return state_dir() / "state.sqlite3"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def log_file() -> Path:
    return log_dir() / "yike-tui.log"


def downloads_dir() -> Path:
    return Path(platformdirs.user_downloads_dir())


def make_private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents 0700; directories that exist are left alone
    (they may be the user's, shared on purpose)."""
    missing = []
    node = path
    while not os.path.lexists(node) and node != node.parent:
        missing.append(node)
        node = node.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # another process made it first
            continue
        os.chmod(directory, PRIVATE_DIR)  # mkdir's mode is cut by the umask
    return path


def open_private_file(path: Path, flags: int) -> int:
    """Open (``os.O_CREAT`` in ``flags`` to create) a regular file 0600, never through a
    symlink, and tighten one an older version left readable by others. Returns the fd."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, PRIVATE_FILE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "it is a symbolic link (not followed)", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "it is not a regular file", str(path))
        if info.st_mode & 0o077 and info.st_uid == os.geteuid():
            os.fchmod(fd, PRIVATE_FILE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def make_private_file(path: Path, *, create: bool = True) -> None:
    """Make sure ``path`` is a private regular file (created empty when missing and asked)."""
    os.close(open_private_file(path, os.O_RDWR | (os.O_CREAT if create else 0)))
