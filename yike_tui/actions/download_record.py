"""Which finished download holds which job's video, so that ``D`` and ``download`` on a job
downloaded already say where the file is instead of writing ``Title (2).mp4`` beside it.

A file counts as that job's while it is still at the path the download gave it, a regular
file of the size it had (moved, deleted or replaced: it is downloaded again). The record is
kept in the state db's meta table under one key, the newest ``RECORDS`` downloads; without
a db (the demo) it lasts the session.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
from pathlib import Path

from yike_tui.store import Store

log = logging.getLogger(__name__)

KEY = "downloads"
RECORDS = 200  # newest downloads remembered (~150 bytes each)
MAX_TEXT = 60_000  # characters of the record; meta takes 64 KiB (long paths: fewer kept)


def downloaded_already(shown: str, path: str, *, sep: str = " ") -> str:
    """What ``D`` and ``download`` say of a job downloaded before: where its video is."""
    return f"{shown} is downloaded already:{sep}{path}"


class DownloadRecord:
    """Job id -> (path, size) of its finished download. ``find`` may be called on the UI
    thread (the db is read once, at the first call); ``keep`` writes: call it off it."""

    def __init__(self, store: Store | None) -> None:
        self._store = store
        self._kept: dict[str, tuple[str, int]] | None = None

    def _load(self) -> dict[str, tuple[str, int]]:
        if self._kept is None:
            self._kept = {}
            try:
                raw = json.loads(self._store.get_meta(KEY) or "{}") if self._store else {}
            except (sqlite3.Error, ValueError) as exc:
                log.warning("the record of downloads could not be read: %s", exc)
                raw = {}
            if isinstance(raw, dict):  # the db is data: only what has the shape is kept
                for job_id, kept in raw.items():
                    if isinstance(kept, list) and len(kept) == 2:
                        path, size = kept
                        if isinstance(path, str) and isinstance(size, int):
                            self._kept[str(job_id)] = (path, size)
        return self._kept

    def find(self, job_id: str) -> Path | None:
        """The file this job's video was downloaded to, if it is still there as it was."""
        kept = self._load().get(job_id)
        if kept is None:
            return None
        path, size = kept
        try:
            info = os.lstat(path)  # a symlink put there since is not the download
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            return None
        return Path(path)

    def keep(self, job_id: str, path: Path) -> None:
        """Remember that ``path`` now holds ``job_id``'s video."""
        try:
            size = os.lstat(path).st_size
        except OSError:
            return
        kept = self._load()
        kept.pop(job_id, None)  # the newest last: the oldest go first
        kept[job_id] = (str(path), size)
        while len(kept) > RECORDS:
            del kept[next(iter(kept))]
        if self._store is None:
            return
        text = json.dumps({j: list(k) for j, k in kept.items()})
        while len(text) > MAX_TEXT and kept:
            del kept[next(iter(kept))]
            text = json.dumps({j: list(k) for j, k in kept.items()})
        try:
            self._store.set_meta(KEY, text)
        except (sqlite3.Error, ValueError) as exc:  # remembering is a comfort, not a failure
            log.warning("the record of downloads could not be saved: %s", exc)
