"""config.toml: defaults, round trips, clear errors, locked atomic writes that keep unknowns."""

from __future__ import annotations

import multiprocessing
import os
import stat
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from yike_tui import paths
from yike_tui.config import (
    ConfigError,
    Settings,
    add_jobs,
    load_config,
    remove_jobs,
    update_settings,
)


def test_missing_file_gives_defaults_at_the_xdg_path(isolated_home: Path) -> None:
    config = load_config()
    assert config.settings == Settings()
    assert config.jobs == [] and config.warnings == []
    assert config.path == isolated_home / ".config" / "yike-tui" / "config.toml"
    assert config.path == paths.config_file()


def test_round_trip_of_every_setting_and_jobs() -> None:
    update_settings(
        interval=0,
        concurrency=16,
        rate_limit=2.5,
        theme="nord",
        clipboard="osc52",
        bell=True,
        downloads_dir="/tmp/dl",
        keys={"refresh": "ctrl+r"},
    )
    added, skipped = add_jobs(["j1", "j2"], label="trailer")
    assert (added, skipped) == (["j1", "j2"], [])
    config = load_config()
    assert config.settings == Settings(
        0.0, 16, 2.5, "nord", "osc52", True, "/tmp/dl", {"refresh": "ctrl+r"}
    )
    assert [(j.id, j.label) for j in config.jobs] == [("j1", "trailer"), ("j2", "trailer")]
    assert config.jobs[0].added_at.endswith("Z")
    text = paths.config_file().read_text()
    assert "[settings]" in text and "[keys]" in text and text.count("[[jobs]]") == 2


def test_duplicates_are_skipped_and_order_kept() -> None:
    add_jobs(["a", "b"])
    added, skipped = add_jobs(["c", "a", "c"])
    assert added == ["c"] and skipped == ["a", "c"]
    assert load_config().job_ids == ["a", "b", "c"]


def test_remove_jobs_reports_missing() -> None:
    add_jobs(["a", "b", "c"])
    removed, missing = remove_jobs(["b", "zz"])
    assert removed == ["b"] and missing == ["zz"]
    assert load_config().job_ids == ["a", "c"]


def test_unknown_keys_warned_and_kept_on_write() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        'future = "x"\n[settings]\ninterval = 10\ncolour = "red"\n'
        '[plugins]\nname = "p"\n[[jobs]]\nid = "a"\npriority = 3\n'
    )
    config = load_config()
    assert len(config.warnings) == 4
    assert any("colour" in w for w in config.warnings)
    assert any("jobs[1].priority" in w for w in config.warnings)
    add_jobs(["b"])
    remove_jobs(["zz-not-there"])  # a no-op write
    update_settings(bell=True)
    doc = tomllib.loads(path.read_text())
    assert doc["future"] == "x" and doc["plugins"] == {"name": "p"}
    assert doc["settings"] == {"interval": 10, "colour": "red", "bell": True}
    assert doc["jobs"][0] == {"id": "a", "priority": 3}
    assert [j["id"] for j in doc["jobs"]] == ["a", "b"]


def test_add_keeps_comments() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text("# my watch list\n[settings]\ninterval = 10  # slow down\n")
    add_jobs(["a"])
    text = path.read_text()
    assert text.startswith("# my watch list\n[settings]\ninterval = 10  # slow down\n")
    assert load_config().job_ids == ["a"]


def test_remove_keeps_comments_of_other_jobs() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        "# top\n[settings]\nbell = true # ding\n\n[[jobs]]\nid = 'a'  # keep me\n\n"
        "[[jobs]]\nid = 'b'\nlabel = 'gone'\n\n[[jobs]]\nid = 'c'\n"
    )
    assert remove_jobs(["b"]) == (["b"], [])
    assert path.read_text() == (
        "# top\n[settings]\nbell = true # ding\n\n[[jobs]]\nid = 'a'  # keep me\n\n"
        "[[jobs]]\nid = 'c'\n"
    )


def test_remove_from_an_inline_jobs_array_rewrites_it() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('jobs = [{ id = "a" }, { id = "b" }]\n')
    remove_jobs(["a"])
    assert load_config().job_ids == ["b"]


def test_update_settings_keeps_comments_and_other_values() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text("# mine\n[settings]\ninterval = 10\n\n[[jobs]]\nid = 'a'\n")
    settings = update_settings(interval=5, bell=True, keys={"refresh": "ctrl+r"})
    assert settings.interval == 5 and settings.bell and settings.keys == {"refresh": "ctrl+r"}
    text = path.read_text()
    assert text.startswith("# mine\n[settings]\n") and "interval = 5\n" in text
    assert load_config().job_ids == ["a"]


def test_update_settings_rewrites_what_a_line_edit_cannot_express() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text("settings = { interval = 10, theme = 'nord' }\n")
    update_settings(interval=3)
    settings = load_config().settings
    assert settings.interval == 3 and settings.theme == "nord"


