"""Storyboards of the selected job, with failed shots and their error codes under them.

The tree is rebuilt only when the job's storyboards change, and which storyboards are
expanded is remembered per job, so refreshes never fold what the user opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import Tree

from yike_tui.core import links
from yike_tui.core.models import Storyboard
from yike_tui.core.presentation import counted, storyboard_status, storyboard_symbol
from yike_tui.engine.job_state import JobState
from yike_tui.ui import cells
from yike_tui.ui.keys import STORYBOARD_KEYS, TREE_KEYS
from yike_tui.ui.messages import CopyRequested
from yike_tui.ui.output_links import open_in_browser

TITLE_CHARS = 40  # a storyboard's title in its label; the status follows it


@dataclass(frozen=True)
class StoryboardRef:
    job_id: str
    storyboard: Storyboard


def storyboard_label(sb: Storyboard) -> Text:
    """``✗ Market day  Failed · 1 failed shot  (Editing/CreateFailed, Exception)  st_1…``:
    the title, its status (the word, its failed shots, the vendor's values), the id. A
    narrow pane cuts from the right: what a reader looks for first comes first."""
    symbol = storyboard_symbol(sb)
    style = "red" if sb.is_failed else ("green" if sb.is_done else "cyan")
    word, vendor = storyboard_status(sb)
    text = Text(f"{symbol} ", style=style)
    if sb.title:
        text.append(cells.safe(sb.title, TITLE_CHARS))
    else:
        text.append("(untitled)", style="dim")
    text.append(f"  {word}", style=style)
    if sb.failed_shots:
        text.append(f" · {counted(len(sb.failed_shots), 'failed shot')}", style="bold red")
    if vendor:
        text.append(f"  ({cells.safe(vendor, 60)})", style=style)
    text.append(f"  {cells.safe(sb.id, 24)}", style="dim")
    return text


class StoryboardTree(Tree[StoryboardRef | None]):  # shot leaves carry None
    BINDINGS: ClassVar[list[BindingType]] = [*TREE_KEYS, *STORYBOARD_KEYS]

    def __init__(self, **kwargs: object) -> None:
        super().__init__("Storyboards", **kwargs)  # type: ignore[arg-type]
        self.show_root = True
        self._job_id: str | None = None
        self._shown: tuple[Storyboard, ...] | None = None
        self._expanded: dict[str, set[str]] = {}  # job id -> expanded storyboard ids

    @property
    def selected_storyboard(self) -> StoryboardRef | None:
        node = self.cursor_node
        while node is not None:
            if node.data is not None:
                return node.data
            node = node.parent
        return None

    def show(self, state: JobState | None) -> None:
        job = state.job if state else None
        job_id = state.job_id if state else None
        storyboards = job.storyboards if job else ()
        if job_id == self._job_id and storyboards == self._shown:
            return  # nothing changed: keep the cursor and the folding exactly as they are
        self._remember_expansion()
        cursor_id = self.selected_storyboard.storyboard.id if self.selected_storyboard else None
        self._job_id, self._shown = job_id, storyboards
        self.clear()
        root = self.root
        if job is None:
            root.set_label(Text("Storyboards", style="dim"))
            return
        root.set_label(Text(f"Storyboards {job.storyboards_done}/{len(storyboards)} done"))
        failed = {sb.id for sb in storyboards if sb.failed_shots}  # open by default
        expanded = self._expanded.setdefault(job_id or "", failed)
        cursor_line = -1
        for sb in storyboards:
            ref = StoryboardRef(job.id, sb)
            if sb.failed_shots:
                node = root.add(storyboard_label(sb), data=ref, expand=sb.id in expanded)
            else:
                node = root.add_leaf(storyboard_label(sb), data=ref)
            for shot in sb.failed_shots:
                label = Text(f"shot {cells.safe(shot.shot_id, 16)}: ", style="red")
                label.append(cells.safe(shot.error_code, 48), style="bold red")
                node.add_leaf(label, data=None)
            if sb.id == cursor_id:
                cursor_line = node.line
        root.expand()
        if cursor_line >= 0:
            self.call_after_refresh(self._restore_cursor, cursor_id)

    def _editor_link(self) -> str | None:
        """The editor page of the storyboard under the cursor; None, having said so, when
        it has none yet (still parsing) or the cursor is on no storyboard."""
        ref = self.selected_storyboard
        link = links.editor_url(ref.storyboard) if ref else None
        if link is None:
            message = "This storyboard has no editor page yet (still parsing)."
            self.notify(message, severity="warning")
        return link

    def action_copy_editor_link(self) -> None:
        link = self._editor_link()
        if link is not None:
            self.post_message(CopyRequested(link, "Copied editor link", link=True))

    def action_open_editor(self) -> None:
        link = self._editor_link()
        if link is not None:
            # On the screen, so an error lands in its one worker-error handler.
            work = open_in_browser(self, link)
            self.screen.run_worker(work, group="open", exit_on_error=False)

    def action_first(self) -> None:
        self.cursor_line = 0

    def action_last(self) -> None:
        self.cursor_line = self.last_line

    def _restore_cursor(self, storyboard_id: str | None) -> None:
        for node in self.root.children:
            if node.data is not None and node.data.storyboard.id == storyboard_id:
                self.move_cursor(node)
                return

    def _remember_expansion(self) -> None:
        if self._job_id is None:
            return
        self._expanded[self._job_id] = {
            node.data.storyboard.id
            for node in self.root.children
            if node.data is not None and node.is_expanded
        }
