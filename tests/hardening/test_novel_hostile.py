"""The user's novel, read before it is uploaded and billed, attacked as a hostile file would.

- A .docx: entity bombs and external entities, nesting 100,000 deep, a tag of 30 MiB, a
  million empty elements, too many zip parts, zip bombs with honest and lying sizes, bad
  CRCs, encrypted parts and Word's own password protection (an OLE file), each error the
  zip library raises on a broken archive, encodings expat cannot take, random damage.
- A .txt: Big5 and Shift-JIS (GB18030 decodes them into garbage) refused naming the
  encoding and the iconv line; UTF-8, UTF-16 with a BOM and GB18030 read as they were
  written, short GBK included; invalid bytes, odd UTF-16, NULs, 5 MB of one byte.

Every refusal is one NovelFileError line naming the file (the CLI's exit 2), never a
traceback. The worst .docx allowed is read in bounded time, and other threads run meanwhile.
"""

from __future__ import annotations

import functools
import io
import itertools
import lzma
import shutil
import subprocess
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening import hostile_docx as hd
from tests.hardening.cli_run import run as run_cli
from yike_tui.actions import novel_file
from yike_tui.actions.novel_file import (
    MAX_BYTES,
    MAX_CHARS,
    MAX_DOCX_ENTRIES,
    MAX_DOCX_XML_BYTES,
    MAX_XML_DEPTH,
    MAX_XML_ELEMENTS,
    MAX_XML_TOKEN_BYTES,
    NovelFileError,
    read_novel,
)

# Realistic paragraphs: a modern one and the opening of 桃花源记, in simplified and
# traditional characters; the opening of 羅生門 (Akutagawa) in Japanese.
SIMPLIFIED = (
    "那天傍晚，雨下得很大。林晓站在公交车站的屋檐下，看着街上的行人匆匆走过。她手里攥着一封信，"
    "信封已经被雨水打湿了一角。这是她第三次来到这个城市，每一次都是为了同一个人。她想起十年前的"
    "那个夏天，他们一起坐在河边，看着夕阳慢慢沉下去。那时候他说，总有一天要带她去看海。后来他走了，"
    "没有留下任何消息。她等了很久，久到连自己都忘了在等什么。直到上个月，她收到了这封信。信上只有"
    "一行字：我在老地方等你。她不知道老地方是哪里，但她还是来了。公交车终于来了，她深吸一口气，走了上去。\n"
    "晋太元中，武陵人捕鱼为业。缘溪行，忘路之远近。忽逢桃花林，夹岸数百步，中无杂树，芳草鲜美，"
    "落英缤纷。渔人甚异之，复前行，欲穷其林。林尽水源，便得一山，山有小口，仿佛若有光。便舍船，"
    "从口入。初极狭，才通人。复行数十步，豁然开朗。土地平旷，屋舍俨然，有良田、美池、桑竹之属。\n"
)
TRADITIONAL = (
    "那天傍晚，雨下得很大。林曉站在公車站的屋簷下，看著街上的行人匆匆走過。她手裡攥著一封信，"
    "信封已經被雨水打濕了一角。這是她第三次來到這個城市，每一次都是為了同一個人。她想起十年前的"
    "那個夏天，他們一起坐在河邊，看著夕陽慢慢沉下去。那時候他說，總有一天要帶她去看海。後來他走了，"
    "沒有留下任何消息。她等了很久，久到連自己都忘了在等什麼。直到上個月，她收到了這封信。信上只有"
    "一行字：我在老地方等你。她不知道老地方是哪裡，但她還是來了。公車終於來了，她深吸一口氣，走了上去。\n"
    "晉太元中，武陵人捕魚為業。緣溪行，忘路之遠近。忽逢桃花林，夾岸數百步，中無雜樹，芳草鮮美，"
    "落英繽紛。漁人甚異之，復前行，欲窮其林。林盡水源，便得一山，山有小口，彷彿若有光。便捨船，"
    "從口入。初極狹，纔通人。復行數十步，豁然開朗。土地平曠，屋舍儼然，有良田、美池、桑竹之屬。\n"
)
JAPANESE = (
    "ある日の暮方の事である。一人の下人が、羅生門の下で雨やみを待っていた。広い門の下には、"
    "この男のほかに誰もいない。ただ、所々丹塗の剥げた、大きな円柱に、蟋蟀が一匹とまっている。"
    "羅生門が、朱雀大路にある以上は、この男のほかにも、雨やみをする市女笠や揉烏帽子が、もう二三人は"
    "ありそうなものである。それが、この男のほかには誰もいない。\n"
    "何故かと云うと、この二三年、京都には、地震とか辻風とか火事とか饑饉とか云う災がつづいて起った。"
    "そこで洛中のさびれ方は一通りではない。旧記によると、仏像や仏具を打砕いて、その丹がついたり、"
    "金銀の箔がついたりした木を、路ばたにつみ重ねて、薪の料に売っていたと云う事である。\n"
)


