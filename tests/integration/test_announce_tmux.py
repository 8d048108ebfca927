"""In a real tmux: an announcement flags the window it came from (the bell flag), so a job
finishing in a pane the user is not looking at shows in tmux's status line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wait import wait_until

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ANNOUNCE = """
import sys
from yike_tui.engine.announce import Announcer
from yike_tui.core.config import Settings
from yike_tui.core.events import Event, EventKind
settings = Settings(notify_tmux=sys.argv[1] == "on", notify_desktop=False)
done = Event(EventKind.STATUS_CHANGED, "j1", 1.0, {"old": "Running", "new": "Succeeded"})
Announcer(settings, write=sys.stdout.write).announce([done], lambda _: "Winter Market")
sys.stdout.write("DONE-" + sys.argv[1])
sys.stdout.flush()
"""


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    sock = Path("/tmp") / f"yt-{tmp_path.name[-20:]}-{id(tmp_path)}.sock"
    cmd = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    subprocess.run([*cmd, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24"], check=True)
    try:
        yield cmd
    finally:
        subprocess.run([*cmd, "kill-server"], check=False, capture_output=True)
        sock.unlink(missing_ok=True)


def _window(tmux: list[str], index: int, setting: str) -> None:
    script = f"{sys.executable} -c '{ANNOUNCE}' {setting}; sleep 600"
    subprocess.run([*tmux, "new-window", "-d", "-t", f"t:{index}", script], check=True)


def _shown(tmux: list[str], index: int, text: str) -> bool:
    out = subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", f"t:{index}"], capture_output=True, text=True
    )
    return text in out.stdout


def _bell_flag(tmux: list[str], index: int) -> str:
    out = subprocess.run(
        [*tmux, "display-message", "-p", "-t", f"t:{index}", "#{window_bell_flag}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_an_announcement_flags_its_tmux_window(tmux: list[str]) -> None:
    _window(tmux, 1, "on")
    _window(tmux, 2, "off")
    # Once the marker written after the announcement is on screen, tmux has read it all.
    wait_until(lambda: _shown(tmux, 1, "DONE-on"), "the announcing pane to finish")
    wait_until(lambda: _shown(tmux, 2, "DONE-off"), "the quiet pane to finish")
    assert _bell_flag(tmux, 1) == "1"
    assert _bell_flag(tmux, 2) == "0"  # notify_tmux = false: the window is left alone
    # The notification itself went to tmux's passthrough, not onto the pane as text.
    assert not _shown(tmux, 1, "Winter Market")
