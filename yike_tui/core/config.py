"""config.toml: the user's settings and key bindings, read with tomllib, never rewritten.

The program writes this file once at most: ``yike-tui config init`` creates a commented
default when there is none. A file that does not parse or holds wrong values gets an error
naming its path, line and field. The watch list is state, kept in the state db; a
``[[jobs]]`` list an older version wrote here is read so that the state db can import it
once (``session``), and may then be deleted.

Layout::

    [settings]
    interval = 30.0
    [keys]
    refresh = "r"
    [[jobs]]            # read once, for the import
    id = "0123..."
    label = "trailer"
    added_at = "2025-01-02T03:04:05Z"
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import tomli_w

from yike_tui.core import paths
from yike_tui.core.job_ids import InvalidJobId, check_job_id
from yike_tui.safety import safe_read
from yike_tui.safety.safe_text import has_control

CLIPBOARD_MODES = ("auto", "native", "osc52", "off")
API_NAMES = ("ice", "yike")
# ICE's GetYikeUserCredit reads the balance of one Yike user, whose id it requires; the
# Yike product's GetYikeAccountCredit reads the account's and needs none.
YIKE_USER_ID_ENV = "YIKE_TUI_YIKE_USER_ID"
MAX_YIKE_USER_ID = 128
YIKE_USER_ID_HOWTO = (
    "ICE reads the credits of one Yike user: set yike_user_id under [settings] in "
    f"config.toml (or ${YIKE_USER_ID_ENV}); GetYikeUser with your Yike user name "
    "answers its YikeUserId"
)


class ConfigError(Exception):
    """The config file cannot be used. ``str()`` is the whole message for the user."""

    def __init__(
        self, message: str, *, path: Path, line: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.field = field


@dataclass
class Settings:
    interval: float = 30.0  # seconds between refreshes; 0 = manual only
    concurrency: int = 8
    rate_limit: float = 10.0  # requests per second
    theme: str = "textual-dark"
    clipboard: str = "auto"  # auto | native | osc52 | off
    bell: bool = False
    downloads_dir: str = ""  # "" = the platform's downloads dir
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> key
    transport: str = "lean"  # API calls: "lean" (api/transport.py) or "httpx" (httpx's own)
    api: str = "ice"  # which product API: "ice" (ICE 2020-11-09) or "yike" (Yike 2026-03-19)
    region: str = ""  # "" = the API's default region
    yike_user_id: str = ""  # whose credits ICE reads ("" = none read on ICE)
    # How a job that finished (or needs attention) announces itself; the bell is separate.
    notify_terminal: bool = True  # OSC 9 / OSC 777 desktop notification through the terminal
    notify_desktop: bool = True  # notify-send, when there is a local desktop session
    notify_tmux: bool = True  # flag the tmux window (bell alert) when inside tmux


@dataclass(frozen=True)
class WatchedJob:
    """One job of the watch list: a row of the state db, or a ``[[jobs]]`` entry to import."""

    id: str
    label: str = ""
    added_at: str = ""  # ISO 8601 UTC, e.g. 2025-01-02T03:04:05Z


@dataclass
class Config:
    settings: Settings
    jobs: list[WatchedJob]
    warnings: list[str]
    path: Path
    from_file: frozenset[str] = frozenset()  # the settings config.toml sets (the rest: defaults)

    @property
    def job_ids(self) -> list[str]:
        return [job.id for job in self.jobs]


# --- validation -----------------------------------------------------------------------------


class _Invalid(Exception):
    """A value is wrong; the caller knows where it came from and adds path and line."""


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"must be a number, not {_show(value)}")
    return float(value)


def _interval(value: Any) -> float:
    seconds = _number(value)
    if seconds != 0 and not 1 <= seconds <= 86400:
        raise _Invalid(f"must be 0 (manual) or 1 to 86400 seconds, not {_show(value)}")
    return seconds


def _concurrency(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"must be a whole number, not {_show(value)}")
    if not 1 <= value <= 64:
        raise _Invalid(f"must be 1 to 64, not {value}")
    return value


def _rate_limit(value: Any) -> float:
    rate = _number(value)
    if not 0 < rate <= 1000:
        raise _Invalid(f"must be more than 0 and at most 1000 requests a second, not {rate:g}")
    return rate


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, not {_show(value)}")
    return value


def _theme(value: Any) -> str:
    if not _string(value).strip():
        raise _Invalid("must not be empty")
    return str(value)


def _clipboard(value: Any) -> str:
    if _string(value) not in CLIPBOARD_MODES:
        raise _Invalid(f"must be one of {', '.join(CLIPBOARD_MODES)}, not {_show(value)}")
    return str(value)


def _transport(value: Any) -> str:
    if _string(value) not in ("lean", "httpx"):
        raise _Invalid(f'must be "lean" or "httpx", not {_show(value)}')
    return str(value)


def _api(value: Any) -> str:
    if _string(value) not in API_NAMES:
        raise _Invalid(f'must be "ice" or "yike", not {_show(value)}')
    return str(value)


def _region(value: Any) -> str:
    text = _string(value)
    if text and not re.fullmatch(r"[a-z]{2,4}(-[a-z0-9]{1,20}){1,3}", text):
        raise _Invalid(f'must be a region id like "cn-shanghai", not {_show(value)}')
    return text


def _yike_user_id(value: Any) -> str:
    text = _string(value).strip()
    if has_control(text) or len(text) > MAX_YIKE_USER_ID:
        raise _Invalid(
            f"must be a Yike user id (at most {MAX_YIKE_USER_ID} characters, one line), "
            f"not {_show(value)}"
        )
    return text


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, not {_show(value)}")
    return value


_SETTING_CHECKS: dict[str, Callable[[Any], Any]] = {
    "interval": _interval,
    "concurrency": _concurrency,
    "rate_limit": _rate_limit,
    "theme": _theme,
    "clipboard": _clipboard,
    "bell": _bool,
    "downloads_dir": _string,
    "transport": _transport,
    "api": _api,
    "region": _region,
    "yike_user_id": _yike_user_id,
    "notify_terminal": _bool,
    "notify_desktop": _bool,
    "notify_tmux": _bool,
}
# What each setting means, for `config init`'s comments and `config`'s listing.
SETTING_HELP: dict[str, str] = {
    "interval": "seconds between refreshes of a running job; 0 = only when you press r",
    "concurrency": "requests in flight at once (1 to 64)",
    "rate_limit": "requests a second at most (more than 0, at most 1000)",
    "theme": "a Textual theme name",
    "clipboard": "auto, native, osc52 or off",
    "bell": "ring the terminal bell with each notification",
    "downloads_dir": 'where downloads go; "" = the platform\'s downloads folder',
    "transport": 'API calls over "lean" (the small built-in stack) or "httpx"',
    "api": '"ice" (ICE, cn-shanghai) or "yike" (the stand-alone Yike product, also outside China)',
    "region": '"" = the API\'s default region; e.g. "cn-shanghai", "ap-southeast-1" (yike)',
    "yike_user_id": 'the Yike user whose credits ICE shows ("" = none; GetYikeUser finds it)',
    "notify_terminal": "announce finished jobs with a terminal notification (OSC 9 / OSC 777)",
    "notify_desktop": "announce finished jobs with notify-send on a local desktop",
    "notify_tmux": "flag the tmux window when a job finishes",
}
_TOP_LEVEL = ("settings", "keys", "jobs")
_JOB_KEYS = ("id", "label", "added_at")


def _job_id(value: Any) -> str:
    try:
        return check_job_id(_string(value))  # the one JobId rule (job_ids.py)
    except InvalidJobId:
        raise _Invalid(f"is not a JobId: {_show(value)}") from None


def _timestamp(value: Any) -> str:
    # A hand-written unquoted date is a TOML datetime: accept it, it means the same.
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _string(value)


# --- reading --------------------------------------------------------------------------------


def display_path(path: Path) -> str:
    """``~/.config/yike-tui/config.toml`` rather than the full home directory."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


