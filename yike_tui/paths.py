"""Where yike-tui keeps its files: only where platformdirs says (it honours XDG_*)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "yike-tui"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.toml"


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP, appauthor=False))


def state_db() -> Path:
    return state_dir() / "state.sqlite3"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def log_file() -> Path:
    return log_dir() / "yike-tui.log"


def downloads_dir() -> Path:
    return Path(platformdirs.user_downloads_dir())
