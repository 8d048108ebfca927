"""Every key, with the binding id that config.toml's ``[keys]`` rebinds; and the
movement keys every pane shares (README: ``↑/↓ j/k, g/G``), under the job table's ids so
one rebinding moves them all."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, Keys


def bound_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys ``binding`` answers to now: config.toml's ``[keys]`` rebinding, else its own."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [key.strip() for key in keys.split(",")]


def refusal(
    key: str,
    bindings: Iterable[Binding],
    keymap: Mapping[str, str],
    reason: str = "started with --readonly",
) -> str | None:
    """Why ``key`` does nothing when it is one of ``bindings`` (the keys turned off and
    hidden: under --readonly, or without credentials): a key that does nothing still says
    why."""
    for binding in bindings:
        if key in bound_keys(binding, keymap):
            return f"Read-only ({reason}): {binding.description} is off."
    return None


def key_display(app: App[Any], binding: Binding) -> str:
    """The keys ``binding`` answers to now, as the footer draws them (``/``, ``?``, ``^x``)
    rather than Textual's names (``slash``, ``question_mark``): for ? and the palette."""
    keys = bound_keys(binding, app._keymap)  # config.toml's [keys], as installed on the app
    return " / ".join(app.get_key_display(Binding(key, binding.action)) for key in keys)


PANES = Binding.Group("Pane", compact=True)  # the footer shows 1..4 as one "1234 Pane"


def _b(
    key: str,
    action: str,
    description: str,
    binding_id: str,
    show: bool = True,
    group: Binding.Group | None = None,
) -> Binding:
    return Binding(key, action, description, show=show, id=binding_id, group=group)


# In the order ? lists them. Ctrl-C is the App's (it quits from anywhere); the rest are
# the main screen's, which owns what they act on.
KEYS: tuple[Binding, ...] = (
    _b("q", "app.quit", "Quit", "quit"),
    # Ctrl-C quits, as in every other terminal monitor (Textual only hints at ctrl+q).
    _b("ctrl+c", "quit", "Quit", "quit_ctrl_c", show=False),
    _b("question_mark", "help", "Help", "help"),
    _b("c", "copy_url", "Copy URL", "copy_url"),
    _b("y", "copy_id", "Copy id", "copy_id", show=False),
    _b("o", "open", "Open", "open"),
    _b("n", "submit", "New job", "submit"),
    _b("a", "add", "Add", "add"),
    _b("d", "remove", "Remove", "remove", show=False),
    _b("r", "refresh", "Refresh", "refresh"),
    _b("R", "refresh_all", "Refresh all", "refresh_all", show=False),
    _b("p", "pause", "Pause", "pause"),
    _b("slash", "filter", "Filter", "filter"),
    _b("escape", "clear_filter", "Clear filter", "clear_filter", show=False),
    _b("s", "sort", "Sort", "sort", show=False),
    # htop's I / k9s's second press: the same sort the other way round.
    _b("S", "reverse_sort", "Reverse sort", "sort_reverse", show=False),
    _b("e", "events", "Events", "events"),
    # lazygit's zoom: the focused pane alone, full size; again for all panes.
    _b("z", "zoom", "Zoom", "zoom"),
    _b("1", "pane('jobs')", "Jobs", "pane_jobs", group=PANES),
    _b("2", "pane('detail')", "Detail", "pane_detail", group=PANES),
    _b("3", "pane('tree')", "Storyboards", "pane_storyboards", group=PANES),
    _b("4", "pane('events')", "Events", "pane_events", group=PANES),
    _b("u", "resume_job", "Resume job", "resume_job", show=False),
    _b("D", "download", "Download", "download", show=False),
    _b("ctrl+x", "cancel_downloads", "Cancel downloads", "cancel_downloads", show=False),
    _b("m", "report", "Copy report", "report", show=False),
    # What a k9s user presses for commands: the palette, as ctrl+p.
    _b("colon", "app.command_palette", "Commands", "palette", show=False),
)
APP_KEYS = tuple(b for b in KEYS if b.id == "quit_ctrl_c")
# The footer draws the screen's keys in this order and an 80-column one cuts the rest:
# what a user reaches for first, first (? still lists them all, in KEYS order).
FOOTER_FIRST: tuple[str, ...] = ("quit", "help", "filter", "copy_url", "open", "events", "zoom")
FOOTER_FIRST += tuple(f"pane_{name}" for name in ("jobs", "detail", "storyboards", "events"))
MAIN_KEYS = tuple(
    sorted(
        (b for b in KEYS if b not in APP_KEYS),
        key=lambda b: FOOTER_FIRST.index(b.id) if b.id in FOOTER_FIRST else len(FOOTER_FIRST),
    )
)


