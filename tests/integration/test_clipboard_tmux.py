"""In a real tmux, on a private socket: a copy lands where tmux's options say, the paste
buffer holds exactly the text, and the result claims the terminal's clipboard only when
tmux sends it there (seen on the outer terminal of an attached client)."""

from __future__ import annotations

import base64
import contextlib
import os
import pty
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.tmux_server import TmuxServer, tmux_server
from tests.wait import wait_until
from yike_tui.actions.clipboard import copy

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

TEXT = "https://b.oss.test/o.mp4?Expires=1&Signature=a%2Bb 雨巷\n"
B64 = base64.b64encode(TEXT.encode()).decode()
WRAPPED = "\x1bPtmux;\x1b\x1b]52;c;" + B64 + "\x07\x1b\\"


@dataclass
class Tmux(TmuxServer):
    written: list[str]  # what the copy wrote to the terminal

    def copy(self, text: str = TEXT) -> tuple[bool, str]:
        result = copy(text, "osc52", env=self.env, write=self.written.append)
        assert result.ok, result.message
        return result.confirmed, result.message


@pytest.fixture
def tmux(request: pytest.FixtureRequest) -> Iterator[Tmux]:
    with tmux_server(request.node.name) as server:
        yield Tmux(server.cmd, server.env, [])


class Client:
    """``tmux attach`` on a pseudo-terminal playing an xterm: the outer terminal, whose
    output is gathered as it comes."""

    def __init__(self, tmux: Tmux) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            env = {**os.environ, "TERM": "xterm-256color"}
            env.pop("TMUX", None)
            os.execvpe(tmux.cmd[0], [*tmux.cmd, "attach", "-t", "t"], env)
        self.output = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def close(self) -> None:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        os.close(self.fd)
        self._reader.join(timeout=5)


@pytest.fixture
def client(tmux: Tmux) -> Iterator[Client]:
    attached = Client(tmux)
    try:
        wait_until(
            lambda: "clipboard" in tmux("list-clients", "-F", "#{client_termfeatures}"),
            "the xterm client attached",
        )
        yield attached
    finally:
        attached.close()


def test_tmux_defaults_keep_the_copy_in_tmuxs_buffer_and_say_so(tmux: Tmux) -> None:
    assert tmux("show-options", "-gv", "set-clipboard") == "external\n"
    assert tmux("show-options", "-gv", "allow-passthrough") == "off\n"
    confirmed, message = tmux.copy()
    assert tmux.buffer() == TEXT.encode()
    assert tmux.written == []  # an OSC 52 here would be dropped: none is sent
    assert not confirmed
    assert message == (
        "copied to tmux's paste buffer (prefix ]); not to your terminal's clipboard: "
        "tmux does not see a clipboard feature in your terminal"
    )


def test_passthrough_on_for_the_pane_carries_an_unconfirmed_copy(tmux: Tmux) -> None:
    tmux("set-option", "-g", "allow-passthrough", "on")
    tmux("set-option", "-p", "-t", tmux.env["TMUX_PANE"], "allow-passthrough", "off")
    tmux.copy()
    assert tmux.written == []  # the pane's own setting is the one that applies
    tmux("set-option", "-p", "-t", tmux.env["TMUX_PANE"], "-u", "allow-passthrough")
    tmux("set-option", "-g", "set-clipboard", "off")
    confirmed, message = tmux.copy("second")
    assert tmux.buffer() == b"second"
    assert tmux.written == ["\x1bPtmux;\x1b\x1b]52;c;c2Vjb25k\x07\x1b\\"]
    assert not confirmed
    assert message.endswith("sent to your terminal by OSC 52 (it may not allow it)")


@pytest.mark.parametrize("set_clipboard", ["external", "on"])
def test_an_xterm_client_gets_it_from_tmux_and_only_then_is_it_claimed(
    tmux: Tmux, client: Client, set_clipboard: str
) -> None:
    tmux("set-option", "-g", "set-clipboard", set_clipboard)
    confirmed, message = tmux.copy()
    assert confirmed
    assert message == "copied to tmux's paste buffer (prefix ]); your terminal's clipboard too"
    assert tmux.buffer() == TEXT.encode()
    assert tmux.written == []
    sent = f"\x1b]52;;{B64}\x07".encode()  # tmux's own OSC 52, to the outer terminal
    wait_until(lambda: sent in client.output, "tmux to set the outer terminal's clipboard")


def test_set_clipboard_off_keeps_an_xterm_clients_clipboard_out_of_it(
    tmux: Tmux, client: Client
) -> None:
    tmux("set-option", "-g", "set-clipboard", "off")
    confirmed, message = tmux.copy()
    assert not confirmed and message.endswith("tmux's set-clipboard is off")
    assert tmux.buffer() == TEXT.encode()
    # A later copy that does reach the outer terminal: by then the first would have too.
    tmux("set-option", "-g", "set-clipboard", "external")
    assert tmux.copy("later")[0]
    wait_until(lambda: b"\x1b]52;;bGF0ZXI=\x07" in client.output, "the later copy outside")
    assert B64.encode() not in client.output


def test_a_tmux_server_that_is_gone_gets_both_sequences_and_no_claim(tmux: Tmux) -> None:
    tmux("kill-server")
    confirmed, message = tmux.copy()
    assert not confirmed
    assert tmux.written == [f"\x1b]52;c;{B64}\x07" + WRAPPED]
    assert message.startswith(
        "sent to your terminal by OSC 52 through tmux, which may not pass it on "
        "(could not ask tmux: tmux: "
    )
