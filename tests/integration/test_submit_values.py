"""Values the vendor documents are offered, never the judge: a value on no list is warned
about and sent (the strict simulator then answers as the service would); a parameter the
API in use does not take is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hardening.cli_run import run
from tests.integration.test_submit_command import use_endpoint
from yike_tui.core import known_values
from yike_tui.sim import SimulatorThread

SOURCE = "https://b.oss-cn-shanghai.aliyuncs.com/novel.txt"
ICE, YIKE = "2020-11-09", "2026-03-19"


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="empty", clock=lambda: 0.0) as server:
        use_endpoint(monkeypatch, server.endpoint)
        yield server


def submits(sim: SimulatorThread) -> int:
    assert sim.server is not None
    return int(sim.server.sim.stats.by_action["SubmitYikeStoryboardJob"])


def submit(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    return run(["submit", "--file-url", SOURCE, "--title", "Rain", *flags], capsys)


def sent_params(sim: SimulatorThread, job_id: str) -> dict[str, str]:
    assert sim.server is not None
    job = sim.server.sim.book.get(job_id)
    assert job is not None
    return job.params


@pytest.mark.parametrize("api", ["ice", "yike"])
def test_1080p_the_sdk_documents_is_taken_on_both_apis(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], api: str
) -> None:
    code, out, err = submit(capsys, "--api", api, "--resolution", "1080P")
    assert code == 0, err
    assert "warning" not in err
    assert sent_params(sim, out.strip())["Resolution"] == "1080P"


@pytest.mark.parametrize(
    "style", ["RealisticXianxiaPro", "RealisticWesternPro", "AncientRomanceAnime"]
)
def test_the_sdks_newer_styles_are_taken(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], style: str
) -> None:
    code, out, err = submit(capsys, "--api", "yike", "--style-id", style)
    assert code == 0 and "warning" not in err, err
    assert sent_params(sim, out.strip())["StyleId"] == style


def test_an_unknown_style_is_warned_about_and_sent_anyway(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = submit(capsys, "--style-id", "ghibli")
    first = err.splitlines()[0]
    assert first == (
        "yike-tui: warning: --style-id 'ghibli' is not a value Yike documents "
        "(did you mean Ghibli?); sent as given"
    )
    assert submits(sim) == 1  # sent: the service is the judge, not a list kept here
    # ...and the strict simulator judges as the service documents it
    assert code == 1 and out == "" and "InvalidStyleId" in err


def test_a_value_only_the_other_api_documents_is_warned_about(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = submit(capsys, "--api", "yike", "--resolution", "1K")
    assert "--resolution '1K' is not documented for the yike API" in err
    assert submits(sim) == 1 and code == 1


def test_yike_only_parameters_reach_the_yike_api(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ("--need-caption", "--no-keep-origin-dialogue", "--shot-prompt-lang", "en")
    code, out, err = submit(capsys, "--api", "yike", *flags)
    assert code == 0, err
    params = sent_params(sim, out.strip())
    assert params["NeedCaption"] == "true" and params["KeepOriginDialogue"] == "false"
    assert params["ShotPromptLang"] == "en"


@pytest.mark.parametrize(
    "flag", [["--need-caption"], ["--no-keep-origin-dialogue"], ["--shot-prompt-lang", "en"]]
)
def test_yike_only_parameters_are_refused_on_ice_before_anything_is_sent(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], flag: list[str]
) -> None:
    code, out, err = submit(capsys, *flag)
    assert (code, out) == (2, "")
    assert "is a parameter of the Yike product's API only (--api yike)" in err
    assert sim.server is not None and sim.server.sim.stats.by_action == {}


def test_help_lists_every_known_style_and_voice(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["submit", "--help"], capsys)
    assert code == 0
    for known in (known_values.STYLES, known_values.VOICES):
        for value, _help in known.choices():
            assert value in out


def test_the_yike_lists_are_the_sdks_own() -> None:
    """What is documented for the Yike API is exactly what its SDK lists (2.2.1)."""
    assert known_values.RESOLUTIONS.documented_for(YIKE) == ("720P", "1080P", "2K", "4K")
    assert len(known_values.STYLES.documented_for(YIKE)) == 27
    assert len(known_values.VOICES.documented_for(YIKE)) == 18
    assert known_values.SOURCE_TYPES.documented_for(YIKE) == ("Novel",)
    # ICE's SDK lists none: whatever either source documents is offered there
    assert "Hokusei" in known_values.STYLES.documented_for(ICE)
    assert "AncientRomanceAnime" in known_values.STYLES.documented_for(ICE)
