"""What becomes a toast: what needs attention; the rest is for the event log."""

from __future__ import annotations

from yike_tui.core.events import FIRST_SIGHT, Event, EventKind, fetch_failed
from yike_tui.ui.notifier import Notifier


def ev(kind: EventKind, job_id: str = "j1", /, **data: object) -> Event:
    return Event(kind, job_id, 1.0, data)


def titles(job_id: str) -> str:
    return f"Job {job_id}"


def test_storyboards_ready_to_edit_is_a_toast() -> None:
    ready = {"old": "Editing/Creating", "new": "Editing/CreateSucc"}
    events = [
        ev(EventKind.STORYBOARD_CHANGED, storyboard_id="a", **ready),
        ev(EventKind.STORYBOARD_CHANGED, storyboard_id="b", **ready),
    ]
    assert Notifier().select(events, titles) == [
        ("j1", "Job j1", "2 storyboards ready to edit", "information")
    ]


def test_progress_poll_errors_and_shots_on_the_way_go_to_the_log_only() -> None:
    quiet = [
        fetch_failed("j1", ts=1.0, code="ServiceUnavailable", message="try later"),
        ev(EventKind.SHOT_FAILED, storyboard_id="a", shot_id="3", error_code="NoMediaData"),
        ev(EventKind.OUTPUT_READY, url="https://oss.example/v.mp4?Signature=x"),
        ev(EventKind.STORYBOARD_CHANGED, storyboard_id="a", old="", new="Editing/Creating"),
        ev(EventKind.STATUS_CHANGED, old="Queued", new="Running"),
        ev(
            EventKind.STORYBOARD_FAILED,
            storyboard_id="a",
            new="Editing/CreateFailed",
            **{FIRST_SIGHT: True},
        ),
    ]
    assert Notifier().select(quiet, titles) == []


def test_suspended_warns_and_failed_is_an_error() -> None:
    events = [
        ev(EventKind.STATUS_CHANGED, "j1", old="Running", new="Suspended"),
        ev(EventKind.STATUS_CHANGED, "j2", old="Running", new="Failed"),
        ev(EventKind.SHOT_FAILED, "j2", storyboard_id="a", shot_id="1", error_code="X"),
    ]
    assert [(job, severity) for job, _, _, severity in Notifier().select(events, titles)] == [
        ("j1", "warning"),
        ("j2", "error"),
    ]


def test_many_jobs_at_once_is_one_toast_with_the_counts() -> None:
    events = [ev(EventKind.STATUS_CHANGED, f"s{i}", old="Running", new="Succeeded")
              for i in range(9)]  # fmt: skip
    events += [ev(EventKind.STATUS_CHANGED, f"f{i}", old="Running", new="Failed")
               for i in range(3)]  # fmt: skip
    assert Notifier().select(events, titles) == [
        (
            "",
            "Jobs changed",
            "12 jobs finished: 3 failed, 9 succeeded — see the event log (e)",
            "error",
        )
    ]