# Only from the start of a run of spaces: tried inside one, it would rescan the rest each time.
_TOML_POSITION = re.compile(r"(?<!\s)\s*\(at line (\d+), column (\d+)\)")


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_POSITION.search(message)
        if where is None:
            raise ConfigError(
                f"{display_path(path)}: not valid TOML: {message}", path=path
            ) from None
        reason = _TOML_POSITION.sub("", message)
        line = int(where.group(1))
        raise ConfigError(
            f"{display_path(path)} line {line}: not valid TOML: {reason} (column {where.group(2)})",
            path=path,
            line=line,
        ) from None


def _read_text(path: Path) -> str | None:
    """The file's text; None if it is missing. A symlinked config (dotfiles) is read at its
    target; a FIFO, a device or a file over 1 MiB is refused (ConfigError), never read."""
    target = os.path.realpath(path)
    try:
        data = safe_read.read_regular(target)
    except safe_read.NotReadable as exc:
        shown = display_path(path)
        if target != str(path):
            shown += f" (-> {display_path(Path(target))})"
        raise ConfigError(f"{shown}: not read: {exc}", path=path) from None
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read: {exc.strerror}", path=path) from None
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{display_path(path)}: not UTF-8 text", path=path) from None


# The name is words joined by single runs of spaces: a lazy name that could end in spaces
# would try every split of a long run against ``\s*``.
_HEADER = re.compile(
    r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"'-]+(?: +[A-Za-z0-9_.\"'-]+)*)\s*\]\]?\s*(#.*)?$"
)