def refused(path: Path) -> str:
    """The one line ``read_novel`` refuses ``path`` with."""
    with pytest.raises(NovelFileError) as caught:
        read_novel(path)
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text, text
    assert text.startswith(f"{path.name}: "), text
    return text


def planted(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- .docx: the XML ------------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(9)
    )
    + b"]>"
)


def _xml_cases() -> dict[str, tuple[Callable[[], bytes], str]]:
    """name -> (the document.xml, what its refusal says)."""
    return {
        "billion laughs": (
            lambda: hd.document("<w:p><w:r><w:t>&j;</w:t></w:r></w:p>", prefix=LAUGHS),
            "DOCTYPE",
        ),
        "external entity": (
            lambda: hd.document(
                "<w:p><w:r><w:t>&x;</w:t></w:r></w:p>",
                prefix=b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            ),
            "DOCTYPE",
        ),
        "external DTD": (
            lambda: hd.document("", prefix=b'<!DOCTYPE d SYSTEM "http://127.0.0.1:9/d.dtd">'),
            "DOCTYPE",
        ),
        "parameter entity": (
            lambda: hd.document(
                "", prefix=b'<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]>'
            ),
            "DOCTYPE",
        ),
        "undefined entity": (
            lambda: hd.paragraphs("&nbsp;"),
            "not well-formed XML (undefined entity",
        ),
        "nesting 100,000 deep": (
            lambda: hd.document("<w:p>" * 100_000),
            f"over {MAX_XML_DEPTH} deep",
        ),
        "a 30 MiB attribute": (
            lambda: hd.document(b'<w:p a="' + b"x" * (30 << 20) + b'"/>'),
            f"a tag or comment over {MAX_XML_TOKEN_BYTES:,} bytes",
        ),
        "a 30 MiB comment": (
            lambda: hd.document(b"<!--" + b"x" * (30 << 20) + b"-->"),
            f"a tag or comment over {MAX_XML_TOKEN_BYTES:,} bytes",
        ),
        "a million empty paragraphs": (
            lambda: hd.document(b"<w:p/>" * (MAX_XML_ELEMENTS + 1)),
            f"over {MAX_XML_ELEMENTS:,} XML elements",
        ),
        "a million comments": (
            lambda: hd.document(b"<!---->" * (MAX_XML_ELEMENTS + 1)),
            f"over {MAX_XML_ELEMENTS:,} XML elements",
        ),
        "declared UTF-16, written UTF-8": (
            lambda: hd.paragraphs("x").replace(b'encoding="UTF-8"', b'encoding="UTF-16"'),
            "not well-formed XML (encoding specified in XML declaration is incorrect",
        ),
        "declared GB2312 (expat cannot)": (
            lambda: hd.paragraphs("x").replace(b'encoding="UTF-8"', b'encoding="GB2312"'),
            "not well-formed XML (multi-byte encodings are not supported)",
        ),
        "declared EBCDIC": (
            lambda: hd.paragraphs("x").replace(b'encoding="UTF-8"', b'encoding="cp500"'),
            "not well-formed XML",
        ),
        "an unbound prefix": (lambda: b"<w:document><w:body/></w:document>", "unbound prefix"),
        "not WordprocessingML": (lambda: b"<html><p>hi</p></html>", "not WordprocessingML"),
        "truncated XML": (lambda: hd.paragraphs("x")[:-20], "not well-formed XML"),
        "a NUL character reference": (lambda: hd.paragraphs("a&#0;b"), "not well-formed XML"),
    }


