"""Copy text to the clipboard: a native tool on a local desktop, else through the terminal.

OSC 52 asks the terminal itself to set the clipboard, so it works over SSH, but nothing
answers: whether the terminal took it cannot be known, and the result says so. Inside tmux
the text goes into tmux's own paste buffer (``tmux load-buffer``), which can be confirmed,
and on to the terminal's clipboard only where tmux's options say it will land. What is
copied is exactly the text: nothing is added, trimmed or re-encoded.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from yike_tui.core.links import MAX_URL_LENGTH, check_url
from yike_tui.core.terminal import tmux_passthrough
from yike_tui.safety.redaction import redact_url
from yike_tui.safety.safe_text import clean, truncate

MODES = ("auto", "native", "osc52", "off")
OSC52_LIMIT = 100_000  # bytes of base64; many terminals drop longer sequences silently
NATIVE_TIMEOUT = 3.0  # seconds
TMUX_TIMEOUT = 2.0  # seconds a tmux command may take; it answers in milliseconds
TMUX_ANSWER_LIMIT = 4096  # bytes read of what tmux prints: a line of options, or an error
_SCREEN_CHUNK = 76  # GNU screen truncates long DCS strings: pass the sequence in pieces

Writer = Callable[[str], None]
# Runs ``tmux ARGS`` with ``stdin`` (None: nothing) and returns what it printed; raises
# TmuxFailed with why, in a few words. Tests pass a fake; ``run_tmux`` is the real one.
TmuxRunner = Callable[[Sequence[str], bytes | None], bytes]

PASTE_BUFFER = "copied to tmux's paste buffer (prefix ])"
MAY_NOT = "(it may not allow it)"


@dataclass(frozen=True)
class CopyResult:
    method: str  # wl-copy, xclip, xsel, pbcopy, tmux (its paste buffer), osc52, osc52-tmux,
    # osc52-screen, off, none, refused (a link that is not a well-formed http(s) URL)
    message: str  # one line for a status bar
    ok: bool = True  # the text went somewhere (not necessarily where the user pastes)
    # The text is on the clipboard the user pastes from, as far as anything can tell: a
    # native tool said so, or tmux took it with its options set to pass it on. OSC 52 on
    # its own is never confirmed: the terminal does not answer.
    confirmed: bool = False


class TmuxFailed(Exception):
    """tmux could not be asked or did not do it; the message says why, in a few words."""


@dataclass(frozen=True)
class TmuxView:
    """Where a copy lands inside tmux, from tmux's options as they apply to this pane."""

    set_clipboard: str  # on, external or off
    passthrough: bool  # allow-passthrough: a DCS-wrapped sequence reaches the outer terminal
    # The attached client's terminal takes OSC 52, as tmux knows it: its "clipboard"
    # feature (terminal-features, or what the terminal says of itself). A terminal known
    # only by Ms in its terminfo is not seen, so not claimed; no client attached: False.
    terminal_clipboard: bool

    @property
    def forwards(self) -> bool:
        """``load-buffer -w`` reaches the outer terminal's clipboard. tmux itself sends it
        whatever set-clipboard says; off means the user does not want that, so it is not
        asked for."""
        return self.set_clipboard != "off" and self.terminal_clipboard

    def why_not_forwarded(self) -> str:
        if self.set_clipboard == "off":
            return "tmux's set-clipboard is off"
        return "tmux does not see a clipboard feature in your terminal"


# Formats rather than show-options: they give the value in effect for this pane (a pane's
# own allow-passthrough over the global one) and the client's features, in one call.
TMUX_QUERY = "#{set-clipboard}|#{allow-passthrough}|#{client_termfeatures}"
_FEATURES = re.compile(r"[A-Za-z0-9_,-]*")
_PASSTHROUGH = {"on": True, "1": True, "all": True, "off": False, "0": False}


def parse_tmux_view(answer: bytes) -> TmuxView:
    """TmuxView from tmux's answer to TMUX_QUERY; TmuxFailed if it is not one."""
    unexpected = TmuxFailed("tmux answered something unexpected")
    try:
        fields = answer.decode("ascii").removesuffix("\n").split("|")
    except UnicodeDecodeError:
        raise unexpected from None
    if len(fields) != 3:
        raise unexpected
    set_clipboard, passthrough, features = fields
    if passthrough == "":
        # A format naming an option tmux lacks is empty: before 3.3 there was no
        # allow-passthrough, and wrapped sequences always went through.
        passthrough = "on"
    if (
        set_clipboard not in ("on", "external", "off")
        or passthrough not in _PASSTHROUGH
        or not _FEATURES.fullmatch(features)
    ):
        raise unexpected
    return TmuxView(set_clipboard, _PASSTHROUGH[passthrough], "clipboard" in features.split(","))


