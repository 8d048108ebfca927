"""Escape sequences written to the user's terminal, shared by the clipboard and the
announcements."""

from __future__ import annotations


def tmux_passthrough(sequence: str) -> str:
    """``sequence`` for tmux to hand to the terminal outside it (allow-passthrough on):
    ``ESC Ptmux; ... ESC \\`` with each inner ESC doubled."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
