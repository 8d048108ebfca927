"""config.toml: settings, key bindings and the watch list.

Reading never changes the file. Writing locks a sibling ``config.toml.lock``, re-reads the
file, applies one change and replaces the file atomically, so two yike-tui processes adding
jobs at once both win. A file that does not parse or holds wrong values is never written:
the error names its path, line and field, and the user's file stays as it is.

Layout::

    [settings]
    interval = 30.0
    [keys]
    refresh = "r"
    [[jobs]]
    id = "0123..."
    label = "trailer"
    added_at = "2025-01-02T03:04:05Z"
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from yike_tui import paths, safe_read
from yike_tui.job_ids import InvalidJobId, check_job_id
from yike_tui.safe_text import clean, is_valid_text

CLIPBOARD_MODES = ("auto", "native", "osc52", "off")
LOCK_TIMEOUT = 10.0  # seconds; a writer holds the lock for milliseconds
# The watch list says which jobs a user has, so a config we create is the user's alone
# (0600); a config that already exists keeps the mode the user gave it.
FILE_MODE = paths.PRIVATE_FILE

T = TypeVar("T")


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


@dataclass(frozen=True)
class WatchedJob:
    id: str
    label: str = ""
    added_at: str = ""  # ISO 8601 UTC, e.g. 2025-01-02T03:04:05Z


@dataclass
class Config:
    settings: Settings
    jobs: list[WatchedJob]
    warnings: list[str]
    path: Path

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


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


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


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")


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
    for key, value in table("settings").items():
        check = _SETTING_CHECKS.get(key)
        if check is None:
            warnings.append(f"{display_path(path)}: unknown setting {key!r} (kept, not used)")
            continue
        try:
            setattr(settings, key, check(value))
        except _Invalid as exc:
            line = find_line(text, "settings", key)
            raise _fail(path, text, f"settings.{key}", str(exc), line) from None

    for name, value in table("keys").items():
        if not isinstance(value, str) or not value.strip():
            line = find_line(text, "keys", name)
            reason = f'must be a key name like "ctrl+r", not {_show(value)}'
            raise _fail(path, text, f"keys.{name}", reason, line)
        settings.keys[name] = value

    return Config(settings, _build_jobs(doc, text, path, warnings), warnings, path)


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
    """The config at ``path`` (default: the platform config file); defaults if it is missing."""
    path = path or paths.config_file()
    text = _read_text(path)
    if text is None:
        return Config(Settings(), [], [], path)
    return _build(_parse_toml(text, path), text, path)


# --- writing --------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``<config>.lock`` (a sibling, so the config can be replaced)."""
    paths.make_private_dir(path.parent)  # 0700 for what we create; existing dirs kept
    lock_path = path.with_name(path.name + ".lock")
    # O_NOFOLLOW: a planted symlink must not make us create a file somewhere else;
    # O_NONBLOCK: a planted FIFO must not hang us.
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    with open(os.open(lock_path, flags, FILE_MODE), "a", encoding="utf-8") as lock:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigError(
                        f"{display_path(path)}: another yike-tui is still writing it "
                        f"(lock {lock_path.name} held for {LOCK_TIMEOUT:g}s)",
                        path=path,
                    ) from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _atomic_write(path: Path, text: str) -> None:
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = FILE_MODE
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _modify(
    path: Path | None,
    change: Callable[[dict[str, Any]], tuple[T, bool]],
    *,
    edit_text: Callable[[str], str] | None = None,
) -> T:
    """Lock, re-read, apply ``change`` to the raw document, validate, write atomically.

    ``change`` returns (result, changed?). ``edit_text``, when given, makes the same change
    as a small edit of the file's text, which keeps the user's comments and layout; it is
    used only when its result parses to exactly the changed document, else the whole
    document is re-rendered (comments lost, values and unknown keys kept).
    """
    path = path or paths.config_file()
    target = Path(os.path.realpath(path))  # write through a symlinked (dotfiles) config
    try:
        with _locked(target):
            text = _read_text(target)
            doc = _parse_toml(text, target) if text is not None else {}
            _build(doc, text or "", target)  # a broken file is refused, never overwritten
            result, changed = change(doc)
            if not changed:
                return result
            new_text = render(doc)
            if text and edit_text is not None:
                candidate = edit_text(text)
                if _reads_back_as(candidate, doc):
                    new_text = candidate
            _build(tomllib.loads(new_text), new_text, target)
            _atomic_write(target, new_text)
            return result
    except OSError as exc:
        raise ConfigError(
            f"{display_path(target)}: cannot write: {exc.strerror or exc}", path=target
        ) from None


def _reads_back_as(text: str, doc: dict[str, Any]) -> bool:
    try:
        return tomllib.loads(text) == doc
    except tomllib.TOMLDecodeError:
        return False


def _job_blocks(entries: list[Any]) -> str:
    return "\n".join("[[jobs]]\n" + tomli_w.dumps(entry) for entry in entries)


