"""Check and build a ``SubmitYikeStoryboardJob`` request. Pure: nothing is sent from here.

The API takes some parameters in the query string and others in a form body (ice-api.md);
``build_submit`` puts each where it belongs, and refuses bad input before anything is sent.
The domain half of ``submit``; ``commands/submit.py`` is the CLI glue (flags, the call with
no retry, the watch list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from yike_tui.core import known_values
from yike_tui.safety.safe_text import clean, has_control

QUERY_PARAMS = frozenset(
    {
        "AspectRatio",
        "ExecMode",
        "KeepOriginDialogue",
        "ModelParams",
        "NarrationVoiceId",
        "NeedCaption",
        "Resolution",
        "ShotPromptLang",
        "ShotPromptMode",
        "SkipFailureShot",
        "Title",
        "UserData",
        "VideoModel",
    }
)
FORM_PARAMS = frozenset({"FileURL", "ShotSplitMode", "SourceType", "StyleId"})
# Taken by the Yike product's API only (its SDK has them; ICE's does not).
YIKE_ONLY_PARAMS = {
    "KeepOriginDialogue": "--keep-origin-dialogue",
    "NeedCaption": "--need-caption",
    "ShotPromptLang": "--shot-prompt-lang",
}
EXEC_MODES = known_values.EXEC_MODES

# The choices offered, as (value, help), from the documented lists (``known_values``: who
# documents each value, and for which API). A value on none of them is warned about and
# sent all the same.
SOURCE_TYPES = known_values.SOURCE_TYPES.choices()
STYLES = known_values.STYLES.choices()
VOICES = known_values.VOICES.choices()
SPLIT_MODES = known_values.SPLIT_MODES.choices()
ASPECT_RATIOS = known_values.ASPECT_RATIOS.choices()
RESOLUTIONS = known_values.RESOLUTIONS.choices()
SHOT_PROMPT_MODES = known_values.SHOT_PROMPT_MODES.choices()
VIDEO_MODELS = known_values.VIDEO_MODELS.choices()
NOVEL_ONLY_REFUSED = "dialogue"  # the skill: dialogue mode is for a Script, never a Novel


def values(choices: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(value for value, _ in choices)


MAX_TITLE_BYTES = 128
MAX_VALUE_CHARS = 256
MAX_URL_CHARS = 4096

_ASPECT_RATIO = re.compile(r"^\d{1,2}:\d{1,2}$")


class SubmitInvalid(ValueError):
    """Input that must not be sent; ``str()`` is one line naming the flag."""


@dataclass(frozen=True)
class SubmitRequest:
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)


def _plain(flag: str, value: str, limit: int = MAX_VALUE_CHARS) -> str:
    if not value.strip():
        raise SubmitInvalid(f"{flag} is empty")
    if has_control(value):
        raise SubmitInvalid(f"{flag} must not contain control characters or newlines")
    if len(value) > limit:
        raise SubmitInvalid(f"{flag} is {len(value)} characters long; the most is {limit}")
    return value


def check_title(title: str) -> str:
    _plain("--title", title, limit=MAX_TITLE_BYTES)
    size = len(title.encode("utf-8"))
    if size > MAX_TITLE_BYTES:
        raise SubmitInvalid(
            f"--title is {size} bytes of UTF-8; the most is {MAX_TITLE_BYTES} "
            f"(a CJK character takes 3)"
        )
    return title


UPLOADED_FILE_URL = "the upload answer's FileURL"


def check_file_url(url: str, what: str = "--file-url") -> str:
    """``url`` when it is an http(s) URL with a host; ``what`` names where it came from
    (the user's flag, or the upload's answer) in the message."""
    _plain(what, url, limit=MAX_URL_CHARS)
    if any(ch.isspace() for ch in url):
        raise SubmitInvalid(f"{what} must not contain spaces (percent-encode them as %20)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = clean(url[:80], one_line=True)
        raise SubmitInvalid(f"{what} must be an http(s) URL with a host, not {shown!r}")
    return url


def check_model_params(text: str, *, flag: str = "--model-params") -> str:
    """Valid JSON object text, sent compact."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise SubmitInvalid(f"{flag} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SubmitInvalid(
            f'{flag} must be a JSON object like {{"AudioEnable": false}}, '
            f"not a {type(value).__name__}"
        )
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def build_submit(
    *,
    file_url: str,
    title: str,
    source_type: str = "Novel",
    style_id: str | None = None,
    aspect_ratio: str | None = None,
    resolution: str | None = None,
    video_model: str | None = None,
    voice: str | None = None,
    exec_mode: str | None = None,
    skip_failure_shot: bool | None = None,  # None: the API's default (on)
    model_params: str | None = None,
    shot_split_mode: str | None = None,
    shot_prompt_mode: str | None = None,
    user_data: str | None = None,
    keep_origin_dialogue: bool | None = None,
    need_caption: bool | None = None,
    shot_prompt_lang: str | None = None,
    file_url_from: str = "--file-url",
    yike_api: bool = False,
) -> SubmitRequest:
    """The request for these flags, or SubmitInvalid naming the first bad one
    (``file_url_from`` names where the FileURL came from)."""
    params: dict[str, str] = {
        "FileURL": check_file_url(file_url, file_url_from),
        "Title": check_title(title),
        "SourceType": _plain("--source-type", source_type),
    }
    optional = {
        "StyleId": ("--style-id", style_id),
        "AspectRatio": ("--aspect-ratio", aspect_ratio),
        "Resolution": ("--resolution", resolution),
        "VideoModel": ("--video-model", video_model),
        "NarrationVoiceId": ("--voice", voice),
    }
    for name, (flag, value) in optional.items():
        if value is not None:
            params[name] = _plain(flag, value)
    if aspect_ratio is not None and not _ASPECT_RATIO.match(aspect_ratio):
        raise SubmitInvalid(f"--aspect-ratio must look like 16:9, not {aspect_ratio!r}")
    if exec_mode is not None:
        if exec_mode not in EXEC_MODES:
            raise SubmitInvalid(
                f"--exec-mode must be {' or '.join(EXEC_MODES)}, not {exec_mode[:40]!r}"
            )
        params["ExecMode"] = exec_mode
    if skip_failure_shot is not None:  # sent either way when chosen: off must reach the API
        params["SkipFailureShot"] = "true" if skip_failure_shot else "false"
    if model_params is not None:
        params["ModelParams"] = check_model_params(model_params)
    if shot_split_mode is not None:
        params["ShotSplitMode"] = _plain("--shot-split-mode", shot_split_mode)
        if shot_split_mode == NOVEL_ONLY_REFUSED and source_type == "Novel":
            raise SubmitInvalid(
                "--shot-split-mode dialogue is for a Script only; for a Novel use "
                + ", ".join(v for v in values(SPLIT_MODES) if v != NOVEL_ONLY_REFUSED)
            )
    if shot_prompt_mode is not None:
        params["ShotPromptMode"] = _plain("--shot-prompt-mode", shot_prompt_mode)
    if user_data is not None:
        params["UserData"] = check_model_params(user_data, flag="--user-data")
    for name, chosen in (
        ("KeepOriginDialogue", keep_origin_dialogue),
        ("NeedCaption", need_caption),
    ):
        if chosen is not None:  # off must reach the API as false, like SkipFailureShot
            params[name] = "true" if chosen else "false"
    if shot_prompt_lang is not None:
        params["ShotPromptLang"] = _plain("--shot-prompt-lang", shot_prompt_lang, limit=32)
    if not yike_api:
        for name, flag in YIKE_ONLY_PARAMS.items():
            if name in params:
                raise SubmitInvalid(
                    f"{flag} is a parameter of the Yike product's API only (--api yike); "
                    "ICE does not take it"
                )
    return split_params(params)


