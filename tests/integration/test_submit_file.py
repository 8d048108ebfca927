"""``yike-tui submit FILE`` end to end against the simulator over real HTTP: the file checked
before anything is sent, the upload (its signature and STS token checked as OSS does), the
submit with the FileURL it gave, the job running to a video; refusals on one line; credits."""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.cli_run import run as run_cli
from tests.integration.test_submit_command import watched_ids
from tests.pty_child import PtyChild, yike_tui
from yike_tui.actions.novel_file import MAX_BYTES, MAX_CHARS
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.credits import LOW_CREDITS, get_credits
from yike_tui.core import paths
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_YIKE_USER_ID,
    SimulatorThread,
)
from yike_tui.sim.sample_texts import sample_path
from yike_tui.sim.uploads import BUCKET

DEADLINE = 60.0


class Clock:
    """The simulator's clock, moved by the test: a job's whole life in one step."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="empty", clock=clock) as server:
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", server.endpoint)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        monkeypatch.setenv("YIKE_TUI_YIKE_USER_ID", DEMO_YIKE_USER_ID)  # ICE's credits
        yield server


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    root = logging.getLogger()  # each command sets up its own logging, as in its own process
    for handler in [h for h in root.handlers if getattr(h, "_yike_tui", False)]:
        root.removeHandler(handler)
        handler.close()
    return run_cli(argv, capsys)


def calls(sim: SimulatorThread) -> dict[str, int]:
    assert sim.server is not None
    by_action: dict[str, int] = sim.server.sim.stats.to_json()["by_action"]
    return by_action


def novel(tmp_path: Path, name: str = "Rain Alley.txt", text: str = "It rained.\n") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the whole flow ------------------------------------------------------------------------


def test_a_sample_file_becomes_a_job_that_runs_to_a_video(
    sim: SimulatorThread, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.server is not None
    sample = sample_path()
    code, out, err = run(
        ["submit", str(sample), "--style-id", "Ghibli", "--voice", "sys_ClassicYoungWoman",
         "--shot-split-mode", "thirdPersonNarration", "--aspect-ratio", "9:16",
         "--resolution", "720P"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    job_id = out.strip()
    assert len(job_id) == 32 and watched_ids() == [job_id]
    # What went up is the file, byte for byte, and the job was made from that upload.
    desk = sim.server.sim.uploads
    assert list(desk.objects.values()) == [sample.read_bytes()]
    job = sim.server.sim.book.get(job_id)
    assert job is not None
    key = next(iter(desk.objects))
    assert job.params["FileURL"] == f"{sim.endpoint}/{BUCKET}/{key}"
    assert job.params["Title"] == "aesop_fables"  # from the file's name
    assert job.params["StyleId"] == "Ghibli" and job.params["AspectRatio"] == "9:16"
    assert "uploaded aesop_fables.txt (3," in err and "source type: Novel" in err
    assert "\r" not in err and "%" not in err  # no progress bar on a pipe
    assert calls(sim)["SubmitYikeStoryboardJob"] == 1
    # The job runs (the simulator's clock jumps a day) to Succeeded with its video.
    clock.now = 86_400.0
    code, out, err = run(["get", "--json", job_id], capsys)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["status"] == "Succeeded"
    assert shown["output_url"].startswith(f"{sim.endpoint}/yike-output/{job_id}/")


def test_a_docx_goes_up_as_it_is(
    sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.test_novel_file import docx

    assert sim.server is not None
    path = docx(tmp_path / "雨巷.docx", ["INT. ALLEY - NIGHT", "A: Who?", "B: Me."])
    code, out, err = run(["submit", str(path)], capsys)
    assert code == 0, err
    assert list(sim.server.sim.uploads.objects.values()) == [path.read_bytes()]
    assert "source type: Script (guessed" in err
    job = sim.server.sim.book.get(out.strip())
    assert job is not None and job.params["SourceType"] == "Script"
    assert job.params["Title"] == "雨巷"


def test_the_upload_shows_a_progress_bar_on_a_terminal(
    sim: SimulatorThread, tmp_path: Path
) -> None:
    path = novel(tmp_path, text="The lantern went out. " * 1300)
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    with PtyChild(yike_tui("submit", str(path)), env) as cli:
        cli.read_until(b"Submit? [y/N]", "the question a terminal is asked first")
        cli.send(b"y\r")
        assert cli.wait() == 0, cli.output[-400:]
    seen = cli.output
    assert b"Rain Alley.txt (28.6 kB, 28,600 characters)" in seen  # the summary, then the bar
    assert b"100%" in seen and b"28.6/28.6 kB" in seen  # the bar, at its end
    assert b"uploaded Rain Alley.txt (28,600 characters)" in seen


# --- the file is checked before anything is sent --------------------------------------------


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    link = tmp_path / "link.txt"
    link.symlink_to(novel(tmp_path))
    os.mkfifo(tmp_path / "fifo.txt")
    (tmp_path / "dir.txt").mkdir()
    return {
        "too big": (big, "big.txt: over 5 MB, the most Yike takes"),
        "too many chars": (
            novel(tmp_path, "long.txt", "字" * (MAX_CHARS + 1)),
            f"long.txt: {MAX_CHARS + 1:,} characters; Yike takes at most {MAX_CHARS:,}",
        ),
        "empty": (novel(tmp_path, "empty.txt", ""), "empty.txt: empty"),
        "pdf": (novel(tmp_path, "n.pdf", "%PDF"), "n.pdf: a .pdf file; Yike takes .txt or .docx"),
        "symlink": (link, "link.txt: it is a symbolic link; not followed"),
        "fifo": (tmp_path / "fifo.txt", "fifo.txt: it is a FIFO (named pipe)"),
        "directory": (tmp_path / "dir.txt", "dir.txt: it is a directory"),
        "missing": (tmp_path / "gone.txt", "gone.txt: no such file"),
    }


@pytest.mark.parametrize(
    "case",
    ["too big", "too many chars", "empty", "pdf", "symlink", "fifo", "directory", "missing"],
)
def test_a_bad_file_is_exit_2_one_line_and_nothing_sent(
    case: str, sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, message = _bad_files(tmp_path)[case]
    code, out, err = run(["submit", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err == f"yike-tui: {message}\n" or err.startswith(f"yike-tui: {message}"), err
    assert len(err.strip().splitlines()) == 1
    assert calls(sim) == {}  # not even the credit balance was asked for
    assert watched_ids() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_file_is_exit_2(
    sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = novel(tmp_path)
    path.chmod(0)
    code, _, err = run(["submit", str(path)], capsys)
    assert code == 2 and "cannot be read (permission denied)" in err
    assert calls(sim) == {}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--shot-split-mode", "dialogue", "--source-type", "Novel"], "dialogue is for a Script"),
        (["--file-url", "https://x.test/a.txt"], "give FILE or --file-url, not both"),
        (["--user-data", "[1]"], "--user-data must be a JSON object"),
    ],
)
def test_bad_flags_with_a_file_send_nothing(
    flags: list[str],
    message: str,
    sim: SimulatorThread,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["submit", str(novel(tmp_path)), *flags], capsys)
    assert code == 2 and message in err, err
    assert calls(sim) == {}


def test_dialogue_is_taken_for_a_script(
    sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["submit", str(novel(tmp_path)), "--source-type", "Script", "--shot-split-mode",
            "dialogue", "--user-data", '{"NotifyAddress": "https://hook.test/x"}']  # fmt: skip
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert sim.server is not None
    job = sim.server.sim.book.get(out.strip())
    assert job is not None and job.params["ShotSplitMode"] == "dialogue"


# --- refusals -----------------------------------------------------------------------------


def test_an_expired_upload_is_a_clear_error_and_no_job(
    sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.server is not None
    sim.server.sim.uploads.ttl = -1.0  # the STS credentials it hands out are already expired
    code, out, err = run(["submit", str(novel(tmp_path))], capsys)
    assert (code, out) == (1, "")
    line = err.strip().splitlines()[-1]
    expected = (
        "yike-tui: not uploaded: the upload was refused (HTTP 403 "
        "SecurityTokenExpired: The security token you provided has expired.)"
    )
    assert line.startswith(expected)
    assert "run the submit again" in line
    assert calls(sim).get("SubmitYikeStoryboardJob", 0) == 0
    assert sim.server.sim.uploads.objects == {} and watched_ids() == []


def test_a_file_url_never_uploaded_is_refused(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{sim.endpoint}/{BUCKET}/yike/storyboard-input/never.txt"
    code, out, err = run(["submit", "--file-url", url, "--title", "Ghost"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("yike-tui: not submitted: InvalidParameter.FileURL (HTTP 400): The "
                          "FileURL does not exist")  # fmt: skip
    assert watched_ids() == []


def test_an_upload_to_another_key_or_with_a_wrong_token_is_refused(sim: SimulatorThread) -> None:
    """The simulator's OSS checks the grant as OSS does: one key, its own token."""
    import asyncio
    from datetime import UTC, datetime

    import httpx

    from yike_tui.actions.upload import UploadError, parse_upload_answer, put_object

    assert sim.server is not None
    desk = sim.server.sim.uploads
    target, auth = parse_upload_answer(desk.create(sim.endpoint, "txt", "r"))

    async def put(**changes: str) -> str:
        t = type(target)(**{**target.__dict__, **{k: v for k, v in changes.items() if k == "key"}})
        a = type(auth)(**{**auth.__dict__, **{k: v for k, v in changes.items() if k != "key"}})
        async with httpx.AsyncClient() as http:
            try:
                await put_object(http, t, a, b"x", "text/plain", now=datetime.now(UTC))
            except UploadError as exc:
                return str(exc)
        return "accepted"

    assert "AccessDenied" in asyncio.run(put(key="other.txt"))
    assert "InvalidSecurityToken" in asyncio.run(put(security_token="CAISforged"))
    assert "SignatureDoesNotMatch" in asyncio.run(put(access_key_secret="wrong"))
    assert desk.objects == {}
    assert asyncio.run(put()) == "accepted"


