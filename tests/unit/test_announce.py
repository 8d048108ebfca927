"""Finished jobs announce themselves: the bytes a terminal gets, the popups, the coalescing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.wait import wait_until
from yike_tui.core.config import Settings
from yike_tui.core.events import FIRST_SIGHT, Event, EventKind, fetch_failed
from yike_tui.engine.announce import Announcer, BoundedRunner, summarize, terminal_output

ESC, BEL = "\x1b", "\x07"


def status(job_id: str, new: str, old: str = "Running") -> Event:
    return Event(EventKind.STATUS_CHANGED, job_id, 1.0, {"old": old, "new": new})


def ready(job_id: str, sb: str) -> Event:
    data = {"storyboard_id": sb, "old": "Editing/Creating", "new": "Editing/CreateSucc"}
    return Event(EventKind.STORYBOARD_CHANGED, job_id, 1.0, data)


def titles(job_id: str) -> str:
    return {"j1": "Winter Market", "j2": "冬日市场"}.get(job_id, job_id)


def one(events: list[Event]) -> str:
    found = summarize(events, titles)
    assert found is not None
    return found.text


# --- the bytes on the terminal -----------------------------------------------------------


def test_osc9_outside_tmux_byte_for_byte() -> None:
    found = summarize([status("j1", "Succeeded")], titles)
    assert found is not None
    out = terminal_output(found, Settings(), {"TERM": "xterm-256color"})
    assert out == f"{ESC}]9;yike-tui: Winter Market: Succeeded: the video is ready{BEL}"


def test_osc777_on_vte_byte_for_byte_and_the_bell_when_asked() -> None:
    found = summarize([status("j1", "Failed")], titles)
    assert found is not None
    out = terminal_output(found, Settings(bell=True), {"VTE_VERSION": "7600"})
    assert out == f"{ESC}]777;notify;yike-tui: Winter Market;Failed{BEL}{BEL}"


def test_inside_tmux_passthrough_doubles_esc_and_flags_the_window() -> None:
    found = summarize([status("j1", "Succeeded")], titles)
    assert found is not None
    env = {"TMUX": "/tmp/tmux-1000/default,123,0", "TERM": "tmux-256color"}
    out = terminal_output(found, Settings(), env)
    inner = f"{ESC}{ESC}]9;yike-tui: Winter Market: Succeeded: the video is ready{BEL}"
    # The BEL after the passthrough is tmux's own: it sets the window's bell flag.
    assert out == f"{ESC}Ptmux;{inner}{ESC}\\{BEL}"
    assert terminal_output(found, Settings(notify_tmux=False), env) == f"{ESC}Ptmux;{inner}{ESC}\\"


def test_settings_off_write_nothing() -> None:
    found = summarize([status("j1", "Succeeded")], titles)
    assert found is not None
    quiet = Settings(notify_terminal=False, notify_tmux=False, bell=False)
    assert terminal_output(found, quiet, {"TMUX": "x"}) == ""
    assert terminal_output(found, Settings(notify_terminal=False), {}) == ""  # no bell by default


def test_hostile_title_is_one_inert_line_without_signed_query() -> None:
    nasty = "a\x1b]52;c;ZXZpbA==\x07b\nc https://oss.example/v.mp4?Signature=s3cret&Expires=9"
    found = summarize([status("j9", "Succeeded")], lambda _: nasty)
    assert found is not None
    out = terminal_output(found, Settings(), {})
    assert out.count(ESC) == 1 and out.count(BEL) == 1  # only the OSC's own
    assert "\n" not in out and "s3cret" not in out and "Signature" not in out
    assert "␛]52;c;" in out  # shown, not obeyed
    assert len(found.title) <= 60


def test_semicolon_in_a_title_does_not_split_osc777() -> None:
    found = summarize([status("j9", "Failed")], lambda _: "a;b;c")
    assert found is not None
    out = terminal_output(found, Settings(), {"TERM": "foot"})
    assert out == f"{ESC}]777;notify;yike-tui: a,b,c;Failed{BEL}"


# --- what is announced, and how often ---------------------------------------------------


def test_a_burst_is_one_announcement_with_counts() -> None:
    events = [status(f"s{i}", "Succeeded") for i in range(9)]
    events += [status(f"f{i}", "Failed") for i in range(3)]
    events += [Event(EventKind.OUTPUT_READY, "s0", 1.0, {"url": "https://x/y?Signature=1"})]
    assert one(events) == "yike-tui: 12 jobs finished: 3 failed, 9 succeeded"


def test_news_of_a_long_pass_waits_at_most_a_few_seconds() -> None:
    """A paced pass over 5,000 running jobs lasts minutes: what it finds early is told
    HOLD_AT_MOST seconds later, with what came meanwhile, not when the pass ends."""
    from yike_tui.engine.announce import HOLD_AT_MOST

    now = [100.0]
    written: list[str] = []
    settings = Settings(notify_desktop=False)  # type: ignore[call-arg]
    announcer = Announcer(settings, write=written.append, env={}, clock=lambda: now[0])
    announcer.add([status("j1", "Succeeded"), Event(EventKind.FETCH_RECOVERED, "j9", 1.0, {})])
    now[0] += HOLD_AT_MOST - 0.5
    announcer.add([status("j2", "Failed")])
    assert not announcer.overdue()  # the first news has not waited long enough yet
    now[0] += 0.5
    assert announcer.overdue()
    announcer.flush(titles)
    assert len(written) == 1 and "2 jobs finished: 1 failed, 1 succeeded" in written[0]
    assert not announcer.pending and not announcer.overdue()
    now[0] += 60
    announcer.add([Event(EventKind.FETCH_RECOVERED, "j9", 1.0, {})])  # nothing to tell
    assert not announcer.pending and not announcer.overdue()
    announcer.add([status("j3", "Succeeded")])
    assert not announcer.overdue()  # held from now, not from the last flush


def test_mixed_outcomes_name_each_kind_and_a_job_counts_once() -> None:
    events = [status("j1", "Suspended"), ready("j2", "sb1"), ready("j2", "sb2")]
    events += [status("j3", "Failed"), ready("j3", "sb9")]  # failed wins over ready
    assert one(events) == (
        "yike-tui: 3 jobs: 1 failed, 1 suspended, 1 with storyboards ready to edit"
    )
    assert one([ready("j2", "sb1"), ready("j2", "sb2")]) == (
        "yike-tui: 冬日市场: 2 storyboards ready to edit"
    )


def test_not_announced_poll_errors_running_first_sight() -> None:
    old_news = Event(EventKind.STATUS_CHANGED, "j1", 1.0, {"new": "Failed", FIRST_SIGHT: True})
    quiet = [
        fetch_failed("j1", ts=1.0, code="Throttling", message="slow down"),
        status("j1", "Running", old="Queued"),
        Event(EventKind.JOB_ADDED, "j1", 1.0, {"status": "Failed"}),
        old_news,
    ]
    assert summarize(quiet, titles) is None


# --- notify-send: a real program on PATH ---------------------------------------------------


def fake_notify_send(tmp_path: Path, body: str = "") -> Path:
    """A notify-send that records its argv as JSON, then runs ``body``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv.json"
    script = bin_dir / "notify-send"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys, time\n"
        f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"{body}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def desktop_env(bin_dir: Path, **more: str) -> dict[str, str]:
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DISPLAY": ":0", **more}


