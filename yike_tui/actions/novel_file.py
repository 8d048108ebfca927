"""A novel or script on disk, checked the way Yike will check it, before anything is sent.

Pure and offline: the limits are the vendor's (``.txt`` or ``.docx``, at most 5 MB, at most
30,000 characters of text), so a file Yike would refuse is refused here with one line
naming what is wrong and what to do, and nothing is uploaded. The file is read once,
without following a symlink and bounded (``safe_read``).

A ``.txt`` is UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030 (GBK, GB2312).
GB18030 decodes nearly any bytes, so a Big5 or Shift-JIS novel would go up garbled: when a
file is not UTF-8, ``charset-normalizer`` tells its encoding from at most its first 64 KiB
(cut between characters), and only GB18030 is read (strictly, the whole file); any other
encoding is refused with the ``iconv`` line that converts it. Some 30 Chinese characters are
too few to tell an encoding by: a file that short is read as GB18030 if it decodes so.
Text holding NUL characters (UTF-16 without a BOM, a binary file) is refused.

A ``.docx`` is a zip whose text is the paragraphs of ``word/document.xml``: each its runs'
``w:t`` text, ``w:tab`` as a tab, ``w:br`` and ``w:cr`` as line breaks, joined by newlines.
The zip is checked first (at most 10,000 parts, no encrypted part; a password-protected Word
file is not a zip at all but an OLE compound file), and whatever the zip library raises on a
broken file becomes one line. The XML is inflated in chunks, never past 32 MiB (a zip bomb
stops there), into expat behind ``defusedxml`` (a DTD, an entity declaration or an external
reference is refused, so no entity can expand): one pass, linear in the input, building no
tree, with caps on nesting depth, on elements and on the size of one tag, so a hostile
document costs a bounded time (seconds at worst) and the parse, which returns to Python at
every element, never holds the GIL for long (a worker thread leaves the TUI responsive).
"""

from __future__ import annotations

import codecs
import io
import lzma
import re
import shlex
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from rich.filesize import decimal as human_bytes

from yike_tui.safety.safe_read import NotReadable, read_regular
from yike_tui.safety.safe_text import clean

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

MAX_BYTES = 5 * 1024 * 1024
MAX_CHARS = 30_000
EXTENSIONS = (".txt", ".docx")
# The XML of 30,000 characters is far below this; more is a bomb or not a novel.
MAX_DOCX_XML_BYTES = 32 * 1024 * 1024
# A Word file has a few dozen parts (a few hundred with many pictures).
MAX_DOCX_ENTRIES = 10_000
# Word nests tables and text boxes a few dozen deep at most.
MAX_XML_DEPTH = 256
# Elements, attributes, comments and processing instructions: 30,000 characters, each in a
# run of its own with a dozen formatting elements, stay under this; a hostile document
# reaches it in a second or two.
MAX_XML_ELEMENTS = 1_000_000
# One tag (attributes and all), comment or processing instruction: this cap bounds the one
# C call (GIL held) that ends a token, ~0.15 s for a tag of 40,000 attributes.
MAX_XML_TOKEN_BYTES = 512 * 1024
_XML_CHUNK = 64 * 1024
# Enough text to tell an encoding; a novel of 30,000 two-byte characters nearly fills it.
_DETECT_BYTES = 64 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCUMENT, _P, _R, _T = f"{_W}document", f"{_W}p", f"{_W}r", f"{_W}t"
_RUN_CHARS = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n"}
# What Word shows instead when it understands the Choice beside it: the same text again.
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # an OLE stream's name
# What zipfile raises on a broken or hostile archive: encrypted parts (RuntimeError), offsets
# that wrap negative (ValueError) or pass 2**63 (OverflowError), bad compressed data (zlib,
# lzma, bz2's OSError, EOFError), short fields (struct), names that are not UTF-8
# (UnicodeDecodeError, a ValueError), unknown compression methods (NotImplementedError).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    RuntimeError,
    ValueError,
    OverflowError,
    NotImplementedError,
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
)

# What a novel not in UTF-8 may be in: Chinese (GB18030 reads GBK and GB2312 too), Japanese,
# Korean, Western. Rarer ones are left out: on a short text they win by chance (a few
# Chinese characters read as Urdu).
_CANDIDATES = [
    "gb18030",
    "big5",
    "big5hkscs",
    "cp950",
    "cp932",
    "shift_jis",
    "euc_jp",
    "euc_jis_2004",
    "cp949",
    "euc_kr",
    "cp1252",
]
# Bytes past ASCII below which no encoding can be told from another: 48 are some 30 Chinese
# characters (every one has a lead byte past ASCII, most a second byte too), which read as
# well in GB18030, Big5, CP949 or Shift-JIS; GB18030 is taken.
_TOO_FEW_TO_TELL = 48
_ASCII = bytes(range(0x80))
# The candidates' names where iconv spells them otherwise than in capitals with dashes.
_ICONV = {
    "big5hkscs": "BIG5-HKSCS",
    "shift_jis": "SHIFT_JIS",
    "euc_jis_2004": "EUC-JISX0213",
}
# Bytes that may sit inside a multi-byte character (GB18030's four-byte ones hold digits):
# a sample is cut after the last byte that cannot, never inside a character.
_MID_CHARACTER = bytes(range(0x30, 0x100))

