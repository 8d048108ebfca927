"""A full session with a recognisable STS key, secret and token, errors included: the secret
and the token never appear in the log, the state db, the config, the output or the screens;
a signed URL's Signature only where the user asked to see it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.hardening.cli_run import run as run_cli
from tests.wait import wait_for, wait_until
from yike_tui.api.credentials import Credentials
from yike_tui.core import paths
from yike_tui.core.config import Settings
from yike_tui.session import session_for
from yike_tui.sim import DEMO_STS_KEY_ID, DEMO_STS_SECRET, DEMO_STS_TOKEN, SimulatorThread
from yike_tui.store import Store

SECRETS = (DEMO_STS_SECRET, DEMO_STS_TOKEN)
MISSING = "f" * 32  # a JobId the simulator does not know: the error path


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo", speed=5000) as server:  # jobs finish: output URLs
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_STS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_STS_SECRET)
        monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", DEMO_STS_TOKEN)
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", server.endpoint)
        yield server


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    root = logging.getLogger()  # each command sets up its own logging, as in its own process
    for handler in [h for h in root.handlers if getattr(h, "_yike_tui", False)]:
        root.removeHandler(handler)
        handler.close()
    return run_cli(argv, capsys)


def files_text() -> dict[str, str]:
    """Every file yike-tui wrote, as text (binary files decoded leniently)."""
    found = {}
    for root in (paths.config_dir(), paths.state_dir(), paths.log_dir()):
        for path in Path(root).rglob("*") if root.exists() else []:
            if path.is_file():
                found[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return found


async def test_no_secret_anywhere(sim: SimulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    ids = sim.job_ids[:4]
    # The simulator's clock runs 5000x: wait until one of them has a signed output URL.
    truth = f"{sim.endpoint}/_sim/truth?ids={','.join(ids)}"

    def an_output_url() -> bool:
        return "Signature=" in httpx.get(truth, trust_env=False).text

    await asyncio.to_thread(wait_until, an_output_url, "a finished job with an output URL")
    outputs: dict[str, str] = {}
    for argv in (
        ["add", *ids, MISSING],
        ["list"],
        ["list", "--json"],
        ["get", "--debug", *ids, MISSING],
        ["watch", "--once", "--debug"],
        ["watch", "--once", "--json"],
        ["report", *ids],
        ["report", "--format", "json", *ids],
        ["info"],
    ):
        code = await asyncio.to_thread(run, argv, capsys)
        outputs[" ".join(argv)] = code[1] + code[2]
    get_json = await asyncio.to_thread(run, ["get", "--json", *ids], capsys)
    assert "Signature=" in get_json[1]  # asked for: the full signed URL

    # The TUI, under Pilot, on the same files; the detail pane may show the URL in full.
    from yike_tui.ui.app import YikeApp

    creds = Credentials(DEMO_STS_KEY_ID, DEMO_STS_SECRET, DEMO_STS_TOKEN, source="env")
    session = session_for(
        sim.endpoint,
        creds,
        [*ids, MISSING],
        settings=Settings(rate_limit=0.0, clipboard="osc52"),
        store=Store.open(),  # type: ignore[call-arg]
    )
    app = YikeApp(session)
    screens = []
    async with app.run_test(size=(160, 45)) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.status.passes, "the first refresh pass")
        for key in ("j", "enter", "e", "e", "question_mark", "escape"):
            await pilot.press(key)
            await pilot.pause()
            screens.append(app.export_screenshot())
    assert session.store is not None
    session.store.close()
    logging.shutdown()

    everything = {**outputs, **files_text(), **{f"screen {i}": s for i, s in enumerate(screens)}}
    assert any(name.endswith("yike-tui.log") for name in everything)
    for name, text in everything.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} in {name}"
    # Signatures: never in the log, the config, the human output of the commands.
    for name, text in {**outputs, **files_text()}.items():
        if name.startswith(("get", "report")) or "json" in name:
            # Asked for: get shows the job (like the detail pane), report has a documented
            # output URL column, JSON is exact. The state db keeps URLs without their query.
            continue
        assert "Signature=" not in text, f"a signed query in {name}"
    log = next(t for n, t in files_text().items() if n.endswith("yike-tui.log"))
    assert "GetYikeStoryboardJob" in log  # --debug logged the requests...
    assert "authorization" not in log.lower() and "x-acs-security-token" not in log.lower()
