"""What ``watch --once`` and ``--until-done`` print of each job at the end, for jobs whose
answer the engine no longer holds.

Over a long watch list the engine keeps only its most recent answers in memory; an older
one keeps its row and is read back from the state db when needed (``engine/held.py``). The
state db holds each answer with its signed link queries cut and its first RequestId, so a
line made from it would not be the one the answer in hand makes. The line is therefore made
when the engine drops the answer (``HeldAnswers.on_drop``), and kept on disk, not in memory:
100,000 JSON lines are ~150 MB of text.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import BinaryIO


class FinalLines:
    """Each job's final text, made by ``render`` when its answer is dropped; forgotten when
    the job is answered again (then the engine holds its answer once more). The file is made
    at the first drop; where none can be written (a full disk), the text stays in memory."""

    def __init__(self, render: Callable[[str], str]) -> None:
        self._render = render
        self._file: BinaryIO | None = None
        self._at: dict[str, tuple[int, int]] = {}  # job id -> (offset, length) in the file
        self._end = 0
        self._in_memory: dict[str, str] | None = None  # when no file can be written

    def keep(self, job_id: str) -> None:
        """Make and keep ``job_id``'s text now (its answer is still in hand)."""
        text = self._render(job_id)
        if self._in_memory is None:
            try:
                self._write(job_id, text)
                return
            except OSError:
                self._in_memory = {}
        self._at.pop(job_id, None)
        self._in_memory[job_id] = text

    def _write(self, job_id: str, text: str) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        data = text.encode("utf-8", "surrogateescape")
        self._file.seek(self._end)
        self._file.write(data)
        self._at[job_id] = (self._end, len(data))
        self._end += len(data)

    def forget(self, job_id: str) -> None:
        self._at.pop(job_id, None)
        if self._in_memory is not None:
            self._in_memory.pop(job_id, None)

    def get(self, job_id: str) -> str | None:
        """The text kept for ``job_id``; None when its answer is still in hand (or none came)."""
        where = self._at.get(job_id)
        if where is None or self._file is None:
            return None if self._in_memory is None else self._in_memory.get(job_id)
        offset, length = where
        self._file.seek(offset)
        return self._file.read(length).decode("utf-8", "surrogateescape")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
