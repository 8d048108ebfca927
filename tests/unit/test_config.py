"""config.toml: defaults, clear errors, and the user's file never written by the program:
the watch list commands leave it byte for byte as it was; ``config`` shows what is in
effect and where it came from; ``config init`` writes a commented default only when none
exists."""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from yike_tui.cli import main
from yike_tui.core import paths
from yike_tui.core.config import ConfigError, Settings, default_text, load_config


def load_config_text(text: str) -> Settings:
    path = paths.config_file()
    path.write_text(text)
    return load_config().settings


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_file_gives_defaults_at_the_xdg_path(isolated_home: Path) -> None:
    config = load_config()
    assert config.settings == Settings()
    assert config.jobs == [] and config.warnings == []
    assert config.path == isolated_home / ".config" / "yike-tui" / "config.toml"
    assert config.path == paths.config_file()


def test_unknown_keys_warned_and_the_file_never_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
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
    before = path.read_bytes(), path.stat().st_mtime_ns
    assert cli(capsys, "add", "b")[0] == 0
    assert cli(capsys, "remove", "a", "zz-not-there")[0] == 0
    assert cli(capsys, "config")[0] == 0
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]  # no lock, no tmp


def test_broken_toml_names_path_and_line_and_is_never_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    original = b'[settings]\ninterval = 10\n[[jobs]]\nid = "a\n'
    path.write_bytes(original)
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert message.startswith("~/.config/yike-tui/config.toml line 4:")
    assert info.value.line == 4
    for command in (["add", "b"], ["remove", "a"], ["config"], ["config", "init"]):
        code, _, err = cli(capsys, *command)
        assert code == 2 and err.count("\n") == 1, command
        assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


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
def test_wrong_values_name_path_line_and_field(
    text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith("~/.config/yike-tui/config.toml")
    assert expected in str(info.value)
    code, _, err = cli(capsys, "config")
    assert code == 2 and expected in err
    assert path.read_text() == text


def test_not_utf8_is_a_clear_error() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe[settings]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config()


def test_duplicate_job_in_file_is_a_warning() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[[jobs]]\nid = "a"\nlabel = "one"\n[[jobs]]\nid = "a"\nlabel = "two"\n')
    config = load_config()
    assert [(j.id, j.label) for j in config.jobs] == [("a", "one")]
    assert any("twice" in w for w in config.warnings)


# --- what we write is private; what we read is a small regular file --


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)  # the usual umask, which left the config 0644 in a 0755 dir
    yield
    os.umask(old)


def test_config_init_writes_a_private_commented_default_once(
    isolated_home: Path, umask_022: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "config", "init")
    assert code == 0 and "config.toml" in out
    path = paths.config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # yike-tui/
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700  # .config/, made too
    text = path.read_text()
    assert text == default_text()
    assert load_config().settings == Settings()  # every value commented out: the defaults
    assert load_config().from_file == frozenset()
    # Each commented line is the default, valid once the # goes.
    uncommented = re.sub(r"(?m)^# (?=[a-z_]+ = )", "", text)
    assert load_config_text(uncommented) == Settings(keys={"copy_url": "ctrl+y"})

    path.write_text("# mine\n[settings]\nbell = true\n")
    code, out, err = cli(capsys, "config", "init")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "exists already" in err
    assert path.read_text() == "# mine\n[settings]\nbell = true\n"


