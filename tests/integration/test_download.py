"""Downloads of output files from the simulator (and a scripted server) over real HTTP."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.loopback import Reply, scripted_server
from yike_tui.actions.download import (
    DownloadCancelled,
    DownloadError,
    Progress,
    download,
    part_path,
)
from yike_tui.actions.part_file import sidecar_path
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimServer, running_simulator

DEMO = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")


class Wall:
    """The simulator's wall clock, moved by hand to expire signed URLs."""

    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    path = tmp_path / "downloads"  # not tmp_path itself: the isolated HOME lives there
    path.mkdir()
    return path


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
async def sim(wall: Wall) -> AsyncIterator[SimServer]:
    async with running_simulator(scenario="demo", clock=lambda: 0.0, wall=wall, url_ttl=600) as s:
        yield s


@pytest.fixture
async def client(sim: SimServer, wall: Wall) -> AsyncIterator[ApiClient]:
    clock = lambda: datetime.fromtimestamp(wall.t, UTC)  # noqa: E731
    async with ApiClient(DEMO, endpoint=sim.endpoint, clock=clock) as c:
        yield c


def tie(final: Path, job_id: str, etag: str) -> None:
    """Record a planted .part as this job's, as an interrupted download would have."""
    sidecar_path(final).write_text(json.dumps({"job_id": job_id, "etag": etag}))


def demo_id(sim: SimServer, title_start: str) -> str:
    return next(j.id for j in sim.sim.book if j.params["Title"].startswith(title_start))


async def full_bytes(client: ApiClient, url: str) -> bytes:
    response = await client.http.get(url)
    assert response.status_code == 200
    return response.content


async def test_full_download_lands_under_the_title_with_progress(
    sim: SimServer, client: ApiClient, dest: Path
) -> None:
    job = await client.get_job(demo_id(sim, "Harbour Lights"))
    seen: list[Progress] = []
    path = await download(
        client.http, job.output_url, dest, job.title, job.id, on_progress=seen.append
    )
    assert path == dest / "Harbour Lights — Episode 1.mp4"
    assert path.read_bytes() == await full_bytes(client, job.output_url)
    assert not part_path(path).exists()
    assert seen[-1].done == seen[-1].total == path.stat().st_size
    assert seen[-1].fraction == 1.0
    assert all(a.done <= b.done for a, b in itertools.pairwise(seen))


async def test_a_half_part_file_is_resumed_with_range(
    sim: SimServer, client: ApiClient, dest: Path
) -> None:
    job = await client.get_job(demo_id(sim, "Harbour Lights"))
    whole = await full_bytes(client, job.output_url)
    final = dest / "Harbour Lights — Episode 1.mp4"
    half = len(whole) // 2
    part_path(final).write_bytes(whole[:half])
    tie(final, job.id, f'"{job.id}"')  # the simulator's ETag
    ranges: list[tuple[str | None, str | None]] = []

    async def record(request: httpx.Request) -> None:
        ranges.append((request.headers.get("range"), request.headers.get("if-range")))

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        seen: list[Progress] = []
        path = await download(
            http, job.output_url, dest, job.title, job.id, on_progress=seen.append
        )
    assert ranges == [(f"bytes={half}-", f'"{job.id}"')]
    assert path == final and path.read_bytes() == whole
    assert seen[0].done == half  # progress counts what the .part already held
    assert not part_path(final).exists() and not sidecar_path(final).exists()


async def test_an_existing_file_is_never_overwritten(
    sim: SimServer, client: ApiClient, dest: Path
) -> None:
    job = await client.get_job(demo_id(sim, "Harbour Lights"))
    (dest / "Harbour Lights — Episode 1.mp4").write_bytes(b"mine")
    (dest / "Harbour Lights — Episode 1 (2).mp4").write_bytes(b"also mine")
    first = await download(client.http, job.output_url, dest, job.title, job.id)
    assert first.name == "Harbour Lights — Episode 1 (3).mp4"
    assert (dest / "Harbour Lights — Episode 1.mp4").read_bytes() == b"mine"
    # Two downloads of one title at once get two names, never one file written twice.
    a, b = await asyncio.gather(
        download(client.http, job.output_url, dest, job.title, job.id),
        download(client.http, job.output_url, dest, job.title, job.id),
    )
    assert {a.name, b.name} == {
        "Harbour Lights — Episode 1 (4).mp4",
        "Harbour Lights — Episode 1 (5).mp4",
    }
    assert a.read_bytes() == b.read_bytes() == first.read_bytes()


async def test_hostile_title_stays_inside_the_folder(
    sim: SimServer, client: ApiClient, dest: Path
) -> None:
    job = await client.get_job(demo_id(sim, "Harbour Lights"))
    path = await download(client.http, job.output_url, dest, "../../etc/passwd", job.id)
    assert path.parent == dest and path.name == "etc passwd.mp4"
    assert [p.name for p in dest.parent.iterdir()] == sorted(["downloads", "home"])


async def test_an_expired_url_is_renewed_once(
    sim: SimServer, client: ApiClient, wall: Wall, dest: Path
) -> None:
    job_id = demo_id(sim, "Harbour Lights")
    stale = (await client.get_job(job_id)).output_url
    wall.t += 3600  # the signed URL is now past its Expires
    refreshes: list[str] = []

    async def refresh() -> str:
        url = (await client.get_job(job_id)).output_url
        refreshes.append(url)
        return url

    path = await download(client.http, stale, dest, "Harbour", job_id, refresh_url=refresh)
    assert len(refreshes) == 1 and refreshes[0] != stale
    assert path.read_bytes() == await full_bytes(client, refreshes[0])


