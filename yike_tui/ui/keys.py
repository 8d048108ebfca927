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
    priority: bool = False,
) -> Binding:
    return Binding(
        key, action, description, show=show, id=binding_id, group=group, priority=priority
    )


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
    # k9s's esc: backs out a level, the filter first, then the marks.
    _b("escape", "clear_filter", "Clear filter, then marks", "clear_filter", show=False),
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
    _b("colon", "app.command_palette", "Command palette", "palette", show=False),
    # Textual's own (the screen's tab and shift+tab, the app's ctrl+p), here with ids.
    _b("tab", "app.focus_next", "Next pane", "next_pane", show=False),
    _b("shift+tab", "app.focus_previous", "Previous pane", "previous_pane", show=False),
    _b("ctrl+p", "command_palette", "palette", "palette_ctrl_p", show=False, priority=True),
)
# The app's: they work on every screen (ctrl+p replaces Textual's binding of it, so the
# footer's "^p palette" is this one).
APP_KEYS = tuple(b for b in KEYS if b.id in ("quit_ctrl_c", "palette_ctrl_p"))
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

# The job list's own: enter reads the detail, space marks the row for u, d, D, c, y and m.
TABLE_KEYS: tuple[Binding, ...] = (
    *TABLE_MOVE_KEYS,
    _b("enter", "select", "Detail of the job", "select", show=False),
    _b(
        "space", "toggle_mark", "Mark for u d D c y m", "mark", show=False
    ),  # the footer keeps q ? / c o e z
)

# The event log's: it moves like the job list (the same ids), enter goes to the job.
JUMP = _b("enter", "jump", "Go to its job", "jump")
EVENT_LOG_KEYS: tuple[Binding, ...] = (*TABLE_MOVE_KEYS, JUMP)

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

# A storyboard with failed shots folds them away (Textual's Tree keys, here with ids).
FOLD_KEYS: tuple[Binding, ...] = (
    _b("space,enter", "toggle_node", "Fold or unfold", "fold", show=False),
    _b("shift+space", "toggle_expand_all", "Fold or unfold all", "fold_all", show=False),
)

# The storyboard tree moves its cursor instead (copy and open act on the node under it).
TREE_KEYS: tuple[Binding, ...] = (
    _b("k", "cursor_up", "Up", "up", show=False),
    _b("j", "cursor_down", "Down", "down", show=False),
    _b("home,g", "first", "Top", "top", show=False),
    _b("end,G", "last", "Bottom", "bottom", show=False),
    _b("pageup,ctrl+u", "page_up", "Page up", "page_up", show=False),
    _b("pagedown,ctrl+d", "page_down", "Page down", "page_down", show=False),
    *FOLD_KEYS,
)

# On the storyboard tree, y and o act on the storyboard under the cursor (its editor page).
# The job's y and o binding ids: one rebinding moves both.
STORYBOARD_KEYS: tuple[Binding, ...] = (
    _b("y", "copy_editor_link", "Copy editor link", "copy_id"),
    _b("o", "open_editor", "Open editor", "open"),
)

# The dialogs' (add, submit; yes/no; ?). The description of a form's ctrl+s is its own.
CANCEL = _b("escape", "cancel", "Cancel", "dialog_cancel")


def submit_key(description: str) -> Binding:
    return _b("ctrl+s", "submit", description, "dialog_submit", priority=True)


CONFIRM_KEYS: tuple[Binding, ...] = (
    _b("escape,n", "answer(False)", "No", "confirm_no"),
    _b("y", "answer(True)", "Yes", "confirm_yes"),
)
HELP_KEYS: tuple[Binding, ...] = (
    _b("escape", "close", "Close", "help_close"),
    _b("q,question_mark", "close", "Close", "help_close_q", show=False),
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


# Where each set of bindings is in force, and which of those places are in force together
# (the focused widget's, its screen's and the app's): two actions may share a key only
# where they never are. Enter reads a job's detail in the list, folds in the tree and goes
# to the job in the event log.
SCOPES: dict[str, tuple[Binding, ...]] = {
    "app": APP_KEYS,
    "main": tuple(b for b in KEYS if b not in APP_KEYS),
    "jobs": TABLE_KEYS,
    "scroll": SCROLL_KEYS,  # the detail pane and the help's list
    "tree": (*TREE_KEYS, *STORYBOARD_KEYS),
    "events": EVENT_LOG_KEYS,
    "help": HELP_KEYS,
    "form": (CANCEL, submit_key("Submit")),
    "confirm": CONFIRM_KEYS,
}
TOGETHER: tuple[frozenset[str], ...] = tuple(
    frozenset({"app", *places})
    for places in (
        ("main", "jobs"),
        ("main", "scroll"),
        ("main", "tree"),
        ("main", "events"),
        ("help", "scroll"),
        ("form",),
        ("confirm",),
    )
)
_ALL = tuple(binding for bindings in SCOPES.values() for binding in bindings)


def _defaults() -> dict[str, list[str]]:
    """Every binding id config.toml may rebind, with its own keys (first binding wins)."""
    found: dict[str, list[str]] = {}
    for binding in _ALL:
        if binding.id and binding.id not in found:
            found[binding.id] = bound_keys(binding, {})
    return found


def _scopes() -> dict[str, frozenset[str]]:
    """Binding id -> the places it is in force."""
    found: dict[str, set[str]] = {}
    for place, bindings in SCOPES.items():
        for binding in bindings:
            if binding.id:
                found.setdefault(binding.id, set()).add(place)
    return {action: frozenset(places) for action, places in found.items()}


def _meet(first: frozenset[str], then: frozenset[str]) -> bool:
    """Whether bindings in force in ``first`` and in ``then`` are ever in force together."""
    return any(group & first and group & then for group in TOGETHER)


def _described(action: str) -> str:
    return next((b.description for b in _ALL if b.id == action), action)


def checked_keymap(wanted: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """config.toml's ``[keys]`` made safe to install, and one warning per rebinding left out.

    Left out: an action that does not exist, a value that is not a key, a key another
    action has (it would silently take it away). The arrows, home/end and page keys of a
    movement action stay bound whatever it is rebound to.
    """
    defaults, scopes = _defaults(), _scopes()
    warnings: list[str] = []
    taken: dict[str, list[str]] = {}  # key -> the actions holding it, in the key table's order
    for action, keys in defaults.items():
        for key in keys:
            taken.setdefault(key, []).append(action)
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
        clash = next(
            (
                (key, other)
                for key in keys
                for other in taken.get(key, [])
                if other != action and _meet(scopes[action], scopes[other])
            ),
            None,
        )
        if clash is not None:  # a rebinding never silently takes a key away
            key, other = clash
            warnings.append(f"{shown}: {key} is {_described(other)}'s already (ignored)")
            continue
        for key in defaults[action]:  # its old keys are free for the actions after it
            if action in taken.get(key, []):
                taken[key].remove(action)
        kept = [key for key in defaults[action] if key in _KEPT and key not in keys]
        keymap[action] = ",".join([*kept, *keys])
        for key in keymap[action].split(","):
            taken.setdefault(key, []).append(action)
    return keymap, warnings
