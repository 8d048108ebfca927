"""Reports in each format from parsed jobs, and submit requests checked and split (pure)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from yike_tui.actions.report import failed_shots_text, render_report
from yike_tui.actions.submit import SubmitInvalid, build_submit
from yike_tui.core.models import parse_job

HOSTILE = "a|b\nc \x1b]52;c;aGk=\x07 <script>"
URL = "https://b.oss.test/out<put>.mp4?Expires=1&Signature=x|y"


def job(title: str = "Plain", **result: str) -> dict[str, object]:
    shots = [
        {"errorCode": "X", "storyboardId": "st_1", "shotId": "1"},
        {"errorCode": "NoMediaData", "storyboardId": "st_1", "shotId": "2"},
        {"errorCode": "NoMediaData", "storyboardId": "st_2", "shotId": "3"},
    ]
    infos = [
        {"storyboardId": "st_1", "status": "Produced", "subStatus": "ProduceSucc"},
        {"storyboardId": "st_2", "status": "Editing", "subStatus": "CreateFailed"},
    ]
    return {
        "JobId": "j1",
        "JobStatus": "Failed",
        "JobParams": {"Title": title},
        "JobResult": {
            "FailureShotList": json.dumps(shots),
            "StoryboardInfoList": json.dumps(infos),
            **result,
        },
    }


def test_failed_shots_are_grouped_most_frequent_first() -> None:
    assert failed_shots_text(parse_job(job())) == "NoMediaData×2, X×1"


def test_markdown_row_is_one_line_and_inert() -> None:
    text = render_report([parse_job(job(HOSTILE, OutputUrl=URL))], "md")
    lines = text.splitlines()
    assert lines[0] == "| Status | Title | Job ID | Storyboards | Failed shots | Output |"
    assert len(lines) == 3 and "\x1b" not in text and "\x07" not in text
    row = lines[2]
    assert row.startswith("| ✗ Failed | a\\|b␊c ␛\\]52;c;aGk=␇ \\<script\\> | j1 | 1/2 | ")
    assert "NoMediaData×2, X×1" in row
    assert row.endswith("| <https://b.oss.test/out%3Cput%3E.mp4?Expires=1&Signature=x%7Cy> |")
    # Every unescaped pipe is a cell border: six columns, seven borders.
    assert row.replace("\\|", "").count("|") == 7


def test_csv_round_trips_and_defuses_formulas() -> None:
    text = render_report([parse_job(job("=HYPERLINK(1)\nx", OutputUrl=URL))], "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "status", "title", "job_id", "storyboards_done", "storyboards_total", "failed_shots",
        "output_url",
    ]  # fmt: skip
    assert rows[1] == ["Failed", "'=HYPERLINK(1)\nx", "j1", "1", "2", "NoMediaData×2, X×1", URL]


def test_json_is_exact() -> None:
    records = json.loads(render_report([parse_job(job(HOSTILE, OutputUrl=URL))], "json"))
    assert records == [
        {
            "status": "Failed",
            "title": HOSTILE,
            "job_id": "j1",
            "storyboards_done": 1,
            "storyboards_total": 2,
            "failed_shots": {"NoMediaData": 2, "X": 1},
            "output_url": URL,
        }
    ]


def test_empty_report_and_bad_format() -> None:
    assert render_report([], "json") == "[]\n"
    assert render_report([], "md").count("\n") == 2
    with pytest.raises(ValueError, match="format"):
        render_report([], "html")  # type: ignore[arg-type]


def test_submit_puts_each_parameter_where_the_api_reads_it() -> None:
    request = build_submit(
        file_url="https://b.oss.test/n.txt",
        title="雨巷",
        style_id="Anime",
        aspect_ratio="9:16",
        resolution="1K",
        video_model="wan2.6-r2v-flash",
        voice="sys_YoungGracefulWoman",
        exec_mode="StoryboardOnly",
        skip_failure_shot=True,
        model_params='{ "AudioEnable" : false }',
    )
    assert request.query == {
        "Title": "雨巷",
        "AspectRatio": "9:16",
        "Resolution": "1K",
        "VideoModel": "wan2.6-r2v-flash",
        "NarrationVoiceId": "sys_YoungGracefulWoman",
        "ExecMode": "StoryboardOnly",
        "SkipFailureShot": "true",
        "ModelParams": '{"AudioEnable":false}',
    }
    assert request.form == {
        "FileURL": "https://b.oss.test/n.txt",
        "SourceType": "Novel",
        "StyleId": "Anime",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "长" * 43}, "129 bytes"),
        ({"title": ""}, "--title is empty"),
        ({"title": "a\nb"}, "control characters"),
        ({"file_url": "ftp://x/y"}, "http(s) URL"),
        ({"file_url": "file:///etc/passwd"}, "http(s) URL"),
        ({"file_url": "https://x/a b"}, "spaces"),
        ({"model_params": "{bad"}, "not valid JSON"),
        ({"model_params": "[1]"}, "JSON object"),
        ({"exec_mode": "Fast"}, "FullPipeline or StoryboardOnly"),
        ({"aspect_ratio": "wide"}, "16:9"),
        ({"style_id": " "}, "--style-id is empty"),
    ],
)
def test_bad_input_is_refused_with_the_flag_named(changes: dict[str, str], message: str) -> None:
    args = {"file_url": "https://b.oss.test/n.txt", "title": "ok", **changes}
    with pytest.raises(SubmitInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_submit(**args)  # type: ignore[arg-type]


def test_a_title_of_exactly_128_bytes_is_fine() -> None:
    assert build_submit(file_url="http://x.test/a", title="长" * 42 + "ab").query["Title"]


@pytest.mark.parametrize(("chosen", "sent"), [(None, None), (True, "true"), (False, "false")])
def test_skip_failure_shot_off_reaches_the_api(chosen: bool | None, sent: str | None) -> None:
    """The API's default is on: switching it off must be sent as "false", not left out."""
    request = build_submit(file_url="https://b.oss/x.txt", title="t", skip_failure_shot=chosen)
    assert request.query.get("SkipFailureShot") == sent
