"""download, resume, submit and report run in-process as a user runs them, against a
simulator on loopback (over real HTTP) or the built-in --demo."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_env import demo_for_commands
from yike_tui.cli import main
from yike_tui.core import paths
from yike_tui.sim import SimulatorThread
from yike_tui.store import SnapshotItem, Store


def watched_ids() -> list[str]:
    """The watch list, from the state db (where add, remove and submit keep it)."""
    if not paths.state_db().exists():
        return []
    with Store.open(prune=False) as store:
        return [job.id for job in store.watchlist()]


@pytest.fixture(autouse=True)
def _no_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process runs must not leave a root log handler pointing into one test's tmp dir.
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    """A simulator the commands reach with --endpoint-style env and the demo key pair."""
    with demo_for_commands(monkeypatch, clock=lambda: 0.0) as thread:
        yield thread


def demo_id(sim: SimulatorThread, title_start: str) -> str:
    assert sim.server is not None
    return next(j.id for j in sim.server.sim.book if j.params["Title"].startswith(title_start))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- download ----------------------------------------------------------------------------


def test_download_saves_each_video_and_prints_paths(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    harbour, cat = demo_id(sim, "Harbour"), demo_id(sim, "🎬")
    code, out, err = run(capsys, "download", harbour, cat, "--dir", str(tmp_path / "v"))
    assert code == 0, err
    saved = sorted(Path(line) for line in out.splitlines())
    assert saved == sorted(
        [
            tmp_path / "v" / "Harbour Lights — Episode 1.mp4",
            tmp_path / "v" / "🎬 Cyberpunk Cat Café ☕🐱 Ep. 2.mp4",
        ]
    )
    assert all(p.read_bytes()[4:8] == b"ftyp" for p in saved)
    # stderr is not a terminal here: one plain line a file, no cursor movement.
    assert "\x1b" not in err and err.count("✓") == 2
    assert "Signature=" not in err


def test_download_defaults_to_the_configured_dir_and_never_overwrites(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    harbour = demo_id(sim, "Harbour")
    target = isolated_home / "videos"
    config = isolated_home / ".config" / "yike-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[settings]\ndownloads_dir = "{target}"\n')
    assert run(capsys, "download", harbour)[0] == 0
    first = target / "Harbour Lights — Episode 1.mp4"
    assert sim.server is not None
    asked = sim.server.sim.stats.requests

    # Downloaded before: said, with where it is; nothing written, nothing asked of the API.
    code, out, err = run(capsys, "download", harbour)
    assert code == 0, err
    assert f"✓ {harbour} is downloaded already: {first} (--again downloads it anew)" in err
    assert out.strip() == str(first)  # a script is given the video's path all the same
    assert sorted(p.name for p in target.iterdir()) == [first.name]
    assert sim.server.sim.stats.requests == asked

    # --again: a second copy beside it, never over it.
    code, out, _ = run(capsys, "download", harbour, "--again")
    assert code == 0
    assert out.strip() == str(target / "Harbour Lights — Episode 1 (2).mp4")
    assert sorted(p.name for p in target.iterdir()) == [
        "Harbour Lights — Episode 1 (2).mp4",
        first.name,
    ]


def test_download_again_when_the_file_downloaded_before_is_gone(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    harbour = demo_id(sim, "Harbour")
    folder = tmp_path / "v"
    assert run(capsys, "download", harbour, "--dir", str(folder))[0] == 0
    (saved,) = folder.iterdir()
    saved.rename(tmp_path / "moved.mp4")
    code, out, err = run(capsys, "download", harbour, "--dir", str(folder))
    assert code == 0 and "downloaded already" not in err
    assert out.strip() == str(saved) and saved.read_bytes()[4:8] == b"ftyp"


def test_download_of_a_job_without_output_says_why(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    running, harbour = demo_id(sim, "The Long Night"), demo_id(sim, "Harbour")
    code, out, err = run(capsys, "download", running, harbour, "--dir", str(tmp_path))
    assert code == 1
    assert f"✗ {running}: no output video yet (status Running" in err
    assert "1 of 2 download(s) failed" in err
    assert out.strip().endswith("Harbour Lights — Episode 1.mp4")


def test_download_demo_without_ids_takes_every_finished_video(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "download", "--demo", "--dir", str(tmp_path / "d"))
    assert code == 0
    assert len(out.splitlines()) >= 2
    assert not list((tmp_path / "d").glob("*.part"))


# --- resume ------------------------------------------------------------------------------


def test_resume_a_suspended_job_shows_it_running(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    cranes = demo_id(sim, "Paper Cranes")
    code, out, err = run(capsys, "resume", cranes)
    assert (code, err) == (0, "")
    assert out == f"resumed: ▶ Running  {cranes}  Paper Cranes (waiting for review)\n"


def test_resume_a_running_job_gives_the_service_message(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    running, cranes = demo_id(sim, "The Long Night"), demo_id(sim, "Paper Cranes")
    code, out, err = run(capsys, "resume", running, cranes)
    assert code == 1
    assert "InvalidStatus" in err and "only a Suspended job can be resumed" in err
    assert out.startswith("resumed: ▶ Running  " + cranes)


def test_resume_with_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "resume", "--demo", "nope")
    assert code == 1 and out == ""


# --- submit ------------------------------------------------------------------------------


def test_submit_lands_with_its_params_and_in_the_watch_list(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "submit", "--file-url", "https://b.oss-cn-shanghai.aliyuncs.com/n%20v.txt",
        "--title", "雨巷 a*b~c", "--style-id", "GuofengAnime", "--aspect-ratio", "9:16",
        "--resolution", "1K", "--voice", "sys_YoungGracefulWoman",
        "--model-params", '{"AudioEnable": true}', "--exec-mode", "FullPipeline",
    )  # fmt: skip
    assert code == 0, err
    job_id = out.strip()
    assert "in the watch list" in err
    assert watched_ids() == [job_id]
    assert sim.server is not None
    params = sim.server.sim.book.get(job_id).params  # type: ignore[union-attr]
    assert params["Title"] == "雨巷 a*b~c"
    assert params["FileURL"] == "https://b.oss-cn-shanghai.aliyuncs.com/n%20v.txt"
    assert params["StyleId"] == "GuofengAnime" and params["AspectRatio"] == "9:16"
    assert params["NarrationVoiceId"] == "sys_YoungGracefulWoman"
    assert json.loads(params["ModelParams"]) == {"AudioEnable": True}
    code, out, _ = run(capsys, "get", "--json", job_id)
    assert code == 0 and json.loads(out)["status"] == "Running"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--title", "长" * 43], "--title is 129 bytes"),
        (["--title", "t", "--model-params", "{nope"], "--model-params is not valid JSON"),
        (["--title", "t", "--need-caption"], "--need-caption is a parameter of the Yike"),
    ],
)
def test_submit_refuses_bad_input_and_sends_nothing(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    code, out, err = run(capsys, "submit", "--file-url", "https://b.test/n.txt", *flags)
    assert (code, out) == (2, "")
    assert err.startswith(f"yike-tui: {message}") and err.count("\n") == 1
    assert sim.server is not None
    assert sim.server.sim.stats.to_json()["by_action"] == {}
    assert watched_ids() == []


def test_submit_rejects_a_non_http_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "submit", "--demo", "--file-url", "file:///etc/passwd", "--title", "t"
    )
    assert code == 2 and "http(s) URL" in err


# --- report ------------------------------------------------------------------------------


def test_report_of_the_watch_list_in_each_format(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    courier, harbour = demo_id(sim, "Midnight Courier"), demo_id(sim, "Harbour")
    with Store.open() as store:
        store.watch([courier, harbour])
    code, md, _ = run(capsys, "report")
    assert code == 0
    lines = md.splitlines()
    assert lines[0].startswith("| Status | Title |") and len(lines) == 4
    assert "ContentModerationFailed×1, NoMediaData×1, VideoGenerationTimeout×1" in lines[2]
    assert lines[3].startswith(f"| ✓ Succeeded | Harbour Lights — Episode 1 | {harbour} | 5/5 |")
    code, text, _ = run(capsys, "report", "--format", "csv", harbour)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert code == 0 and rows[0]["job_id"] == harbour and rows[0]["storyboards_done"] == "5"
    assert rows[0]["output_url"].startswith(sim.endpoint + "/yike-output/")
    code, text, _ = run(capsys, "report", "--format", "json", courier)
    (record,) = json.loads(text)
    assert record["failed_shots"] == {
        "ContentModerationFailed": 1, "NoMediaData": 1, "VideoGenerationTimeout": 1
    }  # fmt: skip


def test_report_cached_reads_the_state_db_without_network(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    from yike_tui.store import Store

    harbour = demo_id(sim, "Harbour")
    run(capsys, "get", harbour)
    assert sim.server is not None
    payload = json.loads(sim.server.sim.handle("GET", f"/_sim/truth?ids={harbour}", {}, b"").body)[
        harbour
    ]
    with Store.open() as store:
        store.save_snapshots([SnapshotItem(harbour, payload, 1.0, "Succeeded", "Harbour")])
    before = sim.server.sim.stats.to_json()["by_action"]
    code, out, err = run(capsys, "report", "--cached", "--format", "json", harbour, "unknown1")
    assert code == 1 and "unknown1: nothing cached yet" in err
    assert [r["job_id"] for r in json.loads(out)] == [harbour]
    assert sim.server.sim.stats.to_json()["by_action"] == before


def test_report_with_nothing_to_report_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "report")
    assert code == 2 and out == "" and "watch list is empty" in err


def test_submit_refuses_an_exec_mode_it_does_not_know(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """A choice flag is refused by the parser, in one line naming the choices, before any
    request."""
    with pytest.raises(SystemExit) as exited:
        run(
            capsys, "submit", "--file-url", "https://b.test/n.txt", "--title", "t",
            "--exec-mode", "Quick",
        )  # fmt: skip
    out, err = capsys.readouterr()
    assert (exited.value.code, out) == (2, "")
    assert "--exec-mode: invalid choice: 'Quick'" in err and err.count("\n") == 1
    assert sim.server is not None
    assert sim.server.sim.stats.to_json()["by_action"] == {}
