"""The screens shown in README and checked by the snapshot tests, built from the demo.

Deterministic: the simulator runs on a stopped clock (its jobs frozen 150 s into the
demo), the app's clock is fixed, the port is fixed, and jobs are fetched one at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from textual.pilot import Pilot

from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.session import session_for
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_YIKE_USER_ID,
    SimulatorThread,
)
from yike_tui.ui.app import YikeApp

FIXED_WALL = 1_795_000_000.0
SCENE_PORT = 47_321
DOWN_PORT = 47_322  # nothing listens here: the endpoint-down scene's API
DEMO_TIME = 150.0  # seconds into the demo: some jobs running, some done, one suspended


@contextmanager
def demo_sim(port: int = SCENE_PORT) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo", clock=lambda: DEMO_TIME, port=port) as sim:
        yield sim


def demo_app(
    sim: SimulatorThread, *, key_id: str = DEMO_ACCESS_KEY_ID, endpoint_down: bool = False
) -> YikeApp:
    """The demo's jobs in the app; ``endpoint_down`` asks a port nobody listens on."""
    creds = Credentials(key_id, DEMO_ACCESS_KEY_SECRET, source="built-in demo simulator")
    endpoint = f"http://127.0.0.1:{DOWN_PORT}" if endpoint_down else sim.endpoint
    session = session_for(
        endpoint,
        creds,
        list(sim.job_ids),
        yike_user_id=DEMO_YIKE_USER_ID,
        settings=Settings(concurrency=1, rate_limit=0.0, interval=30.0),
        demo=True,
    )
    # Both of the app's clocks stand still: "ago" texts and countdowns never change.
    return YikeApp(session, wall=lambda: FIXED_WALL, clock=lambda: 0.0)


async def first_pass(pilot: Pilot[int]) -> YikeApp:
    """Wait for the engine's first refresh pass and draw what it found."""
    app = pilot.app
    assert isinstance(app, YikeApp) and app.monitor is not None
    monitor = app.monitor
    await wait_for(pilot, lambda: monitor.status.passes >= 1, "the first refresh pass")
    app.flush_updates()
    await pilot.pause()
    return app


async def settled(pilot: Pilot[int]) -> None:
    """Wait until the screen shows the first pass and its aftermath, and nothing will move:
    both clocks stand still and the next pass is 30 s away, so the shot is the same every
    time, however busy the machine."""
    app = await first_pass(pilot)
    monitor = app.monitor
    assert monitor is not None

    # Once a pass is over the engine schedules the next one (or, refused, pauses), and the
    # status bar says which.
    def scheduled() -> bool:
        status = monitor.status
        return status.next_pass is not None or bool(status.pause_reason)

    await wait_for(pilot, scheduled, "the next pass scheduled or a pause")
    word = "PAUSED" if monitor.status.pause_reason else "next "
    await wait_for(pilot, lambda: word in status_line(app), f"the status bar to say {word!r}")
    # The credit balance is read beside the engine: its first read over (a balance, or
    # why not) before the shot, or the bar would differ with the machine's load.
    watch = getattr(app.screen, "credit_watch", None)
    if watch is not None:

        def credits_known() -> bool:
            return watch.read_at is not None or bool(watch.error) or watch.not_offered

        await wait_for(pilot, credits_known, "the first credit read")
        if watch.credits is not None:
            await wait_for(pilot, lambda: "credits" in status_line(app), "credits in the bar")
    app.clear_notifications()
    await pilot.pause()


def status_line(app: YikeApp) -> str:
    from yike_tui.ui.widgets.status_bar import StatusBar

    return str(app.query_one(StatusBar).render())


async def select_title(pilot: Pilot[int], start: str) -> None:
    from yike_tui.ui.widgets.job_table import JobTable

    app = pilot.app
    assert isinstance(app, YikeApp) and app.monitor is not None
    job_id = next(
        j
        for j, s in app.monitor.jobs.items()
        if s.job is not None and s.job.title.startswith(start)
    )
    table = app.query_one(JobTable)
    table.move_cursor(row=table.get_row_index(job_id))
    await pilot.pause()


@dataclass(frozen=True)
class Scene:
    name: str
    size: tuple[int, int]
    prepare: Callable[[Pilot[int]], Awaitable[None]]
    key_id: str = DEMO_ACCESS_KEY_ID  # an unknown key shows the error state
    endpoint_down: bool = False  # no API listening: the OFFLINE state


