"""Regenerate screenshots/*.svg from the demo:  python -m screenshots.generate [NAME...]
(no name: every scene)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.ui.scenes import SCENES, demo_app, demo_sim

OUT = Path(__file__).parent


async def shoot(names: list[str]) -> None:
    for scene in SCENES:
        if names and scene.name not in names:
            continue
        with demo_sim() as sim:  # a fresh simulator a scene: same RequestIds every run
            app = demo_app(sim, key_id=scene.key_id, endpoint_down=scene.endpoint_down)
            async with app.run_test(size=scene.size) as pilot:
                await scene.prepare(pilot)
                path = app.save_screenshot(filename=f"{scene.name}.svg", path=str(OUT))
                print(path)


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    asyncio.run(shoot(sys.argv[1:]))
