"""D draws a row per download with Textual's ProgressBar: the job's name, the bar with its
percent, and the bytes and speed, against a real storage server on
loopback that the test paces."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from textual.widgets import Label, ProgressBar

from tests.loopback import listening
from tests.ui.conftest import AppFactory, by_title, point_output_at
from tests.ui.scenes import first_pass, select_title
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.downloads import Downloads, TransferRow

SIZE = 1_000_000
CHUNK = 8192


class _Trickle:
    """Storage that sends a file in small chunks a little apart, up to ``SIZE // 2``, then
    waits for ``release`` before sending the rest: the test sees the bar mid-way."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            head = f'HTTP/1.1 200 OK\r\ncontent-length: {SIZE}\r\netag: "v1"\r\n\r\n'
            writer.write(head.encode())
            sent = 0
            while sent < SIZE // 2:
                writer.write(b"\0" * CHUNK)
                sent += CHUNK
                await writer.drain()
                await asyncio.sleep(0.01)  # pacing the server, so there is a speed to show
            await self.release.wait()
            writer.write(b"\0" * (SIZE - sent))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def row_text(row: TransferRow) -> str:
    """The row as the user reads it: name, percent, bytes and speed."""
    return "  ".join(str(w.render()) for w in row.query(Label))


def _notes(app: YikeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_each_download_is_a_progress_bar_with_name_percent_and_speed(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    harbour = by_title(sim, "Harbour Lights")
    teaser = by_title(sim, "Quick Teaser")
    media = _Trickle()
    async with listening(media.handle) as port:
        app = make_app([harbour, teaser], downloads_dir=str(tmp_path))
        try:
            async with app.run_test(size=(160, 45)) as pilot:
                await first_pass(pilot)
                pane = app.query_one(Downloads)
                assert not pane.display  # nothing downloading: no line at all
                for job_id, title in ((harbour, "Harbour Lights"), (teaser, "Quick Teaser")):
                    point_output_at(app, job_id, port)
                    await select_title(pilot, title)
                    await pilot.press("D")

                def mid_way(job_id: str) -> bool:
                    row = pane.row(job_id)
                    if row is None or not row.is_mounted:
                        return False
                    bar = row.query_one(ProgressBar)
                    return (
                        bar.total == SIZE
                        and 0 < bar.progress < SIZE
                        and re.search(r"\d+%", row_text(row)) is not None
                        and "/s" in row_text(row)
                    )

                await wait_for(pilot, lambda: mid_way(harbour) and mid_way(teaser), "two bars")
                assert pane.display and pane.active == [harbour, teaser]
                for job_id, title in ((harbour, "Harbour Lights"), (teaser, "Quick Teaser")):
                    row = pane.row(job_id)
                    assert row is not None
                    bar = row.query_one(ProgressBar)
                    text = row_text(row)
                    assert text.startswith(f"⇩ {title}")
                    # The percent shown is the bar's own, of the size the server announced.
                    assert f"{round(bar.progress / SIZE * 100)}%" in text
                    assert re.search(r"\d+(\.\d+)? [kM]B  \d+(\.\d+)? [kM]?B/s$", text), text
                assert "ctrl+x cancels" in str(pane.query_one("#downloads-hint", Label).render())

                media.release.set()
                await wait_for(pilot, lambda: not pane.active, "both downloads to finish")
                assert not pane.display and not pane.query(TransferRow)
                done = [n for n in _notes(app) if n.startswith("Downloaded")]
                assert len(done) == 2
                files = sorted(p.stat().st_size for p in tmp_path.glob("*.mp4"))
                assert files == [SIZE, SIZE]
        finally:
            media.release.set()
