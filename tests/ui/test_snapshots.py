"""Snapshots of the main screens (pytest-textual-snapshot); update with --snapshot-update."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from tests.ui.scenes import SCENES, Scene, demo_app, demo_sim
from yike_tui.sim import SimulatorThread

# The scenes' simulator listens on one fixed port (it shows in the status bar): one worker.
pytestmark = pytest.mark.xdist_group("scene-port")


@pytest.fixture
def frozen_demo() -> Iterator[SimulatorThread]:
    with demo_sim() as sim:
        yield sim


@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
def test_screen(snap_compare, frozen_demo: SimulatorThread, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    async def prepare(pilot: Pilot[int]) -> None:
        await scene.prepare(pilot)

    app = demo_app(frozen_demo, key_id=scene.key_id, endpoint_down=scene.endpoint_down)
    assert snap_compare(app, terminal_size=scene.size, run_before=prepare)