def render(doc: dict[str, Any]) -> str:
    """TOML text for ``doc`` with jobs as ``[[jobs]]`` blocks, one a job, at the end.

    tomli_w alone writes short job lists as one inline array, which is hard to edit by
    hand. Anything the block layout cannot express exactly falls back to tomli_w's.
    """
    jobs = doc.get("jobs")
    if not isinstance(jobs, list) or not jobs or not all(isinstance(e, dict) for e in jobs):
        return tomli_w.dumps(doc)
    head = tomli_w.dumps({k: v for k, v in doc.items() if k != "jobs"})
    text = head + ("\n" if head else "") + _job_blocks(jobs)
    return text if _reads_back_as(text, doc) else tomli_w.dumps(doc)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_jobs(
    ids: Iterable[str], label: str = "", path: Path | None = None
) -> tuple[list[str], list[str]]:
    """Watch ``ids``; returns (added, skipped because already watched), in the order given."""
    wanted = list(ids)
    for job_id in wanted:  # never write what the next read would refuse
        try:
            check_job_id(job_id)
        except InvalidJobId as exc:
            raise ConfigError(str(exc), path=path or paths.config_file()) from None
    if not is_valid_text(label):  # a non-UTF-8 argv byte: TOML (UTF-8) cannot hold it
        where = path or paths.config_file()
        raise ConfigError(
            f"label {clean(label, one_line=True)} is not valid UTF-8 text", path=where
        )
    entries: list[dict[str, Any]] = []

    def change(doc: dict[str, Any]) -> tuple[tuple[list[str], list[str]], bool]:
        jobs = doc.setdefault("jobs", [])
        present = {entry.get("id") for entry in jobs}
        added, skipped = [], []
        stamp = now_iso()
        for job_id in wanted:
            if job_id in present:
                skipped.append(job_id)
                continue
            entry: dict[str, Any] = {"id": job_id}
            if label:
                entry["label"] = label
            entry["added_at"] = stamp
            jobs.append(entry)
            entries.append(entry)
            present.add(job_id)
            added.append(job_id)
        return (added, skipped), bool(added)

    def append(text: str) -> str:
        return text + ("" if text.endswith("\n") else "\n") + "\n" + _job_blocks(entries)

    return _modify(path, change, edit_text=append)


def remove_jobs(ids: Iterable[str], path: Path | None = None) -> tuple[list[str], list[str]]:
    """Stop watching ``ids``; returns (removed, not found)."""
    unwanted = list(ids)

    def change(doc: dict[str, Any]) -> tuple[tuple[list[str], list[str]], bool]:
        jobs = doc.get("jobs", [])
        present = {entry.get("id") for entry in jobs}
        removed = [job_id for job_id in unwanted if job_id in present]
        missing = [job_id for job_id in unwanted if job_id not in present]
        if removed:
            gone = set(removed)
            doc["jobs"] = [entry for entry in jobs if entry.get("id") not in gone]
        return (removed, missing), bool(removed)

    return _modify(path, change, edit_text=lambda text: _drop_job_blocks(text, set(unwanted)))


def _drop_job_blocks(text: str, gone: set[str]) -> str:
    """``text`` without the ``[[jobs]]`` blocks (header to next header) of the ``gone`` ids."""
    out: list[str] = []
    block: list[str] = []
    is_job = False

    def flush() -> None:
        if not (is_job and _block_job_id("".join(block)) in gone):
            out.extend(block)

    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line)
        if header:
            flush()
            block = [line]
            is_job = header.group(1) == "[[" and header.group(2).strip("\"'") == "jobs"
        else:
            block.append(line)
    flush()
    return "".join(out)


def _block_job_id(block: str) -> Any:
    try:
        return tomllib.loads(block)["jobs"][0].get("id")
    except (tomllib.TOMLDecodeError, KeyError, IndexError, TypeError, AttributeError):
        return None


def update_settings(path: Path | None = None, **changes: Any) -> Settings:
    """Set settings (``interval=10``, ``keys={"refresh": "r"}``); returns the new Settings.

    Raises ValueError for an unknown setting or a wrong value, before touching the file.
    """
    known = {f.name for f in fields(Settings)}
    for key, value in changes.items():
        if key not in known:
            raise ValueError(f"unknown setting {key!r}")
        if key == "keys":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
            ):
                raise ValueError("keys must map binding ids to key names")
            continue
        try:
            _SETTING_CHECKS[key](value)
        except _Invalid as exc:
            raise ValueError(f"settings.{key} {exc}") from None

    def change(doc: dict[str, Any]) -> tuple[None, bool]:
        for key, value in changes.items():
            if key == "keys":
                doc.setdefault("keys", {}).update(value)
            else:
                doc.setdefault("settings", {})[key] = value
        return None, bool(changes)

    def edit(text: str) -> str:
        for key, value in changes.items():
            if key == "keys":
                for name, key_name in value.items():
                    text = _set_line(text, "keys", name, key_name)
            else:
                text = _set_line(text, "settings", key, value)
        return text

    _modify(path, change, edit_text=edit)
    return load_config(path).settings


def _set_line(text: str, table: str, key: str, value: Any) -> str:
    """Set ``key`` in ``[table]`` by editing one line (or adding one after the header)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    assignment = tomli_w.dumps({key: value})
    at = find_line(text, table, key)
    if at is not None and _HEADER.match(lines[at - 1]) is None:
        lines[at - 1] = assignment
    elif (header := find_line(text, table, None)) is not None:
        lines.insert(header, assignment)
    else:
        lines.append(f"\n[{table}]\n{assignment}")
    return "".join(lines)