def test_notify_send_gets_title_and_body_as_argv(tmp_path: Path) -> None:
    bin_dir = fake_notify_send(tmp_path)
    written: list[str] = []
    announcer = Announcer(Settings(), write=written.append, env=desktop_env(bin_dir))
    events = [status("j1", "Failed"), status("j2", "Succeeded")]
    assert announcer.announce(events, titles) is not None
    record = tmp_path / "argv.json"
    wait_until(record.exists, "notify-send to run")
    wait_until(lambda: record.read_text(), "notify-send to write its argv")
    argv = json.loads(record.read_text())
    assert argv == [
        *("-a", "yike-tui", "-u", "critical", "--"),
        *("yike-tui", "2 jobs finished: 1 failed, 1 succeeded"),
    ]
    assert written == [f"{ESC}]9;yike-tui: 2 jobs finished: 1 failed, 1 succeeded{BEL}"]


def test_no_popup_over_ssh_or_without_a_display(tmp_path: Path) -> None:
    bin_dir = fake_notify_send(tmp_path)
    for settings, env in (
        (Settings(), desktop_env(bin_dir, SSH_CONNECTION="10.0.0.1 5000 10.0.0.2 22")),
        (Settings(), {"PATH": str(bin_dir)}),
        (Settings(notify_desktop=False), desktop_env(bin_dir)),
    ):
        runner = BoundedRunner()
        Announcer(settings, write=None, env=env, runner=runner).announce(
            [status("j1", "Failed")], titles
        )
        assert runner.started == 0
    assert not (tmp_path / "argv.json").exists()


def test_a_hanging_notify_send_is_killed_and_never_blocks(tmp_path: Path) -> None:
    bin_dir = fake_notify_send(tmp_path, body="time.sleep(600)")
    runner = BoundedRunner(timeout=0.5)
    announcer = Announcer(Settings(), write=None, env=desktop_env(bin_dir), runner=runner)
    announcer.announce([status("j1", "Failed")], titles)
    wait_until((tmp_path / "argv.json").exists, "notify-send to start")
    # announce returned while notify-send hangs; the next one is dropped, not queued.
    announcer.announce([status("j2", "Failed")], titles)
    assert runner.dropped == 1
    wait_until(lambda: runner._busy.acquire(blocking=False), "the hung notify-send to be killed")
    runner._busy.release()
