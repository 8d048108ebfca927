"""The submit form's path completion: real directories in tmp_path, bounded and symlink-free."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input

from tests.wait import wait_for
from yike_tui.ui.widgets.path_suggester import PathSuggester

EXT = (".txt", ".docx")


async def suggest(base: Path, value: str, limit: int = 2000) -> str | None:
    return await PathSuggester(EXT, base=base, limit=limit).get_suggestion(value)


async def test_completes_a_novel_and_a_folder_but_not_other_files(tmp_path: Path) -> None:
    (tmp_path / "novel.txt").write_text("x")
    (tmp_path / "notes.pdf").write_text("x")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "chapter one.docx").write_text("x")
    assert await suggest(tmp_path, "nov") == "novel.txt"
    assert await suggest(tmp_path, "not") is None  # a .pdf is never offered
    assert await suggest(tmp_path, "dr") == "drafts/"
    assert await suggest(tmp_path, "drafts/c") == "drafts/chapter one.docx"
    absolute = f"{tmp_path}/no"
    assert await suggest(Path("/"), absolute) == f"{tmp_path}/novel.txt"
    assert await suggest(tmp_path, "missing/x") is None


async def test_hidden_entries_only_once_a_dot_is_typed(tmp_path: Path) -> None:
    (tmp_path / ".secret.txt").write_text("x")
    (tmp_path / "sketch").mkdir()
    assert await suggest(tmp_path, "s") == "sketch/"
    assert await suggest(tmp_path, "sketch/") is None  # nothing visible inside
    assert await suggest(tmp_path, ".") == ".secret.txt"


async def test_symlinks_are_never_offered(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("x")
    os.symlink(tmp_path / "real.txt", tmp_path / "link.txt")
    os.symlink(tmp_path, tmp_path / "loop")  # a loop: nothing may walk into it
    assert await suggest(tmp_path, "li") is None
    assert await suggest(tmp_path, "lo") is None
    assert await suggest(tmp_path, "re") == "real.txt"


async def test_a_huge_directory_is_read_only_so_far(tmp_path: Path) -> None:
    for n in range(50):
        (tmp_path / f"part{n:02}.txt").write_text("x")
    # only the first ten entries, in the directory's own order, are looked at
    first_ten = [entry.name for _, entry in zip(range(10), os.scandir(tmp_path), strict=False)]
    assert await suggest(tmp_path, "part", limit=10) == min(first_ten)


async def test_right_arrow_accepts_the_completion_in_an_input(tmp_path: Path) -> None:
    (tmp_path / "the-long-novel.txt").write_text("x")

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(suggester=PathSuggester(EXT, base=tmp_path))

    app = One()
    async with app.run_test() as pilot:
        await pilot.press("t", "h")
        field = app.query_one(Input)
        await wait_for(pilot, lambda: field._suggestion, "a suggestion")
        await pilot.press("right")
        assert field.value == "the-long-novel.txt"
