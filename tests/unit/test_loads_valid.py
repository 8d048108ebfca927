"""safe_text.loads_valid: the same value and the same errors as valid_json(json.loads(..)),
the walk skipped only when the text cannot hold anything to fix."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yike_tui.core.models import parse_job
from yike_tui.safety.safe_text import loads_valid, valid_json


def slow(text: str | bytes) -> Any:
    return valid_json(json.loads(text))


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


CASES = [
    '["st_1", "st_2"]',
    '{"a": [1, 2.5, -0.0, 1e10, null, true]}',
    '["\\ud800"]',  # a lone surrogate, escaped: U+FFFD
    '["\\udc80x", {"\\udfff": 1}]',  # in a key too
    '["\\ud83d\\ude00"]',  # a pair: a real character, nothing to fix
    '["\\\\ud800"]',  # an escaped backslash: text, not a surrogate
    '["\\uD800"]',  # upper case
    "[NaN, Infinity, -Infinity, 1e400, -1e400]",
    '{"x": 1e400}',
    '"plain"',
    "12",
    "1.5",
    "NaN",
    "\ud800",  # a surrogate in the text itself (argv, surrogatepass bytes)
    '["\ud800"]',
]


@pytest.mark.parametrize("text", CASES)
def test_same_value_as_the_walk(text: str) -> None:
    try:
        expected = slow(text)
    except ValueError as exc:
        with pytest.raises(type(exc)) as got:
            loads_valid(text)
        assert str(got.value) == str(exc)
        return
    assert same(loads_valid(text), expected)


@pytest.mark.parametrize(
    "text", ["", "[", '["a",]', "\ufeff[1]", "[1] x", '{"a" 1}', "01", "[1e", "tru"]
)
def test_same_error_as_json_loads(text: str) -> None:
    with pytest.raises(ValueError) as expected:
        slow(text)
    with pytest.raises(ValueError) as got:
        loads_valid(text)
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value)


def test_bytes_decoded_as_json_loads_does() -> None:
    # UTF-8 bytes of a lone surrogate (ED A0 80): json.loads lets them through
    # (surrogatepass); both give U+FFFD, and the UTF-16 detection is json's own.
    for raw in (b'["\xed\xa0\x80"]', '["\u00e9"]'.encode("utf-16"), b'{"a": NaN}', b"[1]"):
        assert same(loads_valid(raw), slow(raw))


def test_nan_and_infinity_become_none_and_the_rest_is_kept() -> None:
    assert loads_valid('{"a": NaN, "b": [Infinity, 1e400, 2.5], "c": "\\ud800"}') == {
        "a": None,
        "b": [None, None, 2.5],
        "c": "\ufffd",
    }


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None, blacklist_categories=())),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=4), kids, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
def test_fuzz_same_as_the_walk(value: Any, ascii_only: bool) -> None:
    # json.dumps writes NaN, Infinity and every surrogate escape that can occur.
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert same(loads_valid(text), slow(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='[]{}",:\\ud8ea0-1eNIfinty ', max_size=24))
def test_fuzz_any_text(text: str) -> None:
    try:
        expected = slow(text)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            loads_valid(text)
        return
    assert same(loads_valid(text), expected)


def test_a_storyboard_list_with_a_lone_surrogate_still_shows_u_fffd() -> None:
    infos = '[{"storyboardId": "st_1", "title": "A\\ud800", "status": "Editing"}]'
    job = parse_job(
        {"JobId": "j", "JobStatus": "Running", "JobResult": {"StoryboardInfoList": infos}}
    )
    assert job.storyboards[0].title == "A\ufffd"