def value_warnings(request: SubmitRequest, version: str, api_name: str) -> list[str]:
    """One line for each value no source documents for the API in use: sent all the
    same (the lists grow; the service is the judge)."""
    params = {**request.query, **request.form}
    found = []
    for known in known_values.EVERY:
        value = params.get(known.param)
        if value is not None and (line := known.warning(value, version, api_name)):
            found.append(clean(line, one_line=True))
    return found


def split_params(params: dict[str, str]) -> SubmitRequest:
    """Put each parameter where the API reads it: the query string or the form body."""
    unknown = set(params) - QUERY_PARAMS - FORM_PARAMS
    if unknown:
        raise SubmitInvalid(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return SubmitRequest(
        query={k: v for k, v in params.items() if k in QUERY_PARAMS},
        form={k: v for k, v in params.items() if k in FORM_PARAMS},
    )


# What the summary before a submit names, in its order: (parameter, label).
_SUMMARY_FIELDS: tuple[tuple[str, str], ...] = (
    ("Title", "Title"),
    ("SourceType", "Source type"),
    ("StyleId", "Style"),
    ("NarrationVoiceId", "Voice"),
    ("ShotSplitMode", "Shot split"),
    ("AspectRatio", "Aspect ratio"),
    ("Resolution", "Resolution"),
    ("ExecMode", "Exec mode"),
    ("SkipFailureShot", "Skip failed shots"),
    ("VideoModel", "Video model"),
    ("ShotPromptMode", "Shot prompts"),
)
# Shown only when chosen: most submits leave them to the service.
_SUMMARY_WHEN_SET: tuple[tuple[str, str], ...] = (
    ("KeepOriginDialogue", "Keep dialogue"),
    ("NeedCaption", "Captions"),
    ("ShotPromptLang", "Prompt language"),
    ("ModelParams", "Model params"),
    ("UserData", "User data"),
)
NO_ESTIMATE = "not estimated (the API gives no estimate; the job shows its cost once run)"


def summary(request: SubmitRequest, *, source: str, balance: str) -> list[tuple[str, str]]:
    """The rows a person confirms before credits are spent, the same in the CLI and the
    form: ``source`` says what goes up (a file, its size and characters, or a URL),
    ``balance`` the credits left as read just now (or why it is not known). A parameter
    not sent reads "service default"."""
    params = {**request.query, **request.form}
    rows = [("Source", source)]
    for name, label in _SUMMARY_FIELDS:
        rows.append((label, params.get(name, "service default")))
    rows += [(label, params[name]) for name, label in _SUMMARY_WHEN_SET if name in params]
    rows += [("Credits", balance), ("Cost", NO_ESTIMATE)]
    return rows


def summary_lines(rows: list[tuple[str, str]], shown: Callable[[str], str]) -> list[str]:
    """The summary's rows as aligned lines, each value passed through ``shown`` (made safe
    for where it is drawn)."""
    width = max(len(label) for label, _ in rows)
    return [f"{label.ljust(width)}  {shown(value)}" for label, value in rows]
