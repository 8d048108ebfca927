"""A novel on disk, checked as Yike checks it, on real files: each refusal is one line
naming the file and what is wrong, before anything is sent."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from yike_tui.novel_file import MAX_BYTES, MAX_CHARS, NovelFileError, read_novel

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(path: Path, paragraphs: list[str], *, extra_xml: str = "") -> Path:
    body = "".join(
        f'<w:p><w:pPr/><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"{extra_xml}<w:document xmlns:w={W_NS!r}><w:body>{body}</w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return path


def refused(path: Path) -> str:
    with pytest.raises(NovelFileError) as caught:
        read_novel(path)
    text = str(caught.value)
    assert "\n" not in text and path.name[:5] in text  # one line, naming the file
    return text


def test_a_txt_is_read_with_its_size_and_characters(tmp_path: Path) -> None:
    path = tmp_path / "雨巷.txt"
    path.write_text("撑着油纸伞，独自\n彷徨在悠长、悠长\n", encoding="utf-8")
    novel = read_novel(path)
    assert (novel.ext, novel.chars, novel.size) == (".txt", 18, path.stat().st_size)
    assert novel.source_type_guess() == "Novel"


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "old.TXT"
    path.write_bytes("桃花源记".encode("gb18030"))
    assert read_novel(path).text == "桃花源记"


def test_the_preview_is_bounded_and_holds_no_escape(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("\x1b]52;c;aGk=\x07Title\u202e\r\n" + "x" * 5000, encoding="utf-8")
    preview = read_novel(path).preview()
    assert preview.startswith("]52;c;aGk=Title\n")  # the escape's bytes are inert text
    assert "\x1b" not in preview and "\x07" not in preview and "\u202e" not in preview
    assert len(preview) <= 1000


def test_a_screenplay_is_guessed_as_a_script(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(
        "INT. KITCHEN - NIGHT\nANNA: Who's there?\nBEN: Only me.\nANNA: At this hour?\n"
        "EXT. GARDEN - LATER\nBEN: Look.\n",
        encoding="utf-8",
    )
    assert read_novel(path).source_type_guess() == "Script"


def test_a_docx_is_its_paragraphs(tmp_path: Path) -> None:
    path = docx(tmp_path / "n.docx", ["First line &amp; more.", "Second."])
    novel = read_novel(path)
    assert novel.text == "First line & more.\nSecond."
    assert novel.ext == ".docx"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("n.pdf", b"%PDF-1.4", "a .pdf file; Yike takes .txt or .docx"),
        ("novel", b"text", "without an extension"),
        ("n.txt", b"", "empty"),
        ("n.txt", b" \n\t\n", "empty"),
        ("n.txt", "字".encode() * (MAX_CHARS + 1), f"{MAX_CHARS + 1:,} characters"),
        ("n.txt", b"\xff\xfe\x00\xd8", "not valid UTF-16"),
        ("n.docx", b"PK not a zip", "not a readable .docx"),
    ],
)
def test_bad_files_are_refused_in_one_line(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in refused(path)


def test_over_5_mb_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    assert "over 5 MB" in refused(path)


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("a story", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert "symbolic link" in refused(link)


def test_missing_a_directory_and_a_fifo_are_refused(tmp_path: Path) -> None:
    assert "no such file" in refused(tmp_path / "gone.txt")
    (tmp_path / "dir.txt").mkdir()
    assert "a directory" in refused(tmp_path / "dir.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    assert "FIFO" in refused(tmp_path / "pipe.txt")  # and it did not hang


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("a story", encoding="utf-8")
    path.chmod(0)
    assert "permission denied" in refused(path)


def test_a_docx_with_entities_or_a_bomb_is_refused(tmp_path: Path) -> None:
    laughs = '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]>'
    assert "DOCTYPE" in refused(docx(tmp_path / "laughs.docx", ["&a;"], extra_xml=laughs))
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:p>" + b" " * (40 * 1024 * 1024))
    assert bomb.stat().st_size < MAX_BYTES
    assert "inflates" in refused(bomb)


def test_a_docx_without_a_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "no word/document.xml" in refused(path)