XML_CASES = _xml_cases()


@pytest.mark.parametrize("case", list(XML_CASES))
def test_a_hostile_document_xml_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    build, expected = XML_CASES[case]
    path = planted(tmp_path, "hostile.docx", hd.zipped(build()))
    assert path.stat().st_size <= MAX_BYTES  # within what a user may submit
    assert expected in refused(path)


# --- .docx: the zip ------------------------------------------------------------------------

GOOD = hd.zipped(hd.paragraphs("Hello"))
# Text that deflates to many blocks, so damage lands inside the compressed stream.
VARIED = hd.zipped(hd.paragraphs("".join(chr(0x4E00 + i * 7919 % 20000) for i in range(20000))))


def _damaged_deflate() -> bytes:
    start, _ = hd.member_data(VARIED)
    data = bytearray(VARIED)
    data[start + 10 : start + 60] = b"\xff" * 50
    return bytes(data)


def _bad_lzma_options() -> bytes:
    data = bytearray(hd.zipped(hd.paragraphs("x"), method=zipfile.ZIP_LZMA))
    start, _ = hd.member_data(bytes(data))
    data[start : start + 9] = b"\x09\x04\x05\x00" + b"\xff" * 5  # version, 5 bytes of bad props
    return bytes(data)


def _bad_bzip2() -> bytes:
    data = bytearray(hd.zipped(hd.paragraphs("x"), method=zipfile.ZIP_BZIP2))
    start, size = hd.member_data(bytes(data))
    data[start + 10 : start + size] = b"\x00" * (size - 10)
    return bytes(data)


def _name_not_utf8() -> bytes:
    """A part whose name's bytes are not UTF-8, flagged as UTF-8 (zipfile decodes strictly)."""
    data = hd.renamed(hd.zipped(hd.paragraphs("x"), extra=[("cafX", b"")]), "cafX", b"caf\xff")
    return hd.patched(data, b"caf\xff", flags_or=0x800)


@functools.cache
def _bomb_zip() -> bytes:
    return hd.zipped(hd.paragraphs("x" * (200 << 20)))  # 200 MiB in a zip of 200 KB


def _bomb(declared: int | None) -> bytes:
    return _bomb_zip() if declared is None else hd.patched(_bomb_zip(), size=declared)


