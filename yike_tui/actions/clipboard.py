"""Copy text to the clipboard: a native tool on a local desktop, else OSC 52 via the terminal.

OSC 52 asks the terminal itself to set the clipboard, so it works over SSH and inside tmux
or screen (wrapped so the multiplexer passes it on). What is copied is exactly the text:
nothing is added, trimmed or re-encoded.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from yike_tui.core.links import check_url

MODES = ("auto", "native", "osc52", "off")
OSC52_LIMIT = 100_000  # bytes of base64; many terminals drop longer sequences silently
NATIVE_TIMEOUT = 3.0  # seconds
_SCREEN_CHUNK = 76  # GNU screen truncates long DCS strings: pass the sequence in pieces

Writer = Callable[[str], None]


@dataclass(frozen=True)
class CopyResult:
    method: str  # wl-copy, xclip, xsel, pbcopy, osc52, osc52-tmux, osc52-screen, off, none,
    # refused (a link that is not a well-formed http(s) URL)
    message: str  # one line for a status bar
    ok: bool = True


def native_command(env: Mapping[str, str], platform: str = sys.platform) -> list[str] | None:
    """The clipboard tool of the local display, if there is one and it is installed."""
    path = env.get("PATH", os.defpath)
    candidates: list[list[str]] = []
    if platform == "darwin":
        candidates.append(["pbcopy"])
    if env.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if env.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    for command in candidates:
        found = shutil.which(command[0], path=path)
        if found:
            return [found, *command[1:]]
    return None


def _over_ssh(env: Mapping[str, str]) -> bool:
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def osc52_sequence(text: str, env: Mapping[str, str]) -> tuple[str, str]:
    """(method, escape sequence) that sets the clipboard to ``text``, wrapped for tmux/screen."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    osc = f"\x1b]52;c;{payload}\x07"
    if env.get("TMUX"):  # checked first: tmux sets TERM=screen* too
        # Plain OSC 52 is what tmux itself takes with `set-clipboard on` (its buffer, and on
        # to the outer terminal); the passthrough copy reaches the outer terminal when only
        # `allow-passthrough on` is set. Both carry the same text, so both may land.
        wrapped = "\x1bPtmux;" + osc.replace("\x1b", "\x1b\x1b") + "\x1b\\"
        return "osc52-tmux", osc + wrapped
    if env.get("STY") or env.get("TERM", "").startswith("screen"):
        pieces = [osc[i : i + _SCREEN_CHUNK] for i in range(0, len(osc), _SCREEN_CHUNK)]
        return "osc52-screen", "".join(f"\x1bP{piece}\x1b\\" for piece in pieces)
    return "osc52", osc


def write_to_terminal(data: str) -> None:
    """Write straight to the controlling terminal, so piped stdout cannot swallow it."""
    try:
        with open("/dev/tty", "w", encoding="ascii") as tty:
            tty.write(data)
            tty.flush()
            return
    except OSError:
        pass
    stream = sys.__stdout__
    if stream is None:
        raise OSError("no terminal to write to")
    stream.write(data)
    stream.flush()


def _copy_native(text: str, command: list[str], env: Mapping[str, str]) -> CopyResult:
    tool = os.path.basename(command[0])
    try:
        # The tools fork a process that keeps serving the selection: never wait on its pipes.
        done = subprocess.run(
            command,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=NATIVE_TIMEOUT,
            env=dict(env),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return CopyResult(tool, f"{tool} failed: {type(exc).__name__}", ok=False)
    if done.returncode != 0:
        return CopyResult(tool, f"{tool} failed (exit code {done.returncode})", ok=False)
    return CopyResult(tool, f"copied {_size(text)} with {tool}")


def _copy_osc52(text: str, env: Mapping[str, str], write: Writer | None) -> CopyResult:
    method, sequence = osc52_sequence(text, env)
    encoded = len(base64.b64encode(text.encode("utf-8")))
    if encoded > OSC52_LIMIT:
        return CopyResult(
            method,
            f"too long to copy through the terminal ({encoded // 1000} KB encoded; "
            f"OSC 52 allows about {OSC52_LIMIT // 1000} KB)",
            ok=False,
        )
    try:
        (write or write_to_terminal)(sequence)
    except OSError as exc:
        return CopyResult(method, f"could not write to the terminal: {exc}", ok=False)
    where = {"osc52-tmux": " through tmux", "osc52-screen": " through screen"}.get(method, "")
    return CopyResult(method, f"sent {_size(text)} to the terminal's clipboard (OSC 52{where})")


def _size(text: str) -> str:
    return f"{len(text)} character{'s' if len(text) != 1 else ''}"


def copy(
    text: str,
    mode: str = "auto",
    *,
    env: Mapping[str, str] = os.environ,
    write: Writer | None = None,
    platform: str = sys.platform,
    link: bool = False,
) -> CopyResult:
    """Copy ``text``. ``mode``: auto (native on a local desktop, else OSC 52), native,
    osc52 or off. ``write`` sends OSC 52 bytes (the TUI passes its driver's writer so the
    sequence does not tear its output); by default they go to /dev/tty.

    ``link=True``: ``text`` is a link the user will paste (into a shell, as often as into a
    browser), so it is copied only if ``links.check_url`` accepts it; else nothing is
    copied and the result says why (a link carrying a newline and a command must not run).
    """
    if mode not in MODES:
        raise ValueError(f"clipboard mode must be one of {', '.join(MODES)}, not {mode!r}")
    if link:
        try:
            check_url(text)
        except ValueError as exc:
            return CopyResult("refused", f"not copied: {exc}", ok=False)
    if mode == "off":
        return CopyResult("off", 'copying is off (settings.clipboard = "off")', ok=False)
    if mode == "osc52":
        return _copy_osc52(text, env, write)
    # Over SSH a DISPLAY is usually a forwarded one: the user's clipboard is the terminal's.
    command = None if mode == "auto" and _over_ssh(env) else native_command(env, platform)
    if mode == "native":
        if command is None:
            return CopyResult(
                "none",
                "no clipboard tool for this display (wl-copy, xclip, xsel, pbcopy)",
                ok=False,
            )
        return _copy_native(text, command, env)
    if command is not None:
        result = _copy_native(text, command, env)
        if result.ok:
            return result
    return _copy_osc52(text, env, write)
