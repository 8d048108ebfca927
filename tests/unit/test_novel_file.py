"""A novel on disk, checked as Yike checks it, on real files: each refusal is one line
naming the file and what is wrong, before anything is sent."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from yike_tui.actions.novel_file import MAX_BYTES, MAX_CHARS, NovelFileError, read_novel

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


def _docx_of(path: Path, xml: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", xml)
    return path


MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
BODY = (
    "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>"
    "<w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/><w:t xml:space='preserve'> C &amp; &lt;D&gt;"
    " &#x4e2d;</w:t><w:cr/><w:t>E</w:t></w:r></w:p>"
    "<w:p/><!-- a comment --><?a-processing instruction?>"
    "<w:p><w:r><w:t>before</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires='wps'>"
    "<w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent></mc:Choice>"
    "<mc:Fallback><w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent>"
    "</mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>after</w:t></w:r></w:p>"
    "<w:p><w:r><w:delText>deleted</w:delText><w:instrText>PAGE</w:instrText>"
    "<w:t>kept</w:t></w:r></w:p>"
)
EXPECTED = "A\tB\n C & <D> 中\nE\n\nbefore\nbox\nafter\nkept"


@pytest.mark.parametrize(
    ("declare", "prefix"),
    [
        (f"xmlns:w='{W_NS}'", "w:"),  # as Word writes it
        (f"xmlns:x='{W_NS}'", "x:"),  # another prefix, the same namespace
        (f"xmlns='{W_NS}'", ""),  # the default namespace
    ],
)
def test_a_docx_paragraph_is_its_runs_text_tabs_and_breaks(
    tmp_path: Path, declare: str, prefix: str
) -> None:
    """Tabs and breaks in runs count (a tab stop in the paragraph's properties does not);
    entities are decoded; a text box is a line of its own, once (Word's fallback copy of it
    is skipped); deleted text, field codes, comments and processing instructions are not."""
    body = BODY.replace("<w:", f"<{prefix}").replace("</w:", f"</{prefix}")
    body = body.replace(" w:", f" {prefix}")
    xml = f"<?xml version='1.0'?><{prefix}document {declare} xmlns:mc='{MC_NS}'><{prefix}body>"
    xml += body + f"</{prefix}body></{prefix}document>"
    assert read_novel(_docx_of(tmp_path / "n.docx", xml.encode())).text == EXPECTED


def test_a_docx_in_utf16_is_read(tmp_path: Path) -> None:
    xml = (
        f'<?xml version="1.0" encoding="UTF-16"?><w:document xmlns:w="{W_NS}"><w:body>'
        "<w:p><w:r><w:t>雨巷</w:t></w:r></w:p></w:body></w:document>"
    )
    assert read_novel(_docx_of(tmp_path / "n.docx", xml.encode("utf-16"))).text == "雨巷"


def test_a_long_docx_is_refused_with_its_full_count(tmp_path: Path) -> None:
    """Past 30,000 characters the text is no longer kept, but still counted."""
    path = docx(tmp_path / "long.docx", ["字" * 20_000, "字" * 20_000])
    assert f"{40_001:,} characters; Yike takes at most {MAX_CHARS:,}" in refused(path)