def test_no_sts_secret_or_token_in_output_or_files(
    sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.hardening.test_secrets import files_text

    assert sim.server is not None
    desk = sim.server.sim.uploads
    code, out, err = run(["submit", "--debug", str(novel(tmp_path))], capsys)
    assert code == 0, err
    desk.ttl = -1.0
    code2, out2, err2 = run(["submit", "--debug", str(novel(tmp_path, "b.txt"))], capsys)
    assert code2 == 1
    secrets = [s for g in desk.grants.values() for s in (g.secret, g.token)]
    assert len(secrets) == 4
    logs = files_text()
    assert any(name.endswith(".log") for name in logs) or paths.log_dir().exists()
    for text in [out, err, out2, err2, *logs.values()]:
        for secret in secrets:
            assert secret not in text


# --- credits ------------------------------------------------------------------------------


def test_low_credits_warn_before_the_submit(
    sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.server is not None
    sim.server.sim.credits.start = 1234.0
    code, out, err = run(["submit", str(novel(tmp_path))], capsys)
    assert code == 0 and out.strip()
    assert ("yike-tui: warning: 1,234 credits left of 100,000; jobs can stop below 5,000"
            in err)  # fmt: skip


def test_enough_or_unreadable_credits_say_nothing(
    sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.server is not None
    code, _, err = run(["submit", str(novel(tmp_path))], capsys)
    assert code == 0 and "credits" not in err

    def broken(now: float, request_id: str) -> dict[str, object]:
        raise RuntimeError("credit service down")  # the simulator answers HTTP 500

    sim.server.sim.credits.ice_body = broken  # type: ignore[method-assign]
    code, out, err = run(["submit", str(novel(tmp_path, "b.txt"))], capsys)
    assert code == 0 and out.strip(), err
    assert "credit" not in err and "InternalError" not in err


async def test_the_balance_goes_down_as_jobs_run(clock: Clock) -> None:
    from yike_tui.sim import running_simulator

    creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
    async with running_simulator(scenario="empty", clock=clock) as server:
        for version in ("2020-11-09", "2026-03-19"):  # ICE's action, then the Yike API's
            server.sim.credits.jobs.clear()
            async with ApiClient(
                creds, endpoint=server.endpoint, version=version, yike_user_id=DEMO_YIKE_USER_ID
            ) as client:
                before = await get_credits(client)
                assert before.total == 100_000 and before.remaining == 60_000
                await client.submit_job({"Title": "t"}, {"FileURL": "https://x.test/a.txt"})
                clock.now += 100.0
                after = await get_credits(client)
                assert 0 < after.remaining < before.remaining
                assert not after.low and after.remaining > LOW_CREDITS


# --- the vendor's OSS SDK against the simulator's OSS ------------------------------------


def test_the_vendor_oss_sdk_uploads_to_the_simulator(sim: SimulatorThread) -> None:
    """The simulator checks V4 signatures as OSS does: the vendor's own uploader passes,
    and its answer to a refused one is parsed by the SDK as an OSS error."""
    oss = pytest.importorskip("alibabacloud_oss_v2")
    assert sim.server is not None
    desk = sim.server.sim.uploads
    answer = desk.create(sim.endpoint, "txt", "r")
    address = json.loads(base64.b64decode(answer["UploadAddress"]))
    auth = json.loads(base64.b64decode(answer["UploadAuth"]))

    def client(token: str) -> object:
        cfg = oss.config.load_default()
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
            auth["AccessKeyId"], auth["AccessKeySecret"], token
        )
        cfg.region = auth["Region"]
        cfg.endpoint = address["Endpoint"]
        cfg.use_path_style = True
        cfg.disable_upload_crc64_check = True  # the simulator sends no CRC-64 header
        cfg.retry_max_attempts = 1
        return oss.Client(cfg)

    request = oss.PutObjectRequest(
        bucket=address["Bucket"],
        key=address["FileName"],
        body=b"A story.",
        content_type="text/plain",
    )
    result = client(auth["SecurityToken"]).put_object(request)  # type: ignore[attr-defined]
    assert result.status_code == 200
    assert desk.objects == {address["FileName"]: b"A story."}
    with pytest.raises(oss.exceptions.OperationError) as refused:
        client("CAISforged").put_object(request)  # type: ignore[attr-defined]
    assert "InvalidSecurityToken" in str(refused.value) and "403" in str(refused.value)


# --- the demo -----------------------------------------------------------------------------


def test_the_demo_holds_a_job_submitted_from_the_sample(
    clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SimulatorThread(scenario="demo", clock=clock, sample_job=True) as server:
        assert server.server is not None
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", server.endpoint)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        job_id = server.job_ids[-1]
        job = server.server.sim.book.get(job_id)
        assert job is not None
        assert job.params["Title"] == "Five Fables of Aesop (submitted from a sample file)"
        desk = server.server.sim.uploads
        assert desk.was_uploaded(server.endpoint, job.params["FileURL"]) is True
        assert list(desk.objects.values()) == [sample_path().read_bytes()]
        clock.now = 86_400.0
        code, out, err = run(["get", "--json", job_id], capsys)
        assert code == 0, err
        assert json.loads(out)["status"] == "Succeeded" and json.loads(out)["output_url"]
    with SimulatorThread(scenario="demo", clock=clock) as plain:  # the frozen demo: unchanged
        assert plain.server is not None and plain.server.sim.uploads.objects == {}