# Control characters a preview must not carry to a terminal (tab and newline stay).
_PREVIEW_DROP = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
# What a script looks like: scene headings, or "NAME: line" dialogue.
_SCENE = re.compile(
    r"^\s*(INT\.|EXT\.|INT/EXT|场景|第[0-9一二三四五六七八九十百]+场|SCENE\b)", re.I
)
_SPEAKER = re.compile(r"^\s*[^\s:：]{1,20}\s*[:：]\s*\S")


class NovelFileError(ValueError):
    """A file Yike would not take; ``str()`` is one line naming the file and the problem."""


@dataclass(frozen=True)
class NovelFile:
    path: Path
    ext: str  # ".txt" or ".docx"
    size: int  # bytes on disk
    chars: int  # characters of text (what the 30,000 limit counts)
    text: str

    def describe(self) -> str:
        """What goes up, for the summary before a submit: ``name (7.3 kB, 2,441 characters)``."""
        size = human_bytes(self.size)
        return f"{clean(self.path.name, one_line=True)} ({size}, {self.chars:,} characters)"

    def preview(self, limit: int = 1000) -> str:
        """The first ``limit`` or so characters, with control characters removed."""
        return _PREVIEW_DROP.sub("", self.text[:limit].replace("\r\n", "\n"))

    def source_type_guess(self) -> str:
        """``Script`` when the opening reads like one (scene headings, or most lines being
        ``NAME: line``), else ``Novel``: a proposal for the user to confirm, as the skill does."""
        lines = [line for line in self.preview(3000).splitlines() if line.strip()]
        if not lines:
            return "Novel"
        scenes = sum(1 for line in lines if _SCENE.match(line))
        speakers = sum(1 for line in lines if _SPEAKER.match(line))
        if scenes >= 2 or (scenes >= 1 and speakers * 3 >= len(lines)):
            return "Script"
        return "Script" if speakers * 2 > len(lines) else "Novel"


def _name(path: Path) -> str:
    return repr(path.name)[1:-1] or str(path)  # escapes control characters: one line


# --- .txt ------------------------------------------------------------------------------------


