"""Every test runs with its own HOME and XDG dirs: no test touches the real user's files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from yike_tui.sim import SimulatorThread

_CREDENTIAL_VARS = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_REGION_ID",
    "YIKE_TUI_ENDPOINT",
    "YIKE_TUI_YIKE_USER_ID",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DOWNLOAD_DIR", "Downloads"),
    ):
        monkeypatch.setenv(name, str(home / sub))
    for name in _CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    # A copy inside tmux goes to the tmux server $TMUX names: never the developer's own.
    for name in ("TMUX", "TMUX_PANE"):
        monkeypatch.delenv(name, raising=False)
    # Proxies from the developer's shell must not reroute loopback test traffic.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    """A command run in-process sets up logging into that test's HOME; the next test must
    not find that handler (pointing at a gone directory) and skip setting up its own."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


# The modules that run for long (soak, scale, whole processes on pseudo-terminals, timing
# families): marked slow, so `pytest -m "not slow"` is the inner loop. `pytest` runs all.
SLOW_MODULES = frozenset(
    {
        "tests/hardening/test_soak.py",
        "tests/hardening/test_linear_time.py",
        "tests/hardening/test_upload_bounds.py",
        "tests/hardening/test_signals.py",
        "tests/hardening/test_announce_pty.py",
        "tests/hardening/test_novel_hostile.py",
        "tests/integration/test_announce_tmux.py",
        "tests/integration/test_engine_scale.py",
        "tests/integration/test_sim_process.py",
        "tests/integration/test_shared_processes.py",
        "tests/integration/test_watch_outage.py",
        "tests/ui/test_scale_tui.py",
        "tests/ui/test_novel_preview_hostile.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        if item.path.relative_to(root).as_posix() in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def by_title(sim: SimulatorThread, start: str) -> str:
    """The id of the simulator's job whose title starts with ``start``."""
    assert sim.server is not None
    return next(j.id for j in sim.server.sim.book if j.params["Title"].startswith(start))
