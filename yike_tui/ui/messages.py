"""Messages that travel up from a widget or a screen to the app: nothing below the app
imports it (Harlequin's way). The app owns the terminal, so it owns the clipboard."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class CopyRequested(Message):
    """Put ``text`` on the clipboard and say so (``what``: "Copied job id"); ``link``: a
    URL, shown without its signed query."""

    text: str
    what: str
    link: bool = False