def _decode_txt(data: bytes, path: Path, shown: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise NovelFileError(f"{shown}: starts as UTF-16 but is not valid UTF-16") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _decode_not_utf8(data, path, shown)


def _decode_not_utf8(data: bytes, path: Path, shown: str) -> str:
    """GB18030 when that is what the text is; else a refusal naming what it looks like."""
    if len(data[:_DETECT_BYTES].translate(None, _ASCII)) < _TOO_FEW_TO_TELL:
        try:
            return data.decode("gb18030")  # the encoding Chinese novels come in
        except UnicodeDecodeError:
            pass
    guess = _guess_encoding(data)
    if guess is None:
        raise NovelFileError(
            f"{shown}: not text in UTF-8, GB18030 or any one encoding; "
            "save it as UTF-8 text and try again"
        )
    codec, language = guess
    if codec != "gb18030":
        raise NovelFileError(_convert_hint(path, shown, codec, language))
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise NovelFileError(
            f"{shown}: starts as GB18030 but byte {exc.start:,} is not; "
            "save it as UTF-8 text and try again"
        ) from None


def _guess_encoding(data: bytes) -> tuple[str, str] | None:
    """The codec (Python's name) and language the first 64 KiB read best as, or None.

    Ties go to GB18030: a few Chinese characters fit several encodings equally well, and
    GB18030 is the one Chinese novels come in."""
    from charset_normalizer import from_bytes  # 30 ms to import: only for a file not UTF-8

    sample = data[:_DETECT_BYTES]
    if len(data) > len(sample):
        sample = sample.rstrip(_MID_CHARACTER) or sample
    matches = from_bytes(sample, cp_isolation=_CANDIDATES, enable_fallback=False)
    best = matches.best()
    if best is None:
        return None
    gb = next((m for m in matches if m.encoding == "gb18030"), None)
    if gb is not None and _fit(gb) <= _fit(best):
        return gb.encoding, gb.language
    return best.encoding, best.language


def _fit(match: CharsetMatch) -> tuple[float, float]:
    """How well a decoding reads, lower is better: garbled first, then unlike a language."""
    return round(match.chaos, 2), -round(match.coherence, 2)


def _convert_hint(path: Path, shown: str, codec: str, language: str) -> str:
    name = _ICONV.get(codec, codec.upper().replace("_", "-"))
    known = f"{name} ({language})" if language and language != "Unknown" else name
    source = path.name if path.name.isprintable() else "novel.txt"
    target = f"{Path(source).stem}-utf8.txt"
    command = f"iconv -f {name} -t UTF-8 {shlex.quote(source)} > {shlex.quote(target)}"
    return f"{shown}: looks like {known} text, which Yike would read garbled; convert it: {command}"


# --- .docx -----------------------------------------------------------------------------------


def _not_word(shown: str, what: str) -> NovelFileError:
    return NovelFileError(
        f"{shown}: not a Word document as Word saves one ({what}); "
        "open it in Word and save it again"
    )


class _DocumentText:
    """The parser's target: the paragraphs' text, and the caps that stop a hostile document.

    Keeps at most ``MAX_CHARS + 1`` characters (a longer text is refused whatever it says)
    while counting them all. A paragraph inside another (a text box) starts a line of its
    own, and so does what follows it.
    """

    def __init__(self, shown: str) -> None:
        self._shown = shown
        self._open: list[str] = []  # the elements open now, outermost first
        self._elements = 0
        self._skip_below = 0  # inside an mc:Fallback opened at this depth
        self._in_text = False
        self._paragraphs = 0  # seen so far
        self._open_paragraphs = 0
        self._kept: list[str] = []
        self._kept_chars = 0
        self.chars = 0

    @property
    def text(self) -> str:
        return "".join(self._kept)

    def _emit(self, text: str) -> None:
        self.chars += len(text)
        if self._kept_chars <= MAX_CHARS:
            self._kept.append(text)
            self._kept_chars += len(text)

    def _count(self, items: int) -> None:
        self._elements += items
        if self._elements > MAX_XML_ELEMENTS:
            raise _not_word(
                self._shown, f"its text part holds over {MAX_XML_ELEMENTS:,} XML elements"
            )

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._count(1 + len(attrib))
        parent = self._open[-1] if self._open else None
        self._open.append(tag)
        if len(self._open) > MAX_XML_DEPTH:
            raise _not_word(self._shown, f"its text part nests XML over {MAX_XML_DEPTH} deep")
        if parent is None and tag != _DOCUMENT:
            raise NovelFileError(
                f"{self._shown}: not a Word document (its text part is not WordprocessingML); "
                "open it in Word and save it as a Word Document (.docx)"
            )
        if self._skip_below:
            return
        if tag == _FALLBACK:
            self._skip_below = len(self._open)
        elif tag == _P:
            if self._paragraphs:
                self._emit("\n")
            self._paragraphs += 1
            self._open_paragraphs += 1
        elif parent == _R:
            if tag == _T:
                self._in_text = True
            elif tag in _RUN_CHARS:
                self._emit(_RUN_CHARS[tag])

    def end(self, tag: str) -> None:
        depth = len(self._open)
        self._open.pop()
        if self._skip_below:
            if depth == self._skip_below:
                self._skip_below = 0
            return
        if tag == _T:
            self._in_text = False
        elif tag == _P:
            self._open_paragraphs -= 1
            if self._open_paragraphs:  # the text box ended: its paragraph goes on below
                self._emit("\n")

    def data(self, text: str) -> None:
        if self._in_text and not self._skip_below:
            self._emit(text)

    def comment(self, text: str) -> None:
        self._count(1)  # ignored, but each costs a call like an element

    def pi(self, target: str, text: str) -> None:
        self._count(1)

    def close(self) -> None:
        return None


def _next_read(pending: int) -> int:
    """How much to feed next. Expat before 2.6 re-reads an unfinished token from its start
    on every chunk fed: a long token is fed in reads as long as it is (so it is read a few
    times over, not once a chunk), and never past the cap by more than a chunk."""
    return max(_XML_CHUNK, min(pending, MAX_XML_TOKEN_BYTES - pending))


@contextmanager
def _xml_refused(shown: str) -> Iterator[None]:
    """What expat and defusedxml raise on a bad document, as one line."""
    try:
        yield
    except NovelFileError:
        raise
    except DefusedXmlException:
        raise NovelFileError(
            f"{shown}: a .docx with a DOCTYPE or entities is not a Word document; "
            "open it in Word and save it again"
        ) from None
    except (ParseError, ValueError) as exc:  # ValueError: an encoding expat cannot take
        where = " ".join(str(exc).split())
        raise NovelFileError(
            f"{shown}: its text part is not well-formed XML ({where}); "
            "open it in Word and save it again"
        ) from None


def _parse_document(member: IO[bytes], shown: str) -> _DocumentText:
    """``word/document.xml`` read in chunks through expat: one pass, no tree. What the zip
    raises while inflating goes to the caller."""
    target = _DocumentText(shown)
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    expat = parser.parser
    fed = 0
    size = _XML_CHUNK
    while chunk := member.read(size):
        fed += len(chunk)
        if fed > MAX_DOCX_XML_BYTES:
            raise NovelFileError(
                f"{shown}: its text part inflates past {MAX_DOCX_XML_BYTES} bytes; "
                "a novel of 30,000 characters is far smaller"
            )
        with _xml_refused(shown):
            parser.feed(chunk)
        pending = fed - expat.CurrentByteIndex  # bytes of a token not finished yet
        if pending > MAX_XML_TOKEN_BYTES:
            raise _not_word(
                shown, f"its text part has a tag or comment over {MAX_XML_TOKEN_BYTES:,} bytes"
            )
        size = _next_read(pending)
    with _xml_refused(shown):
        parser.close()
    return target


def _not_a_zip(data: bytes, shown: str) -> NovelFileError:
    if data.startswith(_OLE_MAGIC):  # Word's own encryption wraps the zip in OLE
        if _ENCRYPTED_PACKAGE in data:
            return NovelFileError(f"{shown}: is password-protected; save an unprotected copy")
        return NovelFileError(
            f"{shown}: an older Word (.doc) file named .docx; "
            "open it in Word and save it as a Word Document (.docx)"
        )
    return NovelFileError(
        f"{shown}: not a readable .docx (a zip) file; open it in Word and save it again"
    )


def _document_entry(archive: zipfile.ZipFile, shown: str) -> zipfile.ZipInfo:
    if len(archive.infolist()) > MAX_DOCX_ENTRIES:
        raise NovelFileError(
            f"{shown}: a zip of {len(archive.infolist()):,} parts, "
            f"over the {MAX_DOCX_ENTRIES:,} a Word document could have"
        )
    try:
        info = archive.getinfo("word/document.xml")
    except KeyError:
        raise NovelFileError(
            f"{shown}: not a Word document (no word/document.xml inside)"
        ) from None
    if info.flag_bits & 0x1:
        raise NovelFileError(f"{shown}: is password-protected; save an unprotected copy")
    if info.file_size > MAX_DOCX_XML_BYTES:
        raise NovelFileError(
            f"{shown}: its text part inflates to {info.file_size} bytes; "
            f"the most read is {MAX_DOCX_XML_BYTES}"
        )
    return info


def _decode_docx(data: bytes, shown: str) -> tuple[str, int]:
    """The text (complete up to ``MAX_CHARS + 1`` characters) and its length."""
    if data.startswith(_OLE_MAGIC):
        raise _not_a_zip(data, shown)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = _document_entry(archive, shown)
            with archive.open(info) as member:  # the header's size may lie: read is capped
                document = _parse_document(member, shown)
    except NovelFileError:
        raise
    except _ZIP_ERRORS:
        raise _not_a_zip(data, shown) from None
    return document.text, document.chars


def read_novel(path: Path) -> NovelFile:
    """The checked file, or NovelFileError: wrong extension, missing, a symlink or not a
    regular file, unreadable, over 5 MB, not text, empty, or over 30,000 characters."""
    path = Path(path)
    shown = _name(path)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        got = f"a {ext} file" if ext else "a file without an extension"
        raise NovelFileError(f"{shown}: {got}; Yike takes {' or '.join(EXTENSIONS)}")
    try:
        data = read_regular(path, MAX_BYTES)
    except NotReadable as exc:
        if "bytes; the most" in str(exc) or "grew past" in str(exc):
            raise NovelFileError(
                f"{shown}: over {MAX_BYTES // (1024 * 1024)} MB, the most Yike takes"
            ) from None
        raise NovelFileError(f"{shown}: {exc}") from None
    except PermissionError:
        raise NovelFileError(f"{shown}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise NovelFileError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if data is None:
        raise NovelFileError(f"{shown}: no such file")
    if ext == ".docx":
        text, chars = _decode_docx(data, shown)
    else:
        text = _decode_txt(data, path, shown)
        chars = len(text)
    if chars > MAX_CHARS:
        raise NovelFileError(
            f"{shown}: {chars:,} characters; Yike takes at most {MAX_CHARS:,} (split it)"
        )
    if not text.strip():
        raise NovelFileError(f"{shown}: empty (no text in it)")
    if "\x00" in text:
        raise NovelFileError(
            f"{shown}: holds NUL characters, so it is not plain text "
            "(UTF-16 without a byte-order mark?); save it as UTF-8 text and try again"
        )
    return NovelFile(path=path, ext=ext, size=len(data), chars=chars, text=text)
