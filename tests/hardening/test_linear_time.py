"""Outside input (a file, a network answer, terminal text) is parsed in time linear in its
size, whatever its shape: every regex and parser that reads it, on families of inputs built
to make a backtracking regex or a re-reading parser go quadratic or worse.

How it is measured, so that a busy 2-core machine cannot fail it: the time of the input at
size n (repeated until it takes at least 20 ms, best of three) against the same at size 8n.
Linear is ~8x; quadratic ~64x; the bound is 30x. No absolute time is asserted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hardening import hostile_docx as hd
from yike_tui.actions.novel_file import NovelFileError, read_novel
from yike_tui.api.transport.http1 import simple_head
from yike_tui.core import config
from yike_tui.core.events import redact_urls_in
from yike_tui.safety import redaction
from yike_tui.safety.safe_text import clean

GROWTH = 8
BOUND = 30  # linear ~8, quadratic ~64
FLOOR = 0.02  # seconds at size n: below that, timer and scheduler noise would rule


def _seconds(call: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            call()
        best = min(best, time.perf_counter() - start)
    return best


def assert_linear(run: Callable[[Any], object], make: Callable[[int], Any], n: int) -> None:
    """``run(make(8n))`` takes under 30 times ``run(make(n))``."""
    small, large = make(n), make(GROWTH * n)
    repeat = 1
    while (took := _seconds(lambda: run(small), repeat)) < FLOOR and repeat < 1 << 16:
        repeat *= 2
    took_large = _seconds(lambda: run(large), repeat)
    assert took_large < BOUND * max(took, FLOOR), (
        f"{GROWTH}x the input took {took_large / took:.0f}x the time "
        f"({took * 1000:.1f} ms -> {took_large * 1000:.1f} ms, {repeat} runs each)"
    )


# --- the HTTP head of an API answer (network) ----------------------------------------------

HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"

HTTP_FAMILIES: dict[str, Callable[[int], bytes]] = {
    "spaces then a bad byte": lambda n: HEAD + b"X:" + b" " * n + b"\x00",
    "a value between runs of spaces": lambda n: HEAD + b"X:" + b" " * n + b"v" + b" " * n + b"\x00",
    "words then a bad byte": lambda n: HEAD + b"X: " + b"w " * n + b"\x00",
    "tabs and spaces": lambda n: HEAD + b"X:\t" + b" \t" * n + b"\x00",
    "a status line of spaces": lambda n: b"HTTP/1.1 200 " + b" x" * n + b"\x00",
}


@pytest.mark.parametrize("family", list(HTTP_FAMILIES))
def test_an_answer_head_is_read_in_linear_time(family: str) -> None:
    assert_linear(simple_head, HTTP_FAMILIES[family], 2_000)


# --- text redacted before it is stored or logged (network) ---------------------------------

# A '?' anywhere sends text past the fast path to the URL patterns.
TEXT_FAMILIES: dict[str, Callable[[int], str]] = {
    "URL starts, no query": lambda n: "?" + "http://" * n,
    "escaped URL starts, no query": lambda n: "?" + "https:\\/\\/." * n,
    "URL starts, a query at the end": lambda n: "http://" * n + "?Signature=s",
    "backslashes after the scheme": lambda n: "http:" + "\\" * n,
    "signing parameters' prefixes": lambda n: "?x-amz-" * n,
}


@pytest.mark.parametrize("family", list(TEXT_FAMILIES))
def test_text_is_unsigned_and_cleaned_in_linear_time(family: str) -> None:
    def run(text: str) -> object:
        return redaction.unsign(text), redact_urls_in(text), clean(text, one_line=True)

    assert_linear(run, TEXT_FAMILIES[family], 2_000)


# --- config.toml (a file) ------------------------------------------------------------------

CONFIG_FAMILIES: dict[str, Callable[[int], str]] = {
    "a header name, then spaces": lambda n: "[a" + " " * n + "!\n",
    "a header of words": lambda n: "[" + "a " * n + "!\n",
    "a header, spaces, a comment": lambda n: "[a]" + " " * n + "# " + " " * n + "\n",
}


@pytest.mark.parametrize("family", list(CONFIG_FAMILIES))
def test_config_lines_are_located_in_linear_time(family: str) -> None:
    assert_linear(lambda text: config.find_line(text, "t", "k"), CONFIG_FAMILIES[family], 2_000)


def test_a_toml_error_quoting_a_long_key_is_read_in_linear_time(tmp_path: Path) -> None:
    """tomllib quotes the key in "Cannot declare ('a   ',) twice (at line 2, column 1)"."""

    def make(n: int) -> Path:
        path = tmp_path / f"config-{n}.toml"
        key = '"a' + " " * n + '"'
        path.write_text(f"[{key}]\n[{key}]\n", encoding="utf-8")
        return path

    def run(path: Path) -> None:
        with pytest.raises(config.ConfigError, match="line 2"):
            config.load_config(path)

    assert_linear(run, make, 2_000)


# --- the novel (a file the user picks) -----------------------------------------------------


def _docx_family(tmp_path: Path, body: Callable[[int], bytes]) -> Callable[[int], Path]:
    def make(n: int) -> Path:
        path = tmp_path / f"novel-{n}.docx"
        path.write_bytes(hd.zipped(hd.document(body(n))))
        return path

    return make


def _read(path: Path) -> object:
    try:
        return read_novel(path)
    except NovelFileError as exc:
        return exc


DOCX_FAMILIES: dict[str, tuple[Callable[[int], bytes], int]] = {
    # The regexes this replaced: `<w:p[\s>].*?</w:p>` and `<w:t...>(.*?)</w:t>` rescan to
    # the end from every opening tag (a 302-byte .docx of 20,000 `<w:p>` took 13 s).
    "paragraphs never closed": (lambda n: b"<w:p>" * n, 2_000),
    "text runs never closed": (lambda n: b"<w:p><w:r>" + b"<w:t>" * n + b"</w:r></w:p>", 2_000),
    "text runs with attributes, never closed": (
        lambda n: b"<w:p><w:r>" + b"<w:t " * n + b"></w:r></w:p>",
        2_000,
    ),
    "empty paragraphs": (lambda n: b"<w:p/>" * n, 5_000),
    "paragraphs of runs": (
        lambda n: b"<w:p><w:r><w:t>x</w:t><w:tab/><w:br/></w:r></w:p>" * n,
        1_500,
    ),
    "one long text": (lambda n: b"<w:p><w:r><w:t>" + b"x" * n + b"</w:t></w:r></w:p>", 100_000),
    "a long attribute (one token)": (lambda n: b'<w:p w:a="' + b"x" * n + b'"/>', 60_000),
    "long attributes (many tokens)": (
        lambda n: (b'<w:p w:a="' + b"x" * n + b'"/>') * 16,
        30_000,
    ),
    "a long comment": (lambda n: b"<!--" + b"x" * n + b"-->", 60_000),
    "entity references": (
        lambda n: b"<w:p><w:r><w:t>" + b"&amp;" * n + b"</w:t></w:r></w:p>",
        50_000,
    ),
}


@pytest.mark.parametrize("family", list(DOCX_FAMILIES))
def test_a_docx_is_read_in_linear_time(tmp_path: Path, family: str) -> None:
    body, n = DOCX_FAMILIES[family]
    assert_linear(_read, _docx_family(tmp_path, body), n)


TXT_FAMILIES: dict[str, Callable[[int], bytes]] = {
    "GBK text": lambda n: ("晋太元中，武陵人捕鱼为业。" * n).encode("gbk"),
    "Big5 text": lambda n: ("晉太元中，武陵人捕魚為業。" * n).encode("big5"),
    "GBK with a bad byte at the end": lambda n: (
        ("缘溪行，忘路之远近。" * n).encode("gbk") + b"\xff"
    ),
    "one repeated byte": lambda n: b"\x81" * (n * 20),
}


@pytest.mark.parametrize("family", list(TXT_FAMILIES))
def test_a_txt_is_read_in_linear_time(tmp_path: Path, family: str) -> None:
    """The encoding is told from at most 64 KiB; the rest is only decoded."""

    def make(n: int) -> Path:
        path = tmp_path / f"novel-{n}.txt"
        path.write_bytes(TXT_FAMILIES[family](n))
        return path

    assert_linear(_read, make, 15_000)  # 8n: about 3 MB, under the 5 MB a file may be


def test_a_script_guess_is_linear_in_its_lines(tmp_path: Path) -> None:
    """Scene headings and ``NAME: line`` are looked for in every line of the opening."""

    def make(n: int) -> Any:
        path = tmp_path / f"script-{n}.txt"
        path.write_text((" " * 18 + "a" + " " * 40 + "\n") * n, encoding="utf-8")
        return read_novel(path)

    assert_linear(lambda novel: novel.source_type_guess(), make, 5)
