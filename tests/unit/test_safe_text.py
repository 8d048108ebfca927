from __future__ import annotations

from yike_tui.safety.safe_text import clean


def test_escape_sequences_become_visible_and_inert() -> None:
    hostile = "a\x1b]52;c;aGk=\x07b\x1b[2Jc\x9bd"
    out = clean(hostile)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert out.startswith("a␛]52;c;aGk=␇b␛[2Jc")


def test_bidi_and_zero_width_are_shown() -> None:
    out = clean("abc\u202edef\u200bg")
    assert "\u202e" not in out and "\u200b" not in out
    assert "<U+202E>" in out


def test_newline_kept_unless_one_line() -> None:
    assert clean("a\nb\tc") == "a\nb\tc"
    assert clean("a\nb", one_line=True) == "a␊b"


def test_cjk_and_emoji_untouched() -> None:
    assert clean("长篇小说 🎬 [bold]") == "长篇小说 🎬 [bold]"
