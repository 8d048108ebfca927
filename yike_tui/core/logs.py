"""Logging to a private file under the platformdirs log dir, never to the terminal."""

from __future__ import annotations

import logging
import os

from yike_tui.core import paths


class _QuietFileHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the log file; a write that fails (full disk) is dropped, because logging
    would otherwise print '--- Logging error ---' and a traceback on the terminal."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def setup_logging(debug: bool) -> None:
    """Log to a file under the platformdirs log dir, never to the terminal.

    The log may hold job ids and titles: it is 0600 in a dir created 0700, never opened
    through a symlink, and text UTF-8 cannot carry (a lone surrogate) is escaped, not fatal.
    """
    root = logging.getLogger()
    if any(getattr(h, "_yike_tui", False) for h in root.handlers):
        return
    try:
        paths.make_private_dir(paths.log_dir())
        fd = paths.open_private_file(paths.log_file(), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
        handler: logging.Handler = _QuietFileHandler(stream)
    except OSError:
        handler = logging.NullHandler()  # an unwritable log dir must not stop the tool
    handler._yike_tui = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
