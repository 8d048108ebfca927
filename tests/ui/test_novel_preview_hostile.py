"""The submit form's preview reads the user's file off the event loop, and even the costliest
.docx allowed (32 MiB of XML at the element cap, seconds to refuse) never freezes the screen:
the loop keeps running all along, and the refusal lands on the path's field in one line."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

from textual.widgets import Input, Label

from tests.hardening import hostile_docx as hd
from tests.hardening.test_novel_hostile import WORST_SHAPES
from tests.ui.conftest import AppFactory
from tests.wait import wait_for
from yike_tui.actions.novel_file import MAX_BYTES, MAX_XML_ELEMENTS
from yike_tui.sim import SimulatorThread
from yike_tui.ui.screens.submit_form import SubmitForm


async def test_the_costliest_docx_in_the_preview_never_freezes_the_screen(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    path = tmp_path / "worst.docx"
    path.write_bytes(hd.zipped(WORST_SHAPES["runs of text"]()))
    assert path.stat().st_size <= MAX_BYTES
    app = make_app(ids=[])
    wakes: list[float] = []

    async def tick() -> None:  # needs the loop back every few milliseconds
        while True:
            wakes.append(time.perf_counter())
            await asyncio.sleep(0.005)

    async with app.run_test(size=(120, 40)) as pilot:
        form = SubmitForm(app.client, base=tmp_path)
        app.push_screen(form)
        await wait_for(pilot, lambda: app.screen is form and form.query("#submit-path"), "the form")
        error = form.query_one("#submit-path-error", Label)
        ticker = asyncio.create_task(tick())
        start = time.perf_counter()
        form.query_one("#submit-path", Input).value = "worst.docx"  # as pasted: one change
        await wait_for(pilot, lambda: str(error.render()), "a refusal", timeout=300)
        end = time.perf_counter()
        ticker.cancel()
    shown = str(error.render())
    assert shown.startswith("worst.docx: ") and "\n" not in shown
    assert f"over {MAX_XML_ELEMENTS:,} XML elements" in shown
    moments = [start, *(t for t in wakes if start < t < end), end]
    longest = max(b - a for a, b in itertools.pairwise(moments))
    # Read on the loop (or holding the GIL), the longest wait would be the whole read.
    assert longest < max((end - start) / 4, 0.25), (
        f"the event loop waited {longest * 1000:.0f} ms of {end - start:.2f} s"
    )