def find_line(text: str, table: str, key: str | None, index: int | None = None) -> int | None:
    """Best-effort line number of ``key`` in ``[table]`` (or the ``index``-th ``[[table]]``).

    tomllib reports lines only for syntax errors, so wrong values are located by scanning
    the text. ``table=""`` is the root; ``key=None`` finds the table's header.
    """
    quoted = re.escape(key or "")
    key_at = re.compile(rf"""^\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*=""")
    dotted = re.compile(rf"""^\s*{re.escape(table)}\s*\.\s*{quoted}\s*=""")
    current, seen = "", -1
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            current = header.group(2).strip("\"'")
            if current == table and header.group(1) == "[[":
                seen += 1
            if current == table and key is None and (index is None or seen == index):
                return number
            continue
        if key is None:
            continue
        in_place = current == table and (index is None or seen == index)
        if in_place and key_at.match(line):
            return number
        if current == "" and table and dotted.match(line):
            return number
    if table and key is not None:
        return find_line(text, "", table)  # e.g. an inline table: point at its key
    return None


def _fail(path: Path, text: str, field_name: str, reason: str, line: int | None) -> ConfigError:
    where = f"{display_path(path)} line {line}" if line else display_path(path)
    return ConfigError(f"{where}: {field_name} {reason}", path=path, line=line, field=field_name)


def _build(doc: dict[str, Any], text: str, path: Path) -> Config:
    """Check a parsed document and turn it into a ``Config``. Raises ConfigError."""
    warnings: list[str] = []
    for key in doc:
        if key not in _TOP_LEVEL:
            warnings.append(f"{display_path(path)}: unknown key {key!r} (kept, not used)")

    def table(name: str) -> dict[str, Any]:
        value = doc.get(name, {})
        if not isinstance(value, dict):
            line = find_line(text, "", name)
            raise _fail(path, text, name, f"must be a table, not {_show(value)}", line)
        return value

    settings = Settings()
    given: set[str] = set()
    for key, value in table("settings").items():
        check = _SETTING_CHECKS.get(key)
        if check is None:
            warnings.append(f"{display_path(path)}: unknown setting {key!r} (kept, not used)")
            continue
        try:
            setattr(settings, key, check(value))
            given.add(key)
        except _Invalid as exc:
            line = find_line(text, "settings", key)
            raise _fail(path, text, f"settings.{key}", str(exc), line) from None

    for name, value in table("keys").items():
        if not isinstance(value, str) or not value.strip():
            line = find_line(text, "keys", name)
            reason = f'must be a key name like "ctrl+r", not {_show(value)}'
            raise _fail(path, text, f"keys.{name}", reason, line)
        settings.keys[name] = value

    jobs = _build_jobs(doc, text, path, warnings)
    return Config(settings, jobs, warnings, path, frozenset(given))


