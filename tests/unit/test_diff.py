"""diff(): one event per change, nothing on first sight but JOB_ADDED, nothing when unchanged."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from yike_tui.core.events import (
    Event,
    EventKind,
    fetch_failed,
    fetch_recovered,
    job_not_found,
)
from yike_tui.core.models import FailedShot, Job, JobStatus, Storyboard
from yike_tui.core.presentation import stored_storyboard_values
from yike_tui.engine.diff import diff

SIGNED = (
    "https://bucket.oss-cn-shanghai.aliyuncs.com/out/v.mp4?Expires=1&OSSAccessKeyId=K&Signature=S"
)


def job(
    status: str = "Running",
    storyboards: tuple[Storyboard, ...] = (),
    shots: tuple[FailedShot, ...] = (),
    output_url: str = "",
    **extra: object,
) -> Job:
    return Job(
        id="job1",
        status=JobStatus.from_raw(status),
        status_raw=status,
        params={"Title": "My film"},
        storyboards=storyboards,
        failed_shots=shots,
        output_url=output_url,
        **extra,  # type: ignore[arg-type]
    )


ST1 = Storyboard("st_1", "Intro", "Editing", "Creating")
ST2 = Storyboard("st_2", "Scene", "Editing", "Creating")


def kinds(events: list[Event]) -> list[EventKind]:
    return [e.kind for e in events]


def test_first_sight_is_job_added_and_the_failures_it_already_has() -> None:
    new = job(
        "Failed",
        (ST1, replace(ST2, sub_status="CreateFailed")),
        (FailedShot("st_2", "sh_1", "NoMediaData"),),
        output_url=SIGNED,
    )
    events = diff(None, new, ts=5.0)
    # Not its whole past (no storyboard_changed, no output_ready): only why it failed.
    assert kinds(events) == [
        EventKind.JOB_ADDED,
        EventKind.STORYBOARD_FAILED,
        EventKind.SHOT_FAILED,
    ]
    assert events[0].data == {"status": "Failed", "title": "My film"}
    assert events[0].job_id == "job1" and events[0].ts == 5.0
    assert events[1].data["storyboard_id"] == "st_2" and events[1].data["first_sight"]
    assert events[2].data["error_code"] == "NoMediaData" and events[2].data["first_sight"]
    # Told in the log, not toasted: the user did not just learn it happened.
    assert not any(e.is_notable for e in events)


def test_first_sight_of_a_healthy_job_is_only_job_added() -> None:
    events = diff(None, job("Succeeded", (ST1,), output_url=SIGNED), ts=5.0)
    assert kinds(events) == [EventKind.JOB_ADDED]


def test_unchanged_job_gives_nothing_even_with_new_request_id_and_time() -> None:
    old = job(storyboards=(ST1,), request_id="r1", fetched_at=1.0)
    new = job(storyboards=(ST1,), request_id="r2", fetched_at=2.0)
    assert diff(old, new, ts=2.0) == []


def test_status_changed() -> None:
    events = diff(job("Running"), job("Succeeded"), ts=1.0)
    assert kinds(events) == [EventKind.STATUS_CHANGED]
    assert events[0].data == {"old": "Running", "new": "Succeeded"}
    assert events[0].message == "Running → Succeeded"
    assert events[0].is_notable


@pytest.mark.parametrize(
    ("new", "notable"),
    [("Succeeded", True), ("Failed", True), ("Suspended", True), ("Running", False), ("X", False)],
)
def test_status_changed_notability(new: str, notable: bool) -> None:
    (event,) = diff(job("Whatever"), job(new), ts=1.0)
    assert event.is_notable is notable


def test_storyboard_appeared() -> None:
    events = diff(job(storyboards=(ST1,)), job(storyboards=(ST1, ST2)), ts=1.0)
    assert kinds(events) == [EventKind.STORYBOARD_APPEARED]
    assert events[0].data == {
        "storyboard_id": "st_2",
        "title": "Scene",
        "old": "",
        "new": "Editing/Creating",
        "exception": False,
    }
    assert not events[0].is_notable


def test_storyboard_changed() -> None:
    done = replace(ST1, sub_status="Created")
    events = diff(job(storyboards=(ST1,)), job(storyboards=(done,)), ts=1.0)
    assert kinds(events) == [EventKind.STORYBOARD_CHANGED]
    assert events[0].data["old"] == "Editing/Creating"
    assert events[0].data["new"] == "Editing/Created"
    assert events[0].message == "storyboard st_1: Editing/Creating → Editing/Created"


def test_storyboard_failed_replaces_changed() -> None:
    failed = replace(ST2, sub_status="CreateFailed")
    events = diff(job(storyboards=(ST1, ST2)), job(storyboards=(ST1, failed)), ts=1.0)
    assert kinds(events) == [EventKind.STORYBOARD_FAILED]
    assert events[0].message == "storyboard st_2 failed (Editing/CreateFailed)"
    assert events[0].is_notable


def test_storyboard_flagged_exception_is_failed() -> None:
    flagged = replace(ST2, exception=True)
    (event,) = diff(job(storyboards=(ST2,)), job(storyboards=(flagged,)), ts=1.0)
    assert event.kind is EventKind.STORYBOARD_FAILED
    assert event.data["new"] == "Editing/Creating, Exception"  # as the tree says it
    assert event.data["exception"] is True
    assert event.message == "storyboard st_2 failed (Editing/Creating, Exception)"


def test_storyboard_named_only_as_an_exception_reads_exception() -> None:
    bare = Storyboard("st_9", exception=True)
    (event,) = diff(job(storyboards=()), job(storyboards=(bare,)), ts=1.0)
    assert event.kind is EventKind.STORYBOARD_FAILED
    assert event.data["new"] == "Exception"


def test_storyboard_appearing_already_failed_is_reported_failed() -> None:
    failed = replace(ST2, sub_status="ProduceFailed")
    (event,) = diff(job(storyboards=(ST1,)), job(storyboards=(ST1, failed)), ts=1.0)
    assert event.kind is EventKind.STORYBOARD_FAILED and event.data["old"] == ""


def test_storyboard_title_change_alone_is_not_an_event() -> None:
    renamed = replace(ST1, title="Renamed")
    assert diff(job(storyboards=(ST1,)), job(storyboards=(renamed,)), ts=1.0) == []


def test_shot_failed_once_per_new_shot() -> None:
    s1 = FailedShot("st_2", "sh_1", "Timeout")
    s3 = FailedShot("st_2", "sh_3", "NoMediaData")
    events = diff(job(shots=(s1,)), job(shots=(s1, s3, s3)), ts=1.0)
    assert kinds(events) == [EventKind.SHOT_FAILED]
    assert events[0].data == {
        "storyboard_id": "st_2",
        "shot_id": "sh_3",
        "error_code": "NoMediaData",
    }
    assert events[0].message == "shot sh_3 of st_2 failed: NoMediaData"
    assert events[0].is_notable


def test_same_shot_id_in_another_storyboard_is_new() -> None:
    a = FailedShot("st_1", "sh_1", "E")
    b = FailedShot("st_2", "sh_1", "E")
    assert kinds(diff(job(shots=(a,)), job(shots=(a, b)), ts=1.0)) == [EventKind.SHOT_FAILED]


def test_output_ready_only_when_it_first_appears() -> None:
    events = diff(job("Running"), job("Running", output_url=SIGNED), ts=1.0)
    assert kinds(events) == [EventKind.OUTPUT_READY]
    assert events[0].data == {"url": SIGNED}
    assert events[0].is_notable
    other = SIGNED.replace("v.mp4", "w.mp4")
    assert diff(job(output_url=SIGNED), job(output_url=other), ts=2.0) == []


def test_everything_at_once_in_a_fixed_order() -> None:
    old = job("Running", (ST1, ST2))
    new = job(
        "Succeeded",
        (
            replace(ST1, sub_status="Created"),
            replace(ST2, sub_status="CreateFailed"),
            Storyboard("st_3"),
        ),
        (FailedShot("st_2", "sh_1", "E"),),
        output_url=SIGNED,
    )
    assert kinds(diff(old, new, ts=1.0)) == [
        EventKind.STATUS_CHANGED,
        EventKind.STORYBOARD_CHANGED,
        EventKind.STORYBOARD_FAILED,
        EventKind.STORYBOARD_APPEARED,
        EventKind.SHOT_FAILED,
        EventKind.OUTPUT_READY,
    ]
    # ...each naming what it is about, in the snapshot's own storyboard order.
    about = [e.data.get("storyboard_id") for e in diff(old, new, ts=1.0)]
    assert about == [None, "st_1", "st_2", "st_3", "st_2", None]


def test_to_json_shape() -> None:
    (event,) = diff(job("Running"), job("Failed"), ts=1700000000.25)
    assert event.to_json() == {
        "ts": "2023-11-14T22:13:20.250Z",
        "job_id": "job1",
        "kind": "status_changed",
        "old": "Running",
        "new": "Failed",
    }
    assert list(event.to_json())[:3] == ["ts", "job_id", "kind"]
    json.dumps(event.to_json())  # serialisable as is


def test_data_cannot_override_the_envelope() -> None:
    event = Event(EventKind.FETCH_FAILED, "job1", 0.0, {"kind": "evil", "job_id": "x", "code": "C"})
    assert event.to_json()["kind"] == "fetch_failed"
    assert event.to_json()["job_id"] == "job1"


def test_messages_never_contain_a_url_query() -> None:
    ready = Event(EventKind.OUTPUT_READY, "j", 0.0, {"url": SIGNED})
    failed = fetch_failed("j", ts=0.0, code="Forbidden", message=f"denied for {SIGNED} (x)")
    for event in (ready, failed):
        assert "Signature" not in event.message and "?Expires" not in event.message
    assert ready.message.startswith("output ready")
    assert "bucket.oss-cn-shanghai.aliyuncs.com/out/v.mp4" in ready.message


def test_engine_events_messages_and_notability() -> None:
    failed = fetch_failed("j", ts=0.0, code="Throttling", message="slow down")
    assert failed.message == "fetch failed: Throttling: slow down"
    assert failed.to_json()["code"] == "Throttling"
    assert not failed.is_notable
    assert fetch_recovered("j", ts=0.0).message and not fetch_recovered("j", ts=0.0).is_notable
    assert job_not_found("j", ts=0.0).is_notable
    assert job_not_found("j", ts=0.0).message == "job not found"


def test_every_kind_has_a_message() -> None:
    for kind in EventKind:
        assert Event(kind, "j", 0.0, {}).message


def test_message_is_terminal_safe() -> None:
    sb = Storyboard("st\x1b]52;c;eA==\x07", "t", "Editing", "CreateFailed")
    (event,) = diff(job(storyboards=()), job(storyboards=(sb,)), ts=0.0)
    assert "\x1b" not in event.message and "\x07" not in event.message


@pytest.mark.parametrize(
    ("stored", "today"),
    [
        ("Editing/Creating, exception", "Editing/Creating, Exception"),
        ("exception", "Exception"),
        ("Editing/CreateFailed", "Editing/CreateFailed"),
        ("Editing/exceptional", "Editing/exceptional"),
    ],
)
def test_values_stored_by_an_older_version_read_in_todays_words(stored: str, today: str) -> None:
    assert stored_storyboard_values(stored) == today