def test_broken_toml_names_path_and_line_and_is_never_written() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    original = b'[settings]\ninterval = 10\n[[jobs]]\nid = "a\n'
    path.write_bytes(original)
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert message.startswith("~/.config/yike-tui/config.toml line 4:")
    assert info.value.line == 4
    for write in (
        lambda: add_jobs(["b"]),
        lambda: remove_jobs(["a"]),
        lambda: update_settings(bell=True),
    ):
        with pytest.raises(ConfigError):
            write()
        assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml", "config.toml.lock"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '# c\n\n[settings]\ninterval = "fast"\n',
            "line 4: settings.interval must be a number, not 'fast'",
        ),
        ("[settings]\ninterval = -5\n", "line 2: settings.interval must be 0 (manual)"),
        ("[settings]\nconcurrency = 0\n", "line 2: settings.concurrency must be 1 to 64, not 0"),
        ("[settings]\nconcurrency = 65\n", "settings.concurrency must be 1 to 64"),
        ("[settings]\nconcurrency = 2.5\n", "settings.concurrency must be a whole number"),
        ("[settings]\nclipboard = 'xclip'\n", "line 2: settings.clipboard must be one of auto"),
        ("[settings]\nbell = 'yes'\n", "settings.bell must be true or false, not 'yes'"),
        ("[settings]\nrate_limit = 0\n", "settings.rate_limit must be more than 0"),
        ("settings.interval = true\n", "line 1: settings.interval must be a number, not True"),
        ("settings = 3\n", "line 1: settings must be a table"),
        ("[keys]\nrefresh = 5\n", "line 2: keys.refresh must be a key name"),
        ('[[jobs]]\nid = "a"\n[[jobs]]\nlabel = "x"\n', "line 3: jobs[2].id is missing"),
        ('[[jobs]]\nid = "a"\n[[jobs]]\nid = "b"\nlabel = 7\n', "line 5: jobs[2].label must be"),
        ('[[jobs]]\nid = "a b"\n', "line 2: jobs[1].id is not a JobId"),
    ],
)
def test_wrong_values_name_path_line_and_field(text: str, expected: str) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith("~/.config/yike-tui/config.toml")
    assert expected in str(info.value)
    with pytest.raises(ConfigError):
        add_jobs(["new"])
    assert path.read_text() == text


def test_not_utf8_is_a_clear_error() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe[settings]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config()


def test_update_settings_rejects_bad_values_before_writing() -> None:
    with pytest.raises(ValueError, match=r"settings\.concurrency"):
        update_settings(concurrency=0)
    with pytest.raises(ValueError, match="unknown setting"):
        update_settings(colour="red")
    assert not paths.config_file().exists()


def test_duplicate_job_in_file_is_a_warning() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[[jobs]]\nid = "a"\nlabel = "one"\n[[jobs]]\nid = "a"\nlabel = "two"\n')
    config = load_config()
    assert [(j.id, j.label) for j in config.jobs] == [("a", "one")]
    assert any("twice" in w for w in config.warnings)


def test_writes_through_a_symlinked_config(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "yike.toml"
    real.parent.mkdir()
    real.write_text("[settings]\nbell = true\n")
    link = paths.config_file()
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    add_jobs(["a"])
    assert link.is_symlink()
    assert load_config(real).job_ids == ["a"]


def _add_many(path: str, prefix: str) -> None:
    for i in range(20):
        add_jobs([f"{prefix}{i}"], path=Path(path))


def test_two_processes_adding_at_once_both_win(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "config.toml"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_add_many, args=(str(path), p)) for p in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    ids = load_config(path).job_ids
    assert sorted(ids) == sorted([f"a{i}" for i in range(20)] + [f"b{i}" for i in range(20)])
    # each process's own jobs stay in the order it added them
    assert [i for i in ids if i.startswith("a")] == [f"a{i}" for i in range(20)]


# --- what we write is private; what we read is a small regular file (issue 13 items 8, 17) --


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)  # the usual umask, which left the config 0644 in a 0755 dir
    yield
    os.umask(old)


def test_a_config_we_create_is_0600_in_dirs_created_0700(
    isolated_home: Path, umask_022: None
) -> None:
    add_jobs(["job-1"])
    path = paths.config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.with_name("config.toml.lock").stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # yike-tui/
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700  # .config/, made too


def test_an_existing_config_and_dir_keep_their_modes(isolated_home: Path, umask_022: None) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.parent.chmod(0o750)
    path.write_text("[settings]\ninterval = 10\n")
    path.chmod(0o640)  # the user shares it with a group on purpose
    add_jobs(["job-1"])
    remove_jobs(["job-1"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o750


def test_a_symlinked_lock_file_is_not_followed(isolated_home: Path, tmp_path: Path) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    path.with_name("config.toml.lock").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match=r"config\.toml: cannot write"):
        add_jobs(["job-1"])
    assert not elsewhere.exists() and not path.exists()


@pytest.mark.parametrize(
    ("plant", "why"),
    [
        (lambda p: p.mkdir(), "it is a directory, not a regular file"),
        (
            lambda p: p.write_bytes(b"#" * (1024 * 1024 + 1)),
            "it is 1048577 bytes; the most read is 1048576",
        ),
    ],
    ids=["dir", "too-big"],  # a FIFO and /dev/zero: in tests/hardening, run with a deadline
)
def test_only_a_small_regular_file_is_read_or_written(
    plant: Callable[[Path], object], why: str, isolated_home: Path
) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    plant(path)
    before = path.lstat()
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value).startswith("~/.config/yike-tui/config.toml")
    assert str(caught.value).endswith(f"not read: {why}")
    with pytest.raises(ConfigError, match="not read"):
        add_jobs(["job-1"])  # never written over either
    after = path.lstat()
    assert (after.st_mode, after.st_ino, after.st_size) == (
        before.st_mode,
        before.st_ino,
        before.st_size,
    )


def test_a_symlinked_config_is_still_read(isolated_home: Path, tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text('[[jobs]]\nid = "from-dotfiles"\n')
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.symlink_to(real)
    assert load_config().job_ids == ["from-dotfiles"]