async def test_a_url_that_stays_refused_is_a_clear_error_without_secrets(
    sim: SimServer, client: ApiClient, wall: Wall, dest: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = demo_id(sim, "Harbour Lights")
    stale = (await client.get_job(job_id)).output_url
    wall.t += 3600
    calls = 0

    async def refresh() -> str:
        nonlocal calls
        calls += 1
        return stale  # still the expired one

    caplog.set_level("DEBUG", logger="yike_tui")  # httpx's own logger is kept at WARNING
    with pytest.raises(DownloadError) as err:
        await download(client.http, stale, dest, "x", job_id, refresh_url=refresh)
    assert calls == 1
    assert "even after fetching a fresh one" in str(err.value)
    assert "AccessDenied" in str(err.value)
    query = stale.split("?", 1)[1]
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("yike_tui"))
    assert "URL refused" in ours
    assert query not in str(err.value) and query not in ours and "Signature=" not in ours
    assert list(dest.iterdir()) == []
    with pytest.raises(DownloadError, match="expired"):  # without a refresher: at once
        await download(client.http, stale, dest, "x", job_id)


async def test_cancel_keeps_the_part_and_a_later_call_resumes(
    sim: SimServer, client: ApiClient, dest: Path
) -> None:
    job = await client.get_job(demo_id(sim, "Harbour Lights"))
    cancel = asyncio.Event()

    def stop_after_first_bytes(progress: Progress) -> None:
        cancel.set()  # the first report comes before any byte: the next chunk is the last

    with pytest.raises(DownloadCancelled):
        await download(
            client.http,
            job.output_url,
            dest,
            job.title,
            job.id,
            on_progress=stop_after_first_bytes,
            cancel=cancel,
        )
    part = part_path(dest / "Harbour Lights — Episode 1.mp4")
    assert part.exists() and not (dest / "Harbour Lights — Episode 1.mp4").exists()
    path = await download(client.http, job.output_url, dest, job.title, job.id)
    assert path.read_bytes() == await full_bytes(client, job.output_url)


async def test_a_part_longer_than_the_file_is_a_size_mismatch(
    sim: SimServer, client: ApiClient, dest: Path
) -> None:
    job = await client.get_job(demo_id(sim, "Harbour Lights"))
    whole = await full_bytes(client, job.output_url)
    part = part_path(dest / "H.mp4")
    part.write_bytes(whole + b"extra")
    tie(dest / "H.mp4", job.id, f'"{job.id}"')
    with pytest.raises(DownloadError, match="size mismatch"):
        await download(client.http, job.output_url, dest, "H", job.id)
    assert not part.exists()  # discarded: the next run starts over cleanly
    path = await download(client.http, job.output_url, dest, "H", job.id)
    assert path.read_bytes() == whole


async def test_more_bytes_than_announced_is_a_size_mismatch(dest: Path) -> None:
    body = bytes(range(100))
    lying = Reply(206, body, {"content-range": "bytes 0-99/80"})
    async with scripted_server([lying]) as server, httpx.AsyncClient() as http:
        with pytest.raises(DownloadError, match="size mismatch"):
            await download(http, f"{server.endpoint}/v.mp4?Signature=s", dest, "x", "j")
    assert list(dest.iterdir()) == []


async def test_short_answers_are_resumed_then_reported(dest: Path) -> None:
    body = bytes(range(200))
    tag = {"etag": '"v1"'}
    replies = [
        Reply(206, body[:50], {"content-range": "bytes 0-49/200", **tag}),
        Reply(206, body[50:120], {"content-range": "bytes 50-119/200", **tag}),
        Reply(206, body[120:], {"content-range": "bytes 120-199/200", **tag}),
    ]
    async with scripted_server(replies) as server, httpx.AsyncClient() as http:
        url = f"{server.endpoint}/v.mp4?Expires=1&Signature=s"
        path = await download(http, url, dest, "short", "j")
        ranges = [r.headers.get("range") for r in server.requests]
    assert path.read_bytes() == body
    assert ranges == [None, "bytes=50-", "bytes=120-"]

    stingy = [Reply(206, body[:10], {"content-range": "bytes 0-9/200", **tag})] * 3
    async with scripted_server(stingy) as server, httpx.AsyncClient() as http:
        with pytest.raises(DownloadError, match="incomplete after 3 attempts") as err:
            await download(http, f"{server.endpoint}/v.mp4", dest, "stingy", "j")
    assert "run again to resume" in str(err.value)
    assert part_path(dest / "stingy.mp4").exists()


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
async def test_the_video_is_made_as_the_umask_says(
    sim: SimServer, client: ApiClient, dest: Path, umask: int, expected: int
) -> None:
    """A user's download, like any other: 0666 less the umask (the state db and the
    credentials stay 0600 whatever it is; their tests say so)."""
    job = await client.get_job(demo_id(sim, "Harbour Lights"))
    old = os.umask(umask)
    try:
        path = await download(client.http, job.output_url, dest, job.title, job.id)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == expected