def run_tmux(args: Sequence[str], stdin: bytes | None, *, env: Mapping[str, str]) -> bytes:
    """Run ``tmux ARGS`` as a client of the server ``$TMUX`` names. Bounded: killed at
    TMUX_TIMEOUT, at most TMUX_ANSWER_LIMIT bytes of its output read (stderr with it, so
    a refusal says why)."""
    found = shutil.which("tmux", path=env.get("PATH", os.defpath))
    if found is None:
        raise TmuxFailed("tmux is not on the PATH")
    try:
        proc = subprocess.Popen(
            [found, *args],
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
    except OSError as exc:
        raise TmuxFailed(f"tmux could not start ({type(exc).__name__})") from exc
    late = threading.Event()

    def kill() -> None:
        late.set()
        proc.kill()

    # A tmux stuck (its server wedged, a socket nobody answers) is killed at the deadline,
    # and the write and read below, which block, end with it.
    timer = threading.Timer(TMUX_TIMEOUT, kill)
    timer.start()
    try:
        with proc:
            assert proc.stdout is not None
            if stdin is not None and proc.stdin is not None:
                # A tmux that exits without reading (no server) closes the pipe: its exit
                # code and message say why.
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.write(stdin)
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()
            answer = proc.stdout.read(TMUX_ANSWER_LIMIT + 1)
            if len(answer) > TMUX_ANSWER_LIMIT:
                proc.kill()
            code = proc.wait()
    finally:
        timer.cancel()
    if late.is_set():
        raise TmuxFailed(f"tmux did not answer in {TMUX_TIMEOUT:g} s")
    if len(answer) > TMUX_ANSWER_LIMIT:
        raise TmuxFailed("tmux answered at length")
    if code != 0:
        said = clean(answer.decode("utf-8", "replace").strip(), one_line=True)
        raise TmuxFailed(truncate(f"tmux: {said}" if said else f"tmux exit code {code}", 120))
    return answer


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


def _osc52(text: str) -> str:
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\x07"


def osc52_sequence(text: str, env: Mapping[str, str]) -> tuple[str, str]:
    """(method, escape sequence) that sets the clipboard to ``text``, wrapped for tmux/screen."""
    osc = _osc52(text)
    if env.get("TMUX"):  # checked first: tmux sets TERM=screen* too
        # Used when tmux cannot be asked. Plain OSC 52 is what tmux itself takes with
        # `set-clipboard on` (its buffer, and on to the outer terminal); the passthrough
        # copy reaches the outer terminal when only `allow-passthrough on` is set. Both
        # carry the same text, so both may land.
        return "osc52-tmux", osc + tmux_passthrough(osc)
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
    return CopyResult(tool, f"copied {_size(text)} with {tool}", confirmed=True)


def _too_long(text: str) -> int:
    """The base64 size of ``text`` if it is over OSC52_LIMIT, else 0."""
    encoded = len(base64.b64encode(text.encode("utf-8")))
    return encoded if encoded > OSC52_LIMIT else 0


def _too_long_message(encoded: int) -> str:
    return (
        f"too long to copy through the terminal ({encoded // 1000} KB encoded; "
        f"OSC 52 allows about {OSC52_LIMIT // 1000} KB)"
    )


def _copy_osc52(text: str, env: Mapping[str, str], write: Writer) -> CopyResult:
    method, sequence = osc52_sequence(text, env)
    if encoded := _too_long(text):
        return CopyResult(method, _too_long_message(encoded), ok=False)
    try:
        write(sequence)
    except OSError as exc:
        return CopyResult(method, f"could not write to the terminal: {exc}", ok=False)
    where = {"osc52-tmux": " through tmux", "osc52-screen": " through screen"}.get(method, "")
    return CopyResult(method, f"sent to your terminal by OSC 52{where} {MAY_NOT}")


def _copy_tmux(text: str, env: Mapping[str, str], write: Writer, tmux: TmuxRunner) -> CopyResult:
    """Into tmux's paste buffer, and on to the outer terminal where tmux's options let it."""
    try:
        view = parse_tmux_view(tmux(["display-message", "-p", TMUX_QUERY], None))
    except TmuxFailed as exc:
        # Unknown where it lands: send both ways, as a program that cannot ask would.
        sent = _copy_osc52(text, env, write)
        if not sent.ok:
            return sent
        return CopyResult(
            sent.method,
            f"sent to your terminal by OSC 52 through tmux, which may not pass it on "
            f"(could not ask tmux: {exc})",
        )
    too_long = _too_long(text)
    forward = view.forwards and not too_long
    try:
        tmux(["load-buffer", *(["-w"] if forward else []), "-"], text.encode("utf-8"))
    except TmuxFailed as exc:
        return _passthrough_only(text, view, write, too_long, exc)
    if forward:
        return CopyResult("tmux", f"{PASTE_BUFFER}; your terminal's clipboard too", confirmed=True)
    why = _too_long_message(too_long) if too_long else view.why_not_forwarded()
    if view.passthrough and not too_long:
        try:
            write(tmux_passthrough(_osc52(text)))
        except OSError as exc:
            why = f"could not write to the terminal: {exc}"
        else:
            return CopyResult("tmux", f"{PASTE_BUFFER}; sent to your terminal by OSC 52 {MAY_NOT}")
    return CopyResult("tmux", f"{PASTE_BUFFER}; not to your terminal's clipboard: {why}")


def _passthrough_only(
    text: str, view: TmuxView, write: Writer, too_long: int, failed: TmuxFailed
) -> CopyResult:
    """tmux would not take the buffer: what its passthrough still carries, if anything."""
    if view.passthrough and not too_long:
        try:
            write(tmux_passthrough(_osc52(text)))
        except OSError:
            pass
        else:
            return CopyResult(
                "osc52-tmux",
                f"not in tmux's paste buffer ({failed}); sent to your terminal by OSC 52 {MAY_NOT}",
            )
    return CopyResult("tmux", f"not copied: {failed}", ok=False)


def _size(text: str) -> str:
    return f"{len(text)} character{'s' if len(text) != 1 else ''}"


def _copy_terminal(
    text: str, env: Mapping[str, str], write: Writer | None, tmux: TmuxRunner | None
) -> CopyResult:
    writer = write or write_to_terminal
    if not env.get("TMUX"):
        return _copy_osc52(text, env, writer)
    runner = tmux or (lambda args, stdin: run_tmux(args, stdin, env=env))
    return _copy_tmux(text, env, writer, runner)


def copy(
    text: str,
    mode: str = "auto",
    *,
    env: Mapping[str, str] = os.environ,
    write: Writer | None = None,
    platform: str = sys.platform,
    link: bool = False,
    tmux: TmuxRunner | None = None,
) -> CopyResult:
    """Copy ``text``. ``mode``: auto (native on a local desktop, else the terminal), native,
    osc52 (the terminal: inside tmux, tmux's paste buffer and what its options pass on) or
    off. ``write`` sends escape sequences (the TUI passes its driver's writer so they do not
    tear its output); by default they go to /dev/tty. ``tmux`` runs tmux commands (by
    default the tmux on ``env``'s PATH, as a client of the server ``$TMUX`` names).

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
    if not text:  # tmux takes an empty buffer as nothing, and says nothing
        return CopyResult("none", "nothing to copy", ok=False)
    if mode == "osc52":
        return _copy_terminal(text, env, write, tmux)
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
    return _copy_terminal(text, env, write, tmux)


@dataclass(frozen=True)
class Told:
    message: str  # for a toast: one line a piece
    by_hand: bool  # it shows the text whole, to select by hand


def telling(result: CopyResult, text: str, what: str) -> Told:
    """What to tell the user of ``result``, a copy of ``text`` (``what``: "Copied job id").

    Confirmed, a link is named without its signed query. Not confirmed, the text is shown
    whole on a line of its own to select by hand (a signed link in full: the user asked to
    copy it), unless it spans lines or was refused (then it is shown only inert and cut).
    """
    if text.startswith("http"):
        shown = clean(redact_url(text), one_line=True)
    else:
        shown = truncate(clean(text, one_line=True), 60)
    if result.confirmed:
        return Told(f"{what}: {shown}\n{result.message}", by_hand=False)
    # The callers word ``what`` as done ("Copied job id"): here it names only the thing.
    thing = what.removeprefix("Copied ")
    thing = thing[:1].upper() + thing[1:]
    if result.method == "refused" or "\n" in text or len(text) > MAX_URL_LENGTH:
        return Told(f"{thing}: {shown}\n{result.message}", by_hand=False)
    state = "not confirmed on your terminal's clipboard" if result.ok else "not copied"
    whole = clean(text, one_line=True)
    return Told(f"{thing}: {state}; select it by hand:\n{whole}\n{result.message}", by_hand=True)