# The job table's movement: the arrows, home/end, and vi's keys beside them.
TABLE_MOVE_KEYS: tuple[Binding, ...] = (
    _b("up,k", "cursor_up", "Up", "up", show=False),
    _b("down,j", "cursor_down", "Down", "down", show=False),
    _b("home,g", "top", "Top", "top", show=False),
    _b("end,G", "bottom", "Bottom", "bottom", show=False),
    _b("pageup,ctrl+u", "page_up", "Page up", "page_up", show=False),
    _b("pagedown,ctrl+d", "page_down", "Page down", "page_down", show=False),
)

# Panes that scroll (the detail pane, the help screen): j/k a line, g/G the top/bottom. The
# arrows, home/end and pgup/pgdn come with Textual's scrolling containers.
SCROLL_KEYS: tuple[Binding, ...] = (
    _b("k", "scroll_up", "Up", "up", show=False),
    _b("j", "scroll_down", "Down", "down", show=False),
    _b("g", "scroll_home", "Top", "top", show=False),
    _b("G", "scroll_end", "Bottom", "bottom", show=False),
    _b("ctrl+u", "page_up", "Page up", "page_up", show=False),
    _b("ctrl+d", "page_down", "Page down", "page_down", show=False),
)

# The storyboard tree moves its cursor instead (copy and open act on the node under it).
TREE_KEYS: tuple[Binding, ...] = (
    _b("k", "cursor_up", "Up", "up", show=False),
    _b("j", "cursor_down", "Down", "down", show=False),
    _b("home,g", "first", "Top", "top", show=False),
    _b("end,G", "last", "Bottom", "bottom", show=False),
    _b("pageup,ctrl+u", "page_up", "Page up", "page_up", show=False),
    _b("pagedown,ctrl+d", "page_down", "Page down", "page_down", show=False),
)

# On the storyboard tree, y and o act on the storyboard under the cursor (its editor page).
# The job's y and o binding ids: one rebinding moves both.
STORYBOARD_KEYS: tuple[Binding, ...] = (
    _b("y", "copy_editor_link", "Copy editor link", "copy_id"),
    _b("o", "open_editor", "Open editor", "open"),
)


# --- config.toml's [keys], checked -----------------------------------------------------------

_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED_KEYS = frozenset(key.value.rpartition("+")[2] for key in Keys)
_UNICODE_NAMES = {short: long for long, short in KEY_NAME_REPLACEMENTS.items()}
# The keys a rebinding never takes away: a user can always move with the arrows.
_KEPT = frozenset({"up", "down", "home", "end", "pageup", "pagedown"})


def is_key_name(key: str) -> bool:
    """``ctrl+r``, ``n``, ``f5``, ``question_mark``, ``slash``: a key Textual can bind."""
    *modifiers, base = key.split("+")
    if not base or any(m not in _MODIFIERS for m in modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    if base in _NAMED_KEYS:
        return True
    name = _UNICODE_NAMES.get(base, base)
    try:
        unicodedata.lookup(KEY_TO_UNICODE_NAME.get(name, name.upper().replace("_", " ")))
    except KeyError:
        return False
    return True


_ALL = (*KEYS, *TABLE_MOVE_KEYS, *SCROLL_KEYS, *TREE_KEYS, *STORYBOARD_KEYS)


def _defaults() -> dict[str, list[str]]:
    """Every binding id config.toml may rebind, with its own keys (first binding wins)."""
    found: dict[str, list[str]] = {}
    for binding in _ALL:
        if binding.id and binding.id not in found:
            found[binding.id] = bound_keys(binding, {})
    return found


def _described(action: str) -> str:
    return next((b.description for b in _ALL if b.id == action), action)


def checked_keymap(wanted: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """config.toml's ``[keys]`` made safe to install, and one warning per rebinding left out.

    Left out: an action that does not exist, a value that is not a key, a key another
    action has (it would silently take it away). The arrows, home/end and page keys of a
    movement action stay bound whatever it is rebound to.
    """
    defaults = _defaults()
    warnings: list[str] = []
    taken = {key: action for action, keys in defaults.items() for key in keys}
    keymap: dict[str, str] = {}
    for action, value in wanted.items():
        shown = f"[keys] {action} = {value!r}"
        if action not in defaults:
            warnings.append(f"{shown}: no such action (ignored); `?` lists them")
            continue
        keys = [key.strip() for key in value.split(",")]
        bad = [key for key in keys if not is_key_name(key)]
        if bad:
            warnings.append(f"{shown}: {bad[0]!r} is not a key name (ignored)")
            continue
        clash = next((k for k in keys if taken.get(k, action) != action), None)
        if clash is not None:
            other = taken[clash]  # a rebinding never silently takes a key away
            warnings.append(f"{shown}: {clash} is {_described(other)}'s already (ignored)")
            continue
        for key in defaults[action]:  # its old keys are free for the actions after it
            if taken.get(key) == action:
                del taken[key]
        kept = [key for key in defaults[action] if key in _KEPT and key not in keys]
        keymap[action] = ",".join([*kept, *keys])
        taken.update(dict.fromkeys(keymap[action].split(","), action))
    return keymap, warnings