# name -> (the file, what zipfile itself raises on it (None: it opens), what the line says)
ZIP_CASES: dict[str, tuple[Callable[[], bytes], type[BaseException] | None, str]] = {
    "an encrypted part": (
        lambda: hd.patched(GOOD, flags_or=0x1),
        RuntimeError,
        "is password-protected; save an unprotected copy",
    ),
    "Word's password protection (OLE)": (
        lambda: hd.ole_file(encrypted=True),
        zipfile.BadZipFile,
        "is password-protected; save an unprotected copy",
    ),
    "an old .doc named .docx": (
        lambda: hd.ole_file(encrypted=False),
        zipfile.BadZipFile,
        "older Word (.doc) file",
    ),
    "an unknown compression method": (
        lambda: hd.patched(GOOD, method=99),
        NotImplementedError,
        "not a readable .docx",
    ),
    "damaged deflate data": (_damaged_deflate, zlib.error, "not a readable .docx"),
    "bad LZMA options": (_bad_lzma_options, lzma.LZMAError, "not a readable .docx"),
    "bad bzip2 data": (_bad_bzip2, OSError, "not a readable .docx"),
    "a CRC that does not match": (
        lambda: hd.patched(GOOD, crc=0xDEADBEEF),
        zipfile.BadZipFile,
        "not a readable .docx",
    ),
    "a declared size too small": (
        lambda: hd.patched(GOOD, size=10),
        zipfile.BadZipFile,
        "not a readable .docx",
    ),
    "a directory past 2**63 (ZIP64)": (
        lambda: hd.with_zip64_directory_at(GOOD, 2**64 - 1),
        OverflowError,
        "not a readable .docx",
    ),
    "a directory offset that wraps negative": (
        lambda: hd.with_zip64_directory_at(GOOD, 2**62),
        ValueError,
        "not a readable .docx",
    ),
    "a part name that is not UTF-8": (_name_not_utf8, UnicodeDecodeError, "not a readable .docx"),
    "truncated in half": (
        lambda: GOOD[: len(GOOD) // 2],
        zipfile.BadZipFile,
        "not a readable .docx",
    ),
    "its last bytes cut": (lambda: GOOD[:-10], zipfile.BadZipFile, "not a readable .docx"),
    "empty": (lambda: b"", zipfile.BadZipFile, "not a readable .docx"),
    "no document inside": (
        lambda: hd.zipped(b"hi", name="hello.txt"),
        KeyError,
        "no word/document.xml inside",
    ),
    "more parts than a Word file has": (
        lambda: hd.zipped(
            hd.paragraphs("x"), extra=[(f"p{i}", b"") for i in range(MAX_DOCX_ENTRIES)]
        ),
        None,
        f"over the {MAX_DOCX_ENTRIES:,} a Word document could have",
    ),
    "a zip bomb, size declared": (lambda: _bomb(None), None, "inflates to"),
    "a zip bomb declaring 100 bytes": (
        lambda: _bomb(100),
        zipfile.BadZipFile,
        "not a readable .docx",
    ),
    "a zip bomb declaring the cap": (
        lambda: _bomb(MAX_DOCX_XML_BYTES),
        zipfile.BadZipFile,
        "not a readable .docx",
    ),
}


def _raw_error(data: bytes) -> type[BaseException] | None:
    """What zipfile raises reading word/document.xml of ``data`` whole, if anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(hd.DOCUMENT) as member:
            while member.read(1 << 20):
                pass
    except Exception as exc:  # the very thing measured
        return type(exc)
    return None


@pytest.mark.parametrize("case", list(ZIP_CASES))
def test_a_hostile_zip_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    build, raises, expected = ZIP_CASES[case]
    data = build()
    # The case is what it says: zipfile itself raises this on it (or opens it).
    assert _raw_error(data) is raises
    path = planted(tmp_path, "hostile.docx", data)
    assert path.stat().st_size <= MAX_BYTES
    assert expected in refused(path)


def test_the_reader_stops_at_the_cap_whatever_the_zip_hands_it() -> None:
    """zipfile stops at the declared size; were a member to go on, the reader still stops."""
    endless = io.BytesIO(b" " * (MAX_DOCX_XML_BYTES + 1))
    with pytest.raises(NovelFileError, match="inflates past"):
        novel_file._parse_document(endless, "n.docx")
    assert endless.tell() <= MAX_DOCX_XML_BYTES + 64 * 1024


def test_a_lying_size_never_inflates_past_the_cap(tmp_path: Path) -> None:
    """A part declaring the cap but inflating to 200 MiB stops at the cap: its XML is read
    (a text of 32 MiB) and the CRC, checked at the end, refuses it."""
    data = _bomb(MAX_DOCX_XML_BYTES)
    read: list[int] = []
    original = novel_file._parse_document

    def counting(member: Any, shown: str) -> Any:
        class Counted:
            def read(self, size: int) -> bytes:
                chunk: bytes = member.read(size)
                read.append(len(chunk))
                return chunk

        return original(Counted(), shown)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(novel_file, "_parse_document", counting)
        assert "not a readable .docx" in refused(planted(tmp_path, "bomb.docx", data))
    # The read that meets the end raises (the CRC) instead of returning its chunk.
    assert MAX_DOCX_XML_BYTES - 64 * 1024 <= sum(read) <= MAX_DOCX_XML_BYTES
    assert max(read) <= MAX_XML_TOKEN_BYTES  # read in chunks, never whole


# --- .docx: any damage ---------------------------------------------------------------------

REALISTIC = hd.zipped(
    hd.document(
        "".join(
            f'<w:p w:rsidR="00A1"><w:pPr><w:ind w:firstLine="420"/></w:pPr>'
            f'<w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t>{line}</w:t></w:r></w:p>'
            for line in SIMPLIFIED.splitlines()
        )
    ),
    extra=[("[Content_Types].xml", b"<Types/>"), ("word/styles.xml", b"<w:styles/>")],
)


@settings(
    max_examples=300,
    derandomize=True,  # the same damage on every run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.lists(
            st.tuples(st.integers(0, len(REALISTIC) - 1), st.integers(0, 255)),
            min_size=1,
            max_size=8,
        ),
        st.integers(0, len(REALISTIC)),
    )
)
def test_any_damage_to_a_docx_is_its_text_or_one_line(damage: list[tuple[int, int]] | int) -> None:
    if isinstance(damage, int):
        data = REALISTIC[:damage]  # cut short
    else:
        mutable = bytearray(REALISTIC)
        for at, value in damage:
            mutable[at] = value
        data = bytes(mutable)
    try:
        novel = novel_file._decode_docx(data, "n.docx")
    except NovelFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("n.docx: ")
    else:
        assert isinstance(novel[0], str) and novel[1] == len(novel[0])


# --- .docx: bounded time, other threads running --------------------------------------------


def _timed(call: Callable[[], object], deadline: float) -> float:
    """Seconds ``call`` took; it fails loudly if it takes past ``deadline`` (a hang)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(deadline)
    assert not thread.is_alive(), f"still reading after {deadline:g} s"
    if isinstance(outcome[0], NovelFileError | type(None)):
        return time.perf_counter() - start
    raise AssertionError(f"unexpected {outcome[0]!r}")


_HEAD = hd.document("").split(b"</w:body>")[0] + b"<w:p><w:r>"
_FILL = MAX_DOCX_XML_BYTES - len(_HEAD) - 64


def _repeated(unit: bytes) -> bytes:
    return _HEAD + unit * (_FILL // len(unit))


# 32 MiB of XML (the cap), each shape the costliest of its kind measured (tabs, empty
# paragraphs and other one-call elements cost as runs of text do).
WORST_SHAPES: dict[str, Callable[[], bytes]] = {
    "runs of text": lambda: _repeated(b"<w:t>x</w:t>"),
    # A few past the element cap (which counts attributes): more would not fit in 5 MB.
    "tags of 40,000 attributes": lambda: (
        _HEAD
        + (b"<w:t " + b"".join(b'w:a%d="" ' % i for i in range(40_000)) + b"/>")
        * (MAX_XML_ELEMENTS // 40_000 + 5)
    ),
    "tags just under the token cap": lambda: _repeated(
        b'<w:t a="' + b"x" * (MAX_XML_TOKEN_BYTES - 100) + b'"/>'
    ),
    "comments": lambda: _repeated(b"<!---->"),
    "paragraphs nested deep": lambda: _HEAD + b"<w:p>" * (_FILL // 5),
}


def _read_ticking(path: Path, deadline: float) -> tuple[float, float, int]:
    """Seconds refusing ``path`` took, the longest a second thread (waking every
    millisecond, so needing the GIL that often) went without running meanwhile, and how
    often it ran."""
    ticks: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.001):
            ticks.append(time.perf_counter())

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    start = time.perf_counter()
    took = _timed(lambda: refused(path), deadline)
    end = time.perf_counter()
    stop.set()
    ticker.join()
    moments = [start, *(t for t in ticks if start < t < end), end]
    return took, max(b - a for a, b in itertools.pairwise(moments)), len(moments) - 2


@functools.cache
def _cap_read_seconds(folder: Path) -> float:
    """The baseline: a document with as many elements as the cap lets through (empty
    paragraphs, so refused as empty once read), one Python call each, as hostile ones have."""
    elements = MAX_XML_ELEMENTS - 10  # <w:document> and <w:body> count too
    path = planted(folder, "cap.docx", hd.zipped(hd.document(b"<w:p/>" * elements)))
    return _timed(lambda: refused(path), 600)  # a slow run only loosens the bound


@pytest.mark.parametrize("shape", list(WORST_SHAPES))
def test_the_worst_docx_allowed_is_read_in_bounded_time_while_other_threads_run(
    tmp_path_factory: pytest.TempPathFactory, shape: str
) -> None:
    """Each worst shape of XML, inflated to the cap from a zip under 5 MB, costs at most a
    few times what a document right under the caps costs, and the GIL is let go all along:
    a second thread keeps running."""
    folder = tmp_path_factory.getbasetemp() / "baseline"
    folder.mkdir(exist_ok=True)
    baseline = _cap_read_seconds(folder)
    path = planted(tmp_path_factory.mktemp("worst"), "worst.docx", hd.zipped(WORST_SHAPES[shape]()))
    assert path.stat().st_size <= MAX_BYTES
    took, longest, ticks = _read_ticking(path, deadline=max(600, 100 * baseline))
    assert took < 10 * baseline + 0.5, f"{took:.2f} s; right under the caps {baseline:.2f} s"
    # Held throughout (as a regex holds it, in C), the longest wait would be the whole read.
    # (A read shorter than a scheduler's hiccup is let off: it cannot freeze a screen.)
    assert longest < max(took / 4, 0.1), (
        f"the other thread waited {longest * 1000:.0f} ms in a read of {took:.2f} s"
        f" (it ran {ticks} times)"
    )


# --- .txt: encodings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("UTF-8", SIMPLIFIED.encode("utf-8")),
        ("UTF-8 with a BOM", SIMPLIFIED.encode("utf-8-sig")),
        ("UTF-16 LE with a BOM", SIMPLIFIED.encode("utf-16")),  # utf-16 writes its BOM
        ("UTF-16 BE with a BOM", b"\xfe\xff" + SIMPLIFIED.encode("utf-16-be")),
        ("GBK", SIMPLIFIED.encode("gbk")),
        ("GB18030, four-byte characters too", (SIMPLIFIED + "𠀀𪚥€").encode("gb18030")),
        ("GB18030, traditional characters", TRADITIONAL.encode("gb18030")),
        ("UTF-8, traditional", TRADITIONAL.encode("utf-8")),
        ("UTF-8, Japanese", JAPANESE.encode("utf-8")),
    ],
)
def test_a_txt_in_an_encoding_yike_reads_is_read_as_written(
    tmp_path: Path, encoding: str, data: bytes
) -> None:
    text = read_novel(planted(tmp_path, "novel.txt", data)).text
    assert text.removeprefix("\ufeff") in (
        SIMPLIFIED,
        SIMPLIFIED + "𠀀𪚥€",
        TRADITIONAL,
        JAPANESE,
    ), encoding


def test_a_short_gbk_txt_is_read_not_refused(tmp_path: Path) -> None:
    """Forty characters (and four) are too few to tell GBK from Big5 or CP949 by their
    bytes alone: they are read as GB18030, the encoding Chinese novels come in."""
    for text in (SIMPLIFIED[:40], SIMPLIFIED[300:340], "桃花源记", "第一章 雨\n"):
        assert read_novel(planted(tmp_path, "short.txt", text.encode("gbk"))).text == text


@pytest.mark.parametrize(
    ("data", "named", "iconv"),
    [
        (TRADITIONAL.encode("big5"), "BIG5 (Chinese)", "BIG5"),
        (JAPANESE.encode("shift_jis"), "(Japanese)", "CP932"),
        (JAPANESE.encode("euc_jp"), "(Japanese)", "EUC-JISX0213"),
    ],
    ids=["Big5", "Shift-JIS", "EUC-JP"],
)
def test_big5_and_shift_jis_are_refused_naming_the_encoding_and_the_fix(
    tmp_path: Path, data: bytes, named: str, iconv: str
) -> None:
    """GB18030 decodes these bytes without an error, into garbage that would be uploaded
    and billed. Refused instead, with the iconv line that converts the file."""
    data.decode("gb18030")  # the trap: a plain GB18030 fallback takes them
    path = planted(tmp_path, "小说 one.txt", data)
    line = refused(path)
    assert named in line
    assert f"convert it: iconv -f {iconv} -t UTF-8 '小说 one.txt' > '小说 one-utf8.txt'" in line


@pytest.mark.skipif(shutil.which("iconv") is None, reason="no iconv on this machine")
def test_the_iconv_line_given_converts_the_file(tmp_path: Path) -> None:
    path = planted(tmp_path, "老 故事.txt", TRADITIONAL.encode("big5"))
    command = refused(path).split("convert it: ", 1)[1]
    subprocess.run(["sh", "-c", command], cwd=tmp_path, check=True, timeout=60)
    assert read_novel(tmp_path / "老 故事-utf8.txt").text == TRADITIONAL


def test_the_encoding_is_told_from_the_first_64_kib_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 5 MB the detector takes 0.1-0.4 s (measured): it sees a bounded prefix, cut
    between two characters (cut inside one, Big5 is not recognised at all)."""
    import charset_normalizer

    seen: list[int] = []
    real = charset_normalizer.from_bytes

    def spy(sample: bytes, **options: Any) -> Any:
        seen.append(len(sample))
        return real(sample, **options)

    monkeypatch.setattr(charset_normalizer, "from_bytes", spy)
    big5 = (TRADITIONAL.replace("\n", "") * 10_000).encode("big5")[: MAX_BYTES - 1]
    assert "BIG5" in refused(planted(tmp_path, "big.txt", big5))
    gbk = (SIMPLIFIED * 10_000).encode("gbk")[: MAX_BYTES - 1]
    gbk = gbk[: len(gbk.rstrip(bytes(range(0x30, 0x100))))]  # whole characters
    assert f"; Yike takes at most {MAX_CHARS:,}" in refused(planted(tmp_path, "big.txt", gbk))
    assert seen and max(seen) <= 64 * 1024


# --- .txt: hostile bytes -------------------------------------------------------------------

HOSTILE_TXT = {
    "invalid UTF-8 between GBK": (
        SIMPLIFIED.encode("utf-8") + b"\xff" + SIMPLIFIED.encode("gbk"),
        "not text in UTF-8, GB18030 or any one encoding",
    ),
    "half UTF-8, half GBK": (
        SIMPLIFIED.encode("utf-8") + SIMPLIFIED.encode("gbk"),
        "not text in UTF-8, GB18030 or any one encoding",
    ),
    "a UTF-16 BOM, odd length": (
        b"\xff\xfe" + "abc".encode("utf-16-le") + b"x",
        "not valid UTF-16",
    ),
    "a UTF-16 BOM, a lone surrogate": (b"\xff\xfe\x00\xd8a\x00", "not valid UTF-16"),
    "NUL bytes": (b"a story\x00with a NUL", "holds NUL characters"),
    "UTF-16 without a BOM": ("A story, told.".encode("utf-16-le"), "holds NUL characters"),
    "UTF-32 with its BOM": ("故事".encode("utf-32"), "holds NUL characters"),
    "5 MB of 'a'": (b"a" * MAX_BYTES, f"{MAX_BYTES:,} characters"),
    "5 MB of NUL": (b"\x00" * MAX_BYTES, f"{MAX_BYTES:,} characters"),
    "5 MB of 0x81": (b"\x81" * MAX_BYTES, "looks like"),
    "5 MB of 0xa4": (b"\xa4" * MAX_BYTES, "looks like"),
    "5 MB of 0xff": (b"\xff" * MAX_BYTES, "not text in UTF-8, GB18030 or any one encoding"),
    "5 MB of 0xfe": (b"\xfe" * MAX_BYTES, ""),
    "64 KiB of every byte": (
        bytes(range(256)) * 256,
        "not text in UTF-8, GB18030 or any one encoding",
    ),
    "over 5 MB": (b"a" * (MAX_BYTES + 1), "over 5 MB"),
    "a short Western text": ("Café au lait, s'il vous plaît".encode("cp1252"), "looks like CP1252"),
    "GBK, a bad byte past the first 64 KiB": (
        (SIMPLIFIED * 200).encode("gbk")[: 70_000 - 70_000 % 2] + b"\xff",
        "starts as GB18030 but byte",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_TXT))
def test_a_hostile_txt_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    data, expected = HOSTILE_TXT[case]
    assert expected in refused(planted(tmp_path, "hostile.txt", data))


def test_a_refusal_is_exit_2_on_one_line_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The encrypted .docx that ended in "unexpected error: RuntimeError" (exit 1)."""
    path = planted(tmp_path, "locked.docx", hd.patched(GOOD, flags_or=0x1))
    code, out, err = run_cli(["submit", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err == "yike-tui: locked.docx: is password-protected; save an unprotected copy\n"