async def _main(pilot: Pilot[int]) -> None:
    await settled(pilot)


async def _failures(pilot: Pilot[int]) -> None:
    await settled(pilot)
    await select_title(pilot, "Midnight Courier")
    await pilot.press("tab")  # the storyboard tree
    await pilot.press("tab")
    await pilot.pause()


async def _help(pilot: Pilot[int]) -> None:
    await settled(pilot)
    await pilot.press("question_mark")
    await pilot.pause()


async def _add(pilot: Pilot[int]) -> None:
    from textual.widgets import TextArea

    await settled(pilot)
    await pilot.press("a")
    await wait_for(pilot, lambda: pilot.app.screen.query(TextArea), "the add dialog")
    box = pilot.app.screen.query_one(TextArea)
    # The focused box's cursor blinks on a timer: shown steadily, the shot is the same
    # whenever a busy machine takes it. Without a blink it shows only once the box has
    # the focus, which a busy machine gives a frame later. And TextArea's line cache keys
    # a line drawn in the blink's off phase as it keys one drawn with no blink at all: a
    # line cached off-phase would stay cursorless, so the cache is emptied once focused.
    box.cursor_blink = False
    await wait_for(pilot, lambda: box.has_focus, "the box focused")
    box.notify_style_update()  # empties the line cache
    box.refresh()
    await pilot.pause()


async def _events(pilot: Pilot[int]) -> None:
    await settled(pilot)
    await pilot.press("e")
    await pilot.pause()


async def _filtered_sorted(pilot: Pilot[int]) -> None:
    from yike_tui.ui.widgets.job_table import JobTable

    await settled(pilot)
    await pilot.press("slash", "e", "d", "enter")  # Succeeded, Failed, Suspended and titles
    await pilot.press("s")  # by status: failures first
    table = pilot.app.query_one(JobTable)
    await wait_for(pilot, lambda: "↓status" in str(table.border_title), "filtered and sorted")
    pilot.app.clear_notifications()
    await pilot.pause()


async def _marked(pilot: Pilot[int]) -> None:
    """Three rows marked with space (● and "3 marked"), then d: one question naming them."""
    from yike_tui.ui.screens.confirm import ConfirmScreen
    from yike_tui.ui.widgets.job_table import JobTable

    await settled(pilot)
    table = pilot.app.query_one(JobTable)
    for title in ("Harbour Lights", "🎬 Cyberpunk", "Rainy Alley"):
        await select_title(pilot, title)
        await pilot.press("space")
    await wait_for(pilot, lambda: table.marked_count == 3, "three rows marked")
    await select_title(pilot, "Midnight Courier")  # the cursor elsewhere: d acts on the marks
    pilot.app.clear_notifications()
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "the question")
    await pilot.pause()


async def _submit(pilot: Pilot[int]) -> None:
    """The n form with the bundled sample typed in (opened on the sample's folder, so the
    path shown is the same on every machine)."""
    from textual.widgets import Input

    from yike_tui.sim.sample_texts import sample_path
    from yike_tui.ui.screens.submit_form import SubmitForm

    await settled(pilot)
    app = pilot.app
    assert isinstance(app, YikeApp)
    form = SubmitForm(app.client, None, base=sample_path().parent)
    await app.push_screen(form)
    await wait_for(pilot, lambda: app.screen is form, "the submit form")
    form.query_one("#submit-path", Input).focus()
    await pilot.press(*"aesop_fables.txt")
    await wait_for(pilot, lambda: form.novel is not None, "the sample's preview")
    for box in form.query(Input):  # blinking cursors would make the shot depend on timing
        box.cursor_blink = False
    await pilot.pause()


SCENES = (
    Scene("main", (140, 40), _main),
    Scene("failures", (140, 40), _failures),
    Scene("help", (100, 34), _help),
    Scene("add", (100, 30), _add),
    Scene("events", (140, 40), _events),
    Scene("narrow-80x24", (80, 24), _main),
    Scene("error", (140, 30), _main, key_id="LTAI5tNoSuchKeyAnywhere"),
    Scene("endpoint-down-80x24", (80, 24), _main, endpoint_down=True),
    Scene("filtered-sorted", (160, 45), _filtered_sorted),
    Scene("submit", (100, 34), _submit),
    Scene("marked", (140, 40), _marked),
)
