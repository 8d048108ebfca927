"""D on a job downloaded already says where the file is and downloads nothing (it wrote
``Title (2).mp4`` silently); the video follows the umask like any download.
Pilot against the simulator, the files in the test's own folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import AppFactory, by_title, toast_texts
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.sim import SimulatorThread
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.downloads import Downloads
from yike_tui.ui.widgets.job_table import JobTable

TITLE = "Harbour Lights — Episode 1"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask (the tests' default may be stricter)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def download_once(pilot: Pilot[int], app: YikeApp, folder: Path) -> Path:
    """D on the selected job, until its video is in ``folder``; the file."""
    pane = app.query_one(Downloads)
    await pilot.press("D")
    await wait_for(pilot, lambda: any(n.startswith("Downloaded") for n in toast_texts(app)))
    await wait_for(pilot, lambda: not pane.active, "the download to end")
    (video,) = folder.glob("*.mp4")
    return video


async def select(pilot: Pilot[int], job_id: str) -> None:
    table = pilot.app.query_one(JobTable)
    table.move_cursor(row=table.get_row_index(job_id))
    await wait_for(pilot, lambda: table.selected_id == job_id, "the job selected")


@pytest.mark.usefixtures("umask_022")
async def test_D_twice_says_where_the_video_is_and_downloads_nothing(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    harbour = by_title(sim, "Harbour Lights")
    folder = tmp_path / "videos"
    app = make_app([harbour], downloads_dir=str(folder))
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        video = await download_once(pilot, app, folder)
        assert video.name == f"{TITLE}.mp4"
        assert mode(video) == 0o644  # the user's file, as any download: not 0600
        app.clear_notifications()
        await pilot.press("D")
        await wait_for(pilot, lambda: toast_texts(app), "what D says the second time")
        assert toast_texts(app) == [f"{TITLE} is downloaded already:\n{video}"]
        assert not app.query_one(Downloads).active  # nothing started
        assert sorted(p.name for p in folder.iterdir()) == [video.name]  # no "(2)"

        video.unlink()  # the user deleted it: D downloads it again, under its own name
        app.clear_notifications()
        assert await download_once(pilot, app, folder) == video


async def test_the_record_outlasts_the_session(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    """With a state db, D in the next session still knows the video is there; a file of
    another size at that path is not it (downloaded again, beside it)."""
    harbour = by_title(sim, "Harbour Lights")
    folder = tmp_path / "videos"
    with Store.open(tmp_path / "state.sqlite3") as store:
        first = make_app([harbour], downloads_dir=str(folder), store=store)
        async with first.run_test(size=(160, 45)) as pilot:
            await first_pass(pilot)
            video = await download_once(pilot, first, folder)
        again = make_app([harbour], downloads_dir=str(folder), store=store)
        async with again.run_test(size=(160, 45)) as pilot:
            table = again.query_one(JobTable)
            await wait_for(pilot, lambda: harbour in table.rows, "the job from the db")
            await select(pilot, harbour)
            await pilot.press("D")
            await wait_for(pilot, lambda: toast_texts(again), "what D says")
            assert toast_texts(again) == [f"{TITLE} is downloaded already:\n{video}"]
            video.write_bytes(b"the user's own edit")  # not the download any more
            again.clear_notifications()
            await pilot.press("D")
            pane = again.query_one(Downloads)
            await wait_for(
                pilot, lambda: any(n.startswith("Downloaded") for n in toast_texts(again))
            )
            await wait_for(pilot, lambda: not pane.active, "the download to end")
            assert (folder / f"{TITLE} (2).mp4").stat().st_size > 100
            assert video.read_bytes() == b"the user's own edit"  # never overwritten


async def test_the_video_follows_a_strict_umask_too(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    old = os.umask(0o027)
    try:
        harbour = by_title(sim, "Harbour Lights")
        folder = tmp_path / "videos"
        app = make_app([harbour], downloads_dir=str(folder))
        async with app.run_test(size=(160, 45)) as pilot:
            await first_pass(pilot)
            assert mode(await download_once(pilot, app, folder)) == 0o640
    finally:
        os.umask(old)
