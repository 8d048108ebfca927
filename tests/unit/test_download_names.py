"""File names from hostile job titles, and the progress arithmetic (a fake clock, no sleeps)."""

from __future__ import annotations

import pytest

from yike_tui.actions.download_names import MAX_NAME_BYTES, safe_filename
from yike_tui.actions.download_progress import SpeedMeter
from yike_tui.actions.part_file import Origin, numbered, validator
from yike_tui.sim.scenarios import HOSTILE_TITLE

JOB = "0123456789abcdef0123456789abcdef"


def assert_safe(name: str) -> None:
    assert "/" not in name and "\\" not in name and ".." not in name
    assert not name.startswith((".", " ", "-"))
    assert all(ord(ch) >= 0x20 and not 0x7F <= ord(ch) < 0xA0 for ch in name)
    assert len(name.encode()) <= MAX_NAME_BYTES


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Harbour Lights — Episode 1", "Harbour Lights — Episode 1.mp4"),
        ("../../etc/passwd", "etc passwd.mp4"),
        ("..\\..\\Windows\\win.ini", "Windows win.ini.mp4"),
        (".hidden", "hidden.mp4"),
        ('a:b*c?d"e<f>g|h', "a b c d e f g h.mp4"),
        ("title\nwith\ttabs", "title␊with␉tabs.mp4"),
        ("\x1b]52;c;aGFja2Vk\x07", "␛]52;c;aGFja2Vk␇.mp4"),
        ("evil\u202etxt.exe\u200b", "eviltxt.exe.mp4"),
        ("CON", "_CON.mp4"),
        ("", f"{JOB}.mp4"),
        ("  ..  /  ", f"{JOB}.mp4"),
        ("\u200b\u202e", f"{JOB}.mp4"),
    ],
)
def test_titles_become_safe_names(title: str, expected: str) -> None:
    name = safe_filename(title, JOB)
    assert name == expected
    assert_safe(name)


def test_the_demo_hostile_title_is_inert() -> None:
    name = safe_filename(HOSTILE_TITLE, JOB)
    assert_safe(name)
    assert "\x1b" not in name and "\u202e" not in name and name.endswith(".mp4")


def test_long_cjk_titles_are_cut_on_a_character_boundary() -> None:
    title = "湘西古镇最后的赶尸人" * 30  # 300 characters, 900 bytes
    name = safe_filename(title, JOB)
    assert_safe(name)
    assert name.endswith(".mp4")
    assert name[:-4] == title[: len(name[:-4])]  # a prefix of whole characters
    assert MAX_NAME_BYTES - 3 <= len(name.encode()) <= MAX_NAME_BYTES


def test_the_job_id_is_also_made_safe_and_the_extension_checked() -> None:
    assert safe_filename("", "../x") == "x.mp4"
    assert safe_filename("", "..") == "yike-output.mp4"
    assert safe_filename("subs", JOB, ".srt") == "subs.srt"
    assert safe_filename("t", JOB, "./../x") == "t.mp4"


def test_numbered_names() -> None:
    assert numbered("a.mp4", 1) == "a.mp4"
    assert numbered("a.mp4", 2) == "a (2).mp4"
    assert numbered("a.b.mp4", 3) == "a.b (3).mp4"
    assert numbered("noext", 2) == "noext (2)"


def test_if_range_uses_a_strong_etag_else_the_date() -> None:
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert Origin("j", '"abc"', date).if_range == '"abc"'
    assert Origin("j", 'W/"abc"', date).if_range == date  # weak ETags are not allowed there
    assert Origin("j", 'W/"abc"').if_range == ""  # nothing to resume by: start over
    assert Origin("j").if_range == ""


def test_only_tame_validators_are_kept_to_be_sent_back() -> None:
    assert validator(' "abc" ') == '"abc"'
    assert validator('"a"\r\nX-Evil: 1') == ""  # a header must not smuggle another
    assert validator('"é"') == ""
    assert validator('"' + "a" * 300 + '"') == ""
    assert validator(None) == ""


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_speed_is_smoothed_and_eta_follows() -> None:
    clock = Clock()
    meter = SpeedMeter(clock, window=2.0)
    clock.t += 1.0
    assert meter.add(1000) == 1000.0  # the first measurement is taken as is
    clock.t += 1.0
    assert meter.add(3000) == 2000.0  # half way to the new rate over half the window
    progress = meter.progress(done=4000, total=10_000)
    assert (progress.speed, progress.eta, progress.fraction) == (2000.0, 3.0, 0.4)
    assert meter.progress(5, None).eta is None


def test_bursts_closer_than_the_resolution_are_pooled() -> None:
    clock = Clock()
    meter = SpeedMeter(clock)
    clock.t += 0.01
    assert meter.add(500) == 0.0  # too soon to tell
    clock.t += 0.09
    assert meter.add(500) == pytest.approx(10_000.0)
