"""The submit form's choices: one Select per listed parameter (with its help) and a Switch.

The lists are the values documented for the API in use (``yike_tui.core.known_values``); a blank
choice means "not sent: the API's default". On the Yike product's API the form shows its
three parameters more. ``values()`` is what the form submits and remembers; ``apply()`` takes
remembered values back, keeping only those still on the lists (the state db is data, and a
list may have changed since).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal
from textual.widgets import Input, Label, Select, Switch

from yike_tui.actions import submit
from yike_tui.api.endpoints import APIS
from yike_tui.core import known_values
from yike_tui.core.known_values import KnownValues
from yike_tui.safety.safe_text import has_control
from yike_tui.ui.cells import safe

EXEC_MODE_HELP = {
    "FullPipeline": "storyboards, shots and the finished video",
    "StoryboardOnly": "stop at storyboards ready to edit",
}
ICE_VERSION, YIKE_VERSION = APIS["ice"].version, APIS["yike"].version
HELP_CHARS = 48  # an option's help is cut here: a compact Select shows one line


@dataclass(frozen=True)
class Choice:
    key: str  # in values() and the remembered defaults
    label: str
    options: tuple[tuple[str, str], ...]  # (value, help)
    default: str | None  # None: blank, the API's default


def _default(options: tuple[tuple[str, str], ...], preferred: str) -> str | None:
    values = [value for value, _ in options]
    return preferred if preferred in values else (values[0] if values else None)


def choices(version: str = ICE_VERSION) -> tuple[Choice, ...]:
    """The lists the form offers: the values documented for the API of ``version``."""

    def offered(known: KnownValues) -> tuple[tuple[str, str], ...]:
        documented = set(known.documented_for(version))
        return tuple((value, text) for value, text in known.choices() if value in documented)

    exec_modes = tuple((mode, EXEC_MODE_HELP.get(mode, "")) for mode in submit.EXEC_MODES)
    source_types = offered(known_values.SOURCE_TYPES)
    ratios = offered(known_values.ASPECT_RATIOS)
    resolutions = offered(known_values.RESOLUTIONS)
    return (
        Choice("source_type", "Source type", source_types, _default(source_types, "Novel")),
        Choice("style", "Style", offered(known_values.STYLES), None),
        Choice("voice", "Voice", offered(known_values.VOICES), None),
        Choice("split_mode", "Split mode", offered(known_values.SPLIT_MODES), None),
        Choice("aspect_ratio", "Aspect ratio", ratios, _default(ratios, "9:16")),
        Choice("resolution", "Resolution", resolutions, _default(resolutions, "720P")),
        Choice("exec_mode", "Exec mode", exec_modes, "FullPipeline"),
        Choice("shot_prompt_mode", "Shot prompts", offered(known_values.SHOT_PROMPT_MODES), None),
        Choice("video_model", "Video model", offered(known_values.VIDEO_MODELS), None),
    )


ON_OFF = (("true", "on"), ("false", "off"))
# The Yike product's API only: shown when the form submits through it.
YIKE_CHOICES = (
    Choice("keep_origin_dialogue", "Keep dialogue", ON_OFF, None),
    Choice("need_caption", "Captions", ON_OFF, None),
)


@dataclass(frozen=True)
class TextField:
    key: str
    label: str
    placeholder: str
    max_length: int


TEXT_FIELDS = (
    TextField("model_params", "Model params", '{"AudioEnable": false} (JSON)', 2000),
    TextField("user_data", "User data", '{"NotifyAddress": "https://..."} (JSON)', 2000),
)
YIKE_TEXT_FIELDS = (TextField("shot_prompt_lang", "Prompt language", "e.g. en, zh", 32),)


def _prompt(value: str, help_text: str) -> str:
    value = safe(value)
    return f"{value} — {safe(help_text, HELP_CHARS)}" if help_text else value


class SubmitChoices(Grid):
    """Label | widget rows; ids ``choice-<key>`` and ``choice-skip_failed``."""

    DEFAULT_CSS = """
    SubmitChoices {
        grid-size: 2;
        grid-columns: 18 1fr;
        grid-rows: 1;
        grid-gutter: 0 1;
        height: auto;
    }
    SubmitChoices Label { color: $text-muted; }
    SubmitChoices Switch, SubmitChoices Switch:focus {
        border: none;
        height: 1;
        width: 10;
        padding: 0 1;
    }
    SubmitChoices Switch:focus { background: $block-cursor-background; }
    SubmitChoices .switch-row { height: 1; }
    SubmitChoices Input { height: 1; }
    """

    def __init__(self, *, yike: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = choices(YIKE_VERSION if yike else ICE_VERSION) + (YIKE_CHOICES if yike else ())
        self.texts = TEXT_FIELDS + (YIKE_TEXT_FIELDS if yike else ())

    def compose(self) -> ComposeResult:
        for choice in self.table:
            yield Label(choice.label)
            yield Select(
                [(_prompt(value, text), value) for value, text in choice.options],
                prompt="(API default)",
                allow_blank=choice.default is None,
                value=choice.default if choice.default is not None else Select.NULL,
                compact=True,
                id=f"choice-{choice.key}",
            )
        yield Label("Skip failed shots")
        with Horizontal(classes="switch-row"):
            yield Switch(value=True, id="choice-skip_failed")
            yield Label("on: carry on past shots that fail (the API's default)")
        for field in self.texts:
            yield Label(field.label)
            yield Input(
                placeholder=field.placeholder,
                max_length=field.max_length,
                compact=True,
                id=f"choice-{field.key}",
            )

    def select(self, key: str) -> Select[str]:
        return self.query_one(f"#choice-{key}", Select)

    def values(self) -> dict[str, Any]:
        """Each choice's value (None when blank) and ``skip_failed``."""
        found: dict[str, Any] = {}
        for choice in self.table:
            value = self.select(choice.key).value
            found[choice.key] = value if isinstance(value, str) else None
        found["skip_failed"] = self.query_one("#choice-skip_failed", Switch).value
        for field in self.texts:
            text = self.query_one(f"#choice-{field.key}", Input).value.strip()
            found[field.key] = text or None
        return found

    def apply(self, saved: Mapping[str, Any]) -> None:
        """Take remembered values back; anything not on today's lists is ignored."""
        for choice in self.table:
            value = saved.get(choice.key)
            if value is None and choice.default is None and choice.key in saved:
                self.select(choice.key).clear()
            elif isinstance(value, str) and value in {v for v, _ in choice.options}:
                self.select(choice.key).value = value
        skip = saved.get("skip_failed")
        if isinstance(skip, bool):
            self.query_one("#choice-skip_failed", Switch).value = skip
        for field in self.texts:
            text = saved.get(field.key)
            if isinstance(text, str) and len(text) <= field.max_length and not has_control(text):
                self.query_one(f"#choice-{field.key}", Input).value = text

    def set_value(self, key: str, value: str) -> None:
        """Set one choice when ``value`` is on its list (the form's guesses)."""
        choice = next(c for c in self.table if c.key == key)
        if value in {v for v, _ in choice.options}:
            self.select(key).value = value
