"""A pane that scrolls with the keys every pane has (j/k, the arrows, pgup/pgdn, ctrl+d/
ctrl+u, g/G, Home/End), each key at once and in the order typed.

Textual puts a key's scroll off until after the next frame; keys typed quickly arrive in one
read from the terminal and are handled back to back, so a ``j`` put off that way lands after
the ``g`` typed after it, and the pane stops a line short of the top. Here every key scrolls
when handled: the top is the top.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType
from textual.containers import VerticalScroll

from yike_tui.ui.keys import SCROLL_KEYS


class KeyedScroll(VerticalScroll):
    BINDINGS: ClassVar[list[BindingType]] = list(SCROLL_KEYS)

    def action_scroll_up(self) -> None:
        self.scroll_up(immediate=True)

    def action_scroll_down(self) -> None:
        self.scroll_down(immediate=True)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def _page(self, direction: int) -> None:
        # From where the keys before it are taking the pane (Textual's own page starts from
        # where an animation has got to, and is put off).
        page = self.scrollable_content_region.height
        self.scroll_to(y=self.scroll_target_y + direction * page, immediate=True)

    # The top and the bottom are reached at once, not animated: a key typed next starts
    # from there.
    def action_scroll_home(self) -> None:
        self.scroll_to(0, 0, animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        self.scroll_to(0, self.max_scroll_y, animate=False, immediate=True)
