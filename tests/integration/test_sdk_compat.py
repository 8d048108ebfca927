"""The vendor's own SDKs against the simulator (benchmarks/sdk_compat.py), for both APIs:
ICE's alibabacloud-ice20201109 and the Yike product's alibabacloud-yike20260319. Skipped
when an SDK is not installed (the bench extra)."""

from __future__ import annotations

import pytest

from benchmarks.sdk_compat import SDK_PACKAGES, run_checks, sdk_installed
from yike_tui.api.endpoints import APIS
from yike_tui.sim import SimulatorThread
from yike_tui.sim.app import Reply


@pytest.mark.parametrize("api", ["ice", "yike"])
def test_the_vendor_sdk_submits_gets_and_resumes_against_the_simulator(
    api: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not sdk_installed(api):
        pytest.skip(f"{SDK_PACKAGES[api]} not installed (pip install -e '.[bench]')")
    versions: list[str] = []
    with SimulatorThread(scenario="demo") as sim:
        assert sim.server is not None
        app = sim.server.sim
        handle = app.handle

        def recording(method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
            versions.append(headers.get("x-acs-version", ""))
            return handle(method, target, headers, body)

        app.handle = recording  # type: ignore[method-assign]
        passed = run_checks(sim, api)
    out = capsys.readouterr().out
    assert passed, out
    assert "FAIL" not in out
    assert "ok   resume a suspended job" in out
    if api == "yike":
        assert "ok   get a finished job's subtitles" in out
    # Every call the SDK made carried its API's version (and the simulator answered it).
    assert versions and set(versions) == {APIS[api].version}
