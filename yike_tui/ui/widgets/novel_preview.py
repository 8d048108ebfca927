"""The submit form's preview: the first ~1,000 characters of the file and its size in characters.

The file's text is data: control characters are made visible and nothing is read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from yike_tui.safety.safe_text import clean

PREVIEW_CHARS = 1000


class NovelPreview(Static):
    DEFAULT_CSS = """
    NovelPreview {
        height: auto;
        max-height: 12;
        border: round $primary-darken-2;
        border-title-align: left;
        padding: 0 1;
        overflow-y: auto;
        color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.show_hint("Type a path: its first lines show here.")

    def show_hint(self, hint: str) -> None:
        self.border_title = "Preview"
        self.update(Text(hint, style="dim italic"))

    def show_text(self, preview: str, chars: int, source_type: str) -> None:
        self.border_title = f"Preview · {chars:,} characters · looks like a {source_type}"
        self.update(Text(clean(preview[:PREVIEW_CHARS])))
