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


class InOrder:
    """``watch --once``'s lines, printed in the watch list's order as soon as a job and
    every job before it have answered, so the output is written while the pass waits on the
    network rather than after it. A job whose answer is an error stops the stream there:
    what an error means (a refused key stops the run; a missed one is said plainly) is known
    only when the pass ends, and its line and every one after it are printed then."""

    def __init__(
        self, order: list[str], line: Callable[[str], str | None], printed: set[str]
    ) -> None:
        self._order = order
        self._line = line  # the job's line, or None when it must wait for the pass's end
        self._next = 0
        self._stopped = False
        self.printed = printed  # filled here: the jobs whose line is out

    def advance(self, answered: set[str]) -> None:
        """Print every line from the first not printed up to the first job not answered."""
        order = self._order
        while not self._stopped and self._next < len(order) and order[self._next] in answered:
            job_id = order[self._next]
            text = self._line(job_id)
            if text is None:
                self._stopped = True
                return
            try:
                print(text)
            except OSError:  # a closed pipe: the end's print says so, as it would have
                self._stopped = True
                return
            self.printed.add(job_id)
            self._next += 1

    def rest(self) -> list[str]:
        """The jobs whose lines are still to print, in order."""
        return self._order[self._next :]