def test_config_init_does_not_write_through_a_planted_symlink(
    isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.toml"
    path.symlink_to(elsewhere)  # dangling: an O_CREAT through it would make `elsewhere`
    code, _, err = cli(capsys, "config", "init")
    assert code == 2 and err.count("\n") == 1
    assert not elsewhere.exists()


def test_config_shows_each_setting_and_where_it_came_from(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[settings]\ninterval = 5\ntransport = "lean"\n[keys]\nrefresh = "ctrl+r"\n')
    monkeypatch.setenv("YIKE_TUI_TRANSPORT", "httpx")
    code, out, _ = cli(capsys, "config")
    assert code == 0
    assert tomllib.loads(out) == {
        "settings": {
            "interval": 5.0,
            "concurrency": 8,
            "rate_limit": 10.0,
            "theme": "textual-dark",
            "clipboard": "auto",
            "bell": False,
            "downloads_dir": "",
            "transport": "httpx",
            "api": "ice",
            "region": "",
            "yike_user_id": "",
            "notify_terminal": True,
            "notify_desktop": True,
            "notify_tmux": True,
        },
        "keys": {"refresh": "ctrl+r"},
    }
    lines = out.splitlines()
    assert "interval = 5.0  # config.toml" in lines
    assert "concurrency = 8  # default" in lines
    assert 'transport = "httpx"  # environment: YIKE_TUI_TRANSPORT' in lines
    assert 'refresh = "ctrl+r"  # config.toml' in lines
    monkeypatch.setenv("YIKE_TUI_TRANSPORT", "carrier-pigeon\x1b[2J")
    code, out, err = cli(capsys, "config")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "\x1b" not in err


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
    plant: Callable[[Path], object],
    why: str,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    plant(path)
    before = path.lstat()
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value).startswith("~/.config/yike-tui/config.toml")
    assert str(caught.value).endswith(f"not read: {why}")
    for command in (["add", "job-1"], ["config", "init"]):  # never written over either
        code, _, err = cli(capsys, *command)
        assert code == 2 and ("not read" in err or "exists already" in err)
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


@pytest.mark.parametrize(
    ("line", "field"),
    [('api = "azure"', "settings.api"), ('region = "Shanghai!"', "settings.region")],
)
def test_bad_api_or_region_names_the_setting(line: str, field: str) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(f"[settings]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert field in str(caught.value)


def test_api_region_and_notifications_are_read() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[settings]\napi = "yike"\nregion = "ap-southeast-1"\nnotify_desktop = false\n')
    settings = load_config(path).settings
    assert (settings.api, settings.region) == ("yike", "ap-southeast-1")
    assert (settings.notify_desktop, settings.notify_terminal) == (False, True)


def test_config_names_the_environment_that_chose_api_and_region(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """YIKE_TUI_API / YIKE_TUI_REGION win over config.toml for a run: `config` says so, and a
    region the API does not serve is refused in one line, as every command refuses it."""
    monkeypatch.setenv("YIKE_TUI_API", "yike")
    monkeypatch.setenv("YIKE_TUI_REGION", "ap-southeast-1")
    code, out, _ = cli(capsys, "config")
    assert code == 0
    assert 'api = "yike"  # environment: YIKE_TUI_API' in out.splitlines()
    assert 'region = "ap-southeast-1"  # environment: YIKE_TUI_REGION' in out.splitlines()
    monkeypatch.setenv("YIKE_TUI_API", "ice")
    code, out, err = cli(capsys, "config")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "ap-southeast-1" in err


def test_the_yike_user_id_comes_from_config_toml_or_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ICE's GetYikeUserCredit needs it: [settings] yike_user_id, or YIKE_TUI_YIKE_USER_ID
    over it; `config` says which."""
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    assert load_config_text('[settings]\nyike_user_id = " yk-1 "\n').yike_user_id == "yk-1"
    path.write_text('[settings]\nyike_user_id = "yk-file"\n')
    code, out, _ = cli(capsys, "config")
    assert code == 0 and 'yike_user_id = "yk-file"  # config.toml' in out.splitlines()
    monkeypatch.setenv("YIKE_TUI_YIKE_USER_ID", "yk-env")
    code, out, _ = cli(capsys, "config")
    assert 'yike_user_id = "yk-env"  # environment: YIKE_TUI_YIKE_USER_ID' in out.splitlines()
    monkeypatch.setenv("YIKE_TUI_YIKE_USER_ID", "bad\nid")  # not an id: not used, and said
    code, out, _ = cli(capsys, "config")
    line = next(x for x in out.splitlines() if x.startswith("yike_user_id"))
    assert line.startswith('yike_user_id = "yk-file"  # config.toml') and "ignored" in line


@pytest.mark.parametrize("value", ["1", '"a\\u001b[2Jb"', '"' + "x" * 200 + '"'])
def test_a_yike_user_id_that_is_not_one_is_refused_with_its_line(value: str) -> None:
    paths.config_file().parent.mkdir(parents=True)
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"[settings]\nbell = true\nyike_user_id = {value}\n")
    assert "line 3" in str(caught.value) and "settings.yike_user_id" in str(caught.value)
