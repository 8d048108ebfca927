"""A novel or script on disk, checked the way Yike will check it, before anything is sent.

Pure and offline: the limits are the vendor's (``.txt`` or ``.docx``, at most 5 MB, at most
30,000 characters of text), so a file Yike would refuse is refused here with one line
naming what is wrong, and nothing is uploaded. The file is read once, without following a
symlink and bounded (``safe_read``); a ``.docx`` is a zip whose text is the paragraphs of
``word/document.xml``, read with a cap on the inflated size (a zip bomb stops there) and
without an XML parser (no entity expansion can happen: a DOCTYPE is refused).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from yike_tui.safe_read import NotReadable, read_regular

MAX_BYTES = 5 * 1024 * 1024
MAX_CHARS = 30_000
EXTENSIONS = (".txt", ".docx")
# The XML of 30,000 characters is far below this; more is a bomb or not a novel.
MAX_DOCX_XML_BYTES = 32 * 1024 * 1024

_PARAGRAPH = re.compile(r"<w:p[\s>].*?</w:p>|<w:p/>", re.S)
_RUN_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>(.*?)</w:t>|<w:tab/>|<w:br/>", re.S)
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


def _decode_txt(data: bytes, shown: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise NovelFileError(f"{shown}: starts as UTF-16 but is not valid UTF-16") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # the other encoding Chinese novels come in
    except UnicodeDecodeError:
        raise NovelFileError(
            f"{shown}: not text in UTF-8 or GB18030; save it as UTF-8 text and try again"
        ) from None


def _decode_docx(data: bytes, shown: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                info = archive.getinfo("word/document.xml")
            except KeyError:
                raise NovelFileError(
                    f"{shown}: not a Word document (no word/document.xml inside)"
                ) from None
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise NovelFileError(
                    f"{shown}: its text part inflates to {info.file_size} bytes; "
                    f"the most read is {MAX_DOCX_XML_BYTES}"
                )
            with archive.open(info) as member:
                xml = member.read(MAX_DOCX_XML_BYTES + 1)  # the header's size may lie
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        raise NovelFileError(f"{shown}: not a readable .docx (a zip) file") from None
    if len(xml) > MAX_DOCX_XML_BYTES:
        raise NovelFileError(f"{shown}: its text part inflates past {MAX_DOCX_XML_BYTES} bytes")
    text = xml.decode("utf-8", "replace")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise NovelFileError(f"{shown}: a .docx with a DOCTYPE is not a Word document")
    paragraphs = []
    for para in _PARAGRAPH.finditer(text):
        runs = []
        for run in _RUN_TEXT.finditer(para.group()):
            tag = run.group()
            runs.append("\t" if tag == "<w:tab/>" else "\n" if tag == "<w:br/>" else run.group(1))
        paragraphs.append(html.unescape("".join(runs)))
    return "\n".join(paragraphs)


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
    text = _decode_docx(data, shown) if ext == ".docx" else _decode_txt(data, shown)
    if not text.strip():
        raise NovelFileError(f"{shown}: empty (no text in it)")
    chars = len(text)
    if chars > MAX_CHARS:
        raise NovelFileError(
            f"{shown}: {chars:,} characters; Yike takes at most {MAX_CHARS:,} (split it)"
        )
    return NovelFile(path=path, ext=ext, size=len(data), chars=chars, text=text)
