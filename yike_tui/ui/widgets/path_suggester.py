"""Completion for a file path Input: the first entry of the typed directory that fits.

Bounded on purpose: one directory is listed per keystroke, at most ``MAX_ENTRIES`` of its
entries are read (a huge directory costs no more than that), symlinks are never offered
(the novel reader does not follow them, and nothing here walks into one), and hidden entries
are offered only once a ``.`` is typed. Directories complete with a trailing ``/`` so the
next keystroke lists inside them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from pathlib import Path

from textual.suggester import Suggester

MAX_ENTRIES = 2000  # entries read from one directory, at most


def _split(value: str) -> tuple[str, str]:
    """(the directory part as typed, the name being typed)."""
    head, sep, name = value.rpartition("/")
    return (head + sep, name)


def _entries(directory: Path, limit: int) -> list[tuple[str, bool]]:
    """(name, is a directory) for at most ``limit`` entries, symlinks left out."""
    found: list[tuple[str, bool]] = []
    try:
        with os.scandir(directory) as listing:
            for count, entry in enumerate(listing):
                if count >= limit:
                    break
                try:
                    if entry.is_symlink():
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                found.append((entry.name, is_dir))
    except OSError:  # missing, not a directory, not readable: no suggestion
        return []
    return found


def best_match(
    name: str, entries: Iterable[tuple[str, bool]], extensions: Iterable[str]
) -> tuple[str, bool] | None:
    """The first (sorted) entry starting with ``name``: a directory, or a file with one of
    ``extensions`` (``.txt``); hidden ones only when ``name`` starts with a dot."""
    wanted = tuple(ext.lower() for ext in extensions)
    fits = [
        (entry, is_dir)
        for entry, is_dir in entries
        if entry.startswith(name)
        and entry != name
        and (name.startswith(".") or not entry.startswith("."))
        and (is_dir or entry.lower().endswith(wanted))
    ]
    return min(fits, default=None)


class PathSuggester(Suggester):
    """Suggest the rest of a path; ``base`` is where a relative path starts."""

    def __init__(
        self, extensions: Iterable[str], *, base: Path | None = None, limit: int = MAX_ENTRIES
    ) -> None:
        # No cache: the file system changes under us; case-sensitive like the file system.
        super().__init__(use_cache=False, case_sensitive=True)
        self.extensions = tuple(extensions)
        self.base = base
        self.limit = limit

    def _directory(self, typed_dir: str) -> Path:
        path = Path(os.path.expanduser(typed_dir or "."))
        if not path.is_absolute() and self.base is not None:
            path = self.base / path
        return path

    async def get_suggestion(self, value: str) -> str | None:
        if "\x00" in value or len(value) > 4096:
            return None
        typed_dir, name = _split(value)
        entries = await asyncio.to_thread(_entries, self._directory(typed_dir), self.limit)
        match = best_match(name, entries, self.extensions)
        if match is None:
            return None
        entry, is_dir = match
        return typed_dir + entry + ("/" if is_dir else "")
