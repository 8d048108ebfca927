"""``watch``'s final lines kept on disk (``commands/final_lines.py``): what is kept comes back
as it was, a job answered again is forgotten, and where no file can be written (a full disk)
the lines stay in memory."""

from __future__ import annotations

import tempfile

import pytest

from yike_tui.commands.final_lines import FinalLines


def test_kept_lines_come_back_and_a_job_answered_again_is_forgotten() -> None:
    texts = {
        "a": '{"title": "潮汐 \\ud83c"}',
        "b": "! Error  b  no answer\n    why",
        "c": "x" * 5000,
    }
    lines = FinalLines(texts.__getitem__)
    try:
        assert lines.get("a") is None  # nothing kept: made from the answer in hand
        for job_id in texts:
            lines.keep(job_id)
        texts["a"] = "newer"
        lines.keep("a")
        lines.forget("b")
        assert [lines.get(j) for j in "abc"] == ["newer", None, "x" * 5000]
    finally:
        lines.close()


def test_without_a_file_to_write_the_lines_stay_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full_disk() -> None:
        raise OSError(27, "File too large")

    monkeypatch.setattr(tempfile, "TemporaryFile", full_disk)
    lines = FinalLines(lambda job_id: f"line of {job_id}")
    lines.keep("a")
    lines.keep("b")
    lines.forget("a")
    assert (lines.get("a"), lines.get("b")) == (None, "line of b")
    lines.close()
