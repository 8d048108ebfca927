"""``add``, ``remove`` and ``list`` as a user runs them: the watch list in the state db,
config.toml's ``[[jobs]]`` imported once and never written, output, exit codes."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys

import pytest

from yike_tui.cli import main
from yike_tui.core import paths
from yike_tui.core.config import WatchedJob
from yike_tui.store import SnapshotItem, Store


@pytest.fixture(autouse=True)
def _no_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process runs must not leave a root log handler pointing into one test's tmp dir.
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)


def watched() -> list[WatchedJob]:
    with Store.open(prune=False) as store:
        return store.watchlist()


def watched_ids() -> list[str]:
    return [job.id for job in watched()]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_splits_on_spaces_commas_and_newlines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "add", "j1,j2", "j3\nj4 j5", "--label", "trailer")
    assert code == 0
    assert out == "added 5 job(s)\n"
    assert watched_ids() == ["j1", "j2", "j3", "j4", "j5"]
    assert {j.label for j in watched()} == {"trailer"}
    assert not paths.config_file().exists()  # the watch list is state, not configuration


def test_add_reports_each_duplicate(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "add", "j1")
    code, out, _ = run(capsys, "add", "j1", "j2")
    assert code == 0
    assert out == "already watched: j1\nadded 1 job(s)\n"
    assert watched_ids() == ["j1", "j2"]


def test_add_reads_stdin_for_dash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("s1\ns2, s3\n\n"))
    code, out, _ = run(capsys, "add", "first", "-")
    assert code == 0 and out == "added 4 job(s)\n"
    assert watched_ids() == ["first", "s1", "s2", "s3"]


def test_a_bad_id_is_one_line_exit_2_and_nothing_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "add", "good", "bad\x1b]52;c;x\x07")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "JobId" in err and "\x1b" not in err
    assert not paths.config_file().exists() and not paths.state_db().exists()


def test_a_label_with_control_characters_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "add", "j1", "--label", "a\nb")
    assert code == 2 and "--label" in err
    assert not paths.config_file().exists()


def test_broken_config_gives_its_message_exit_2_and_is_untouched(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"[settings]\ninterval = 'fast'\n")
    for command in (["add", "j1"], ["remove", "j1"], ["list"]):
        code, _, err = run(capsys, *command)
        assert code == 2, command
        assert "config.toml line 2: settings.interval must be a number, not 'fast'" in err
    assert path.read_bytes() == b"[settings]\ninterval = 'fast'\n"


def test_remove(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "add", "j1", "j2", "j3")
    with Store.open() as store:
        store.save_snapshots([SnapshotItem("j2", {"JobId": "j2"}, 1.0, "Running", "t")])
    code, out, _ = run(capsys, "remove", "j2,nope")
    assert code == 0
    assert out == "not watched: nope\nremoved 1 job(s)\n"
    assert watched_ids() == ["j1", "j3"]
    with Store.open() as store:
        assert store.last_status() == {}


def test_list_empty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0 and "no jobs watched" in out
    assert run(capsys, "list", "--json") == (0, "", "")
    assert not paths.state_db().exists()  # listing creates nothing


def test_list_shows_last_status_and_cleans_terminal_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "add", "j1", "--label", "trailer")
    run(capsys, "add", "j2")
    with Store.open() as store:
        store.save_snapshots(
            [SnapshotItem("j1", {}, 1700000000.0, "Succeeded", "Evil \x1b]0;pwned\x07 [/b]")]
        )
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["JOBID", "STATUS", "TITLE", "LABEL", "ADDED"]
    assert lines[1].startswith("j1") and "Succeeded" in lines[1] and "trailer" in lines[1]
    assert "\x1b" not in out and "\x07" not in out and "[/b]" in out
    assert lines[2].split()[:3] == ["j2", "-", "-"]


def test_list_json_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "add", "j1", "--label", "trailer ☃")
    run(capsys, "add", "j2")
    title = "Evil \x1b]0;pwned\x07"
    with Store.open() as store:
        store.save_snapshots([SnapshotItem("j1", {}, 1700000000.5, "Succeeded", title)])
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    added_at = [j.added_at for j in watched()]
    assert all(stamp.endswith("Z") for stamp in added_at)
    assert rows == [
        {
            "job_id": "j1",
            "label": "trailer ☃",
            "added_at": added_at[0],
            "status": "Succeeded",
            "title": title,
            "fetched_at": "2023-11-14T22:13:20.500Z",
        },
        {
            "job_id": "j2",
            "label": "",
            "added_at": added_at[1],
            "status": None,
            "title": None,
            "fetched_at": None,
        },
    ]


def test_commands_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("add", "remove", "list"):
        assert f"  {name} " in out


def test_add_from_a_pipe_in_a_real_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yike_tui", "add", "-"],
        input="p1, p2\np3\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "added 3 job(s)\n"
    assert watched_ids() == ["p1", "p2", "p3"]


def test_engine_data_layer_and_these_commands_do_not_import_textual() -> None:
    modules = (
        "core.events engine.diff core.config store commands.add commands.remove commands.list_jobs"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules.split()!r}: importlib.import_module('yike_tui.' + m)\n"
        "assert not any(n.split('.')[0] == 'textual' for n in sys.modules), 'textual imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


# --- config.toml's [[jobs]]: imported once into the state db, the file never written --------

OLD_CONFIG = (
    "# my jobs, from an older yike-tui\n"
    "[settings]\ninterval = 10\n\n"
    '[[jobs]]\nid = "old-1"\nlabel = "pilot"\nadded_at = "2025-01-02T03:04:05Z"\n\n'
    '[[jobs]]\nid = "old-2"\n'
)


def _old_config() -> bytes:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(OLD_CONFIG)
    return path.read_bytes()


def test_config_jobs_are_imported_once_and_config_toml_is_never_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _old_config()
    code, out, _ = run(capsys, "add", "new-1", "old-2")
    assert code == 0 and out == "already watched: old-2\nadded 1 job(s)\n"
    jobs = watched()
    assert jobs[:2] == [WatchedJob("old-1", "pilot", "2025-01-02T03:04:05Z"), WatchedJob("old-2")]
    assert [job.id for job in jobs] == ["old-1", "old-2", "new-1"]
    run(capsys, "remove", "old-1", "old-2", "new-1")
    code, out, _ = run(capsys, "list")
    assert code == 0 and "no jobs watched" in out  # removing them all does not re-import
    assert paths.config_file().read_bytes() == before
    assert sorted(p.name for p in paths.config_file().parent.iterdir()) == ["config.toml"]


def test_list_before_any_state_db_shows_config_jobs_and_creates_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _old_config()
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    assert [json.loads(line)["job_id"] for line in out.splitlines()] == ["old-1", "old-2"]
    assert not paths.state_db().exists()


def _unusable_state_db() -> None:
    """A db from a newer yike-tui: left alone, so this one keeps its state in memory."""
    with Store.open() as store:
        store.watch(["kept"])
    conn = sqlite3.connect(paths.state_db())
    with conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.close()


@pytest.mark.parametrize("command", [["add", "j1"], ["remove", "kept"]])
def test_add_and_remove_say_the_watch_list_cannot_be_saved_when_the_state_db_is_unusable(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _unusable_state_db()
    before = paths.state_db().read_bytes()
    code, out, err = run(capsys, *command)
    assert (code, out) == (2, "")
    assert err.startswith("yike-tui: the watch list cannot be saved: ")
    assert err.count("\n") == 1 and "newer yike-tui" in err
    assert paths.state_db().read_bytes() == before
    assert not paths.config_file().exists()


def test_the_demo_never_reads_or_writes_the_users_watch_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "add", "mine-1", "--label", "real")
    before = watched()
    code, out, err = run(capsys, "watch", "--demo", "--once")
    assert code in (0, 1), err
    assert "mine-1" not in out and out  # the demo's jobs, not the user's
    assert watched() == before


def test_what_the_tuis_first_frame_imports_leaves_the_http_client_out() -> None:
    """The client and its HTTP stack are imported after the first frame (issue 27): the
    launcher, the session, the app and its main screen need none of them to draw."""
    code = (
        "import sys\n"
        "import yike_tui.cli, yike_tui.ui.launch, yike_tui.session, yike_tui.ui.app\n"
        "late = ('httpx', 'h11', 'yike_tui.api.client', 'yike_tui.actions.download',\n"
        "        'yike_tui.ui.screens.submit_form', 'yike_tui.ui.screens.add_jobs')\n"
        "found = [m for m in late if sys.modules.get(m) is not None]\n"
        "assert not found, found\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