def _build_jobs(
    doc: dict[str, Any], text: str, path: Path, warnings: list[str]
) -> list[WatchedJob]:
    entries = doc.get("jobs", [])
    if not isinstance(entries, list):
        line = find_line(text, "", "jobs")
        raise _fail(path, text, "jobs", "must be an array of [[jobs]] tables", line)
    jobs: list[WatchedJob] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        name = f"jobs[{i + 1}]"
        if not isinstance(entry, dict):
            line = find_line(text, "", "jobs")
            raise _fail(path, text, name, f"must be a table, not {_show(entry)}", line)
        if "id" not in entry:
            line = find_line(text, "jobs", None, i)
            raise _fail(path, text, f"{name}.id", "is missing", line)
        values: dict[str, str] = {}
        for key, check in (("id", _job_id), ("label", _string), ("added_at", _timestamp)):
            if key in entry:
                try:
                    values[key] = check(entry[key])
                except _Invalid as exc:
                    line = find_line(text, "jobs", key, i)
                    raise _fail(path, text, f"{name}.{key}", str(exc), line) from None
        for key in entry:
            if key not in _JOB_KEYS:
                warnings.append(f"{display_path(path)}: unknown key {name}.{key} (kept, not used)")
        job = WatchedJob(**values)
        if job.id in seen:
            warnings.append(f"{display_path(path)}: job {job.id} is listed twice; using the first")
            continue
        seen.add(job.id)
        jobs.append(job)
    return jobs


def load_config(path: Path | None = None) -> Config:
    """The config at ``path`` (default: the platform config file); defaults if it is missing.
    Never writes anything."""
    path = path or paths.config_file()
    text = _read_text(path)
    if text is None:
        return Config(Settings(), [], [], path)
    return _build(_parse_toml(text, path), text, path)


def chosen_yike_user_id(config: Config | None) -> tuple[str, str]:
    """``(id, where it came from)``: ``$YIKE_TUI_YIKE_USER_ID`` over config.toml's
    ``yike_user_id``; ``("", "")`` when neither sets one. An environment value that is not
    an id is not used, and the source says so."""
    raw = os.environ.get(YIKE_USER_ID_ENV, "")
    ignored = ""
    if raw.strip():
        try:
            return _yike_user_id(raw), f"environment: {YIKE_USER_ID_ENV}"
        except _Invalid:
            ignored = f" (${YIKE_USER_ID_ENV} ignored: not an id)"
    if config is not None and config.settings.yike_user_id:
        return config.settings.yike_user_id, "config.toml" + ignored
    return "", ("default" + ignored) if ignored else ""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_text() -> str:
    """A commented default config.toml (``yike-tui config init``): every setting with what it
    means and its default, commented out, so the file reads as the defaults until edited."""
    lines = [
        "# yike-tui settings: this file is yours, yike-tui never rewrites it.",
        "# Every value below is the default, commented out: remove the # to change one.",
        "# `yike-tui config` shows the settings in effect and where each came from.",
        "",
        "[settings]",
    ]
    defaults = Settings()
    for name, meaning in SETTING_HELP.items():
        lines.append(f"# {meaning}")
        lines.append("# " + tomli_w.dumps({name: getattr(defaults, name)}).rstrip("\n"))
    lines += [
        "",
        "[keys]",
        "# binding id = key; the TUI's ? lists every binding id and its key",
        "# " + tomli_w.dumps({"copy_url": "ctrl+y"}).rstrip("\n"),
        "",
    ]
    return "\n".join(lines)
