"""The submit form: a file on disk becomes a job the simulator knows, through real
key presses, a real upload to the simulator's OSS and a real submit; bad input stays in the
form with the reason on its field and nothing sent (the simulator's own counts say so)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static, Switch

from tests.ui.conftest import AppFactory, FakeClock
from tests.wait import wait_for
from yike_tui.actions.novel_file import MAX_BYTES, MAX_CHARS
from yike_tui.sim import SimulatorThread
from yike_tui.sim.sample_texts import sample_path
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp
from yike_tui.ui.keys import MAIN_KEYS
from yike_tui.ui.screens.confirm import ConfirmScreen
from yike_tui.ui.screens.submit_form import CHECK_URL, DEFAULTS_KEY, SubmitForm
from yike_tui.ui.widgets.novel_preview import NovelPreview

SENDING_ACTIONS = ("CreateYikeAssetUpload", "SubmitYikeStoryboardJob")
OPENING = "第一章 雨夜\n\n那天夜里，雨下得很大。林舟推开门，看见桌上放着一封没有署名的信。"
NOVEL = OPENING + "\n" + "他读了一遍，又读了一遍。" * 200  # ~2,500 characters


def novel_at(folder: Path, name: str = "rain-night.txt", text: str = NOVEL) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def sent(sim: SimulatorThread) -> int:
    """Requests that upload or create something: a refused form must send none."""
    assert sim.server is not None
    by_action = sim.server.sim.stats.by_action
    return sum(by_action[action] for action in SENDING_ACTIONS)


class Opened:
    """The form pushed over the app's main screen, with its dismiss result kept."""

    def __init__(self) -> None:
        self.results: list[str | None] = []

    def open(self, app: YikeApp, form: SubmitForm) -> SubmitForm:
        app.push_screen(form, self.results.append)
        return form


def text_of(form: SubmitForm, selector: str) -> str:
    return str(form.query_one(selector, Label).render())


async def open_form(pilot: object, app: YikeApp, opened: Opened, **options: object) -> SubmitForm:
    form = opened.open(app, SubmitForm(app.client, **options))  # type: ignore[arg-type]
    await wait_for(pilot, lambda: app.screen is form and form.query("#submit-path"), "the form")
    return form


async def type_path(pilot: object, form: SubmitForm, text: str) -> None:
    form.query_one("#submit-path", Input).focus()
    await pilot.press("ctrl+u", *text)  # type: ignore[attr-defined]


async def submit_confirmed(pilot: object, app: YikeApp, *summary: str) -> None:
    """ctrl+s, then ``y`` on the summary (which names each of ``summary``)."""
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the summary")
    shown = str(app.screen.query_one("#confirm-detail", Static).render())
    assert "Credits" in shown and "Cost" in shown, shown
    for part in summary:
        assert part in shown, shown
    await pilot.press("y")  # type: ignore[attr-defined]


async def test_a_file_becomes_a_job_the_simulator_knows(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "rain-night.txt")
        title = form.query_one("#submit-title-input", Input)
        await wait_for(pilot, lambda: title.value == "rain-night", "the title from the file name")
        await submit_confirmed(pilot, app, "rain-night.txt", "characters", "rain-night")
        await wait_for(pilot, lambda: opened.results, "the form to close with a JobId")
    job_id = opened.results[0]
    assert job_id is not None
    assert sim.server is not None
    job = next(j for j in sim.server.sim.book if j.id == job_id)
    assert job.params["Title"] == "rain-night"
    assert job.params["SourceType"] == "Novel"
    assert job.params["AspectRatio"] == "9:16"  # the skill's default
    assert job.params["Resolution"] == "720P"


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("missing.txt", None, "no such file"),
        ("story.pdf", b"%PDF-1.7\n", "Yike takes .txt or .docx"),
        ("huge.txt", b"a" * (MAX_BYTES + 1), "over 5 MB"),
        ("long.txt", ("字" * (MAX_CHARS + 1)).encode(), "30,000"),
        ("empty.txt", b"  \n", "empty"),
    ],
)
async def test_a_bad_file_is_shown_on_the_path_field_and_nothing_is_sent(
    make_app: AppFactory,
    sim: SimulatorThread,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    error: str,
) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, name)
        await wait_for(pilot, lambda: error in text_of(form, "#submit-path-error"), error)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error in text_of(form, "#submit-path-error"), "still shown")
        assert app.screen is form  # still open, what was typed still there
        assert form.query_one("#submit-path", Input).value == name
    assert opened.results == []
    assert sent(sim) == 0


async def test_the_preview_shows_the_opening_and_the_character_count(
    make_app: AppFactory, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[])
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, Opened(), base=tmp_path)
        preview = form.query_one(NovelPreview)
        await type_path(pilot, form, "rain-night.txt")
        count = f"{len(NOVEL):,} characters"
        await wait_for(pilot, lambda: count in str(preview.border_title), count)
        assert "第一章 雨夜" in str(preview.render())
        assert "没有署名的信" in str(preview.render())


async def test_dialogue_for_a_novel_is_refused_on_the_choices_and_nothing_is_sent(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "rain-night.txt")
        title = form.query_one("#submit-title-input", Input)
        await wait_for(pilot, lambda: title.value, "the file read")
        form.query_one("#choice-split_mode", Select).value = "dialogue"
        await pilot.press("ctrl+s")
        error = "#submit-choices-error"
        await wait_for(pilot, lambda: "Script only" in text_of(form, error), "the refusal")
        assert app.screen is form
    assert opened.results == []
    assert sent(sim) == 0


async def test_a_readonly_session_cannot_submit(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[], readonly=True)
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path, readonly=True)
        assert "--readonly" in text_of(form, "#submit-readonly")
        assert form.query_one("#submit-ok", Button).disabled
        await type_path(pilot, form, "rain-night.txt")
        title = form.query_one("#submit-title-input", Input)
        await wait_for(pilot, lambda: title.value, "the file read")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "nothing is submitted" in text_of(form, "#submit-error"))
    assert opened.results == []
    assert sent(sim) == 0


async def test_the_last_choices_are_remembered_across_two_runs(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    with Store.open() as store:
        app = make_app(ids=[], store=store)
        opened = Opened()
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot, app, opened, store=store)
            await type_path(pilot, form, f"{tmp_path}/rain-night.txt")
            title = form.query_one("#submit-title-input", Input)
            await wait_for(pilot, lambda: title.value, "the file read")
            form.query_one("#choice-style", Select).value = "Ghibli"
            form.query_one("#choice-aspect_ratio", Select).value = "16:9"
            form.query_one("#choice-skip_failed", Switch).value = False
            # off is sent as false: left out, the API's default (true) would apply
            assert form._request(CHECK_URL).query["SkipFailureShot"] == "false"
            await submit_confirmed(pilot, app, "Ghibli", "16:9")
            await wait_for(pilot, lambda: opened.results, "the submit")
        assert sim.server is not None
        job = next(j for j in sim.server.sim.book if j.id == opened.results[0])
        assert job.params["StyleId"] == "Ghibli"
        assert job.params["AspectRatio"] == "16:9"

    with Store.open() as store:  # a second run: a new app, the state db read afresh
        app = make_app(ids=[], store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot, app, Opened(), store=store)
            assert form.query_one("#choice-style", Select).value == "Ghibli"
            assert form.query_one("#choice-aspect_ratio", Select).value == "16:9"
            assert form.query_one("#choice-skip_failed", Switch).value is False
            assert form.query_one("#submit-path", Input).value == f"{tmp_path}/"


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        '["a", "list"]',
        '{"style": "NoSuchStyle", "aspect_ratio": 16, "skip_failed": "no",'
        ' "folder": "/tmp/\\u001b]52;c;x\\u0007"}',
    ],
    ids=["not-json", "not-an-object", "values-off-the-lists"],
)
async def test_remembered_choices_that_make_no_sense_are_ignored(
    make_app: AppFactory, tmp_path: Path, stored: str
) -> None:
    with Store.open() as store:
        store.set_meta(DEFAULTS_KEY, stored)
        app = make_app(ids=[], store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot, app, Opened(), store=store)
            assert form.query_one("#choice-style", Select).is_blank()
            assert form.query_one("#choice-aspect_ratio", Select).value == "9:16"
            assert form.query_one("#choice-skip_failed", Switch).value is True
            assert form.query_one("#submit-path", Input).value == ""


async def test_escape_cancels_and_sends_nothing(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "rain-night.txt")
        await pilot.press("escape")
        await wait_for(pilot, lambda: opened.results == [None], "the form to close")
    assert sent(sim) == 0


async def test_at_80x24_the_submit_button_is_on_screen_and_every_field_reachable(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app(ids=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, Opened(), base=tmp_path)
        screen = form.region
        for button in ("#submit-ok", "#submit-cancel"):
            region = form.query_one(button, Button).region
            assert region.area and screen.contains_region(region), button
        # tab walks the fields; the one focused is scrolled into view
        assert app.focused is not None and app.focused.id == "submit-path"  # typing at once
        seen: set[str | None] = {"submit-path"}
        for _ in range(20):  # every field and both buttons, and round again
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None
            seen.add(focused.id)

            def in_view(widget: Widget = focused) -> bool:
                return screen.contains_region(widget.region)

            await wait_for(pilot, in_view, f"{focused.id} scrolled into view")
        assert {"submit-path", "choice-skip_failed", "submit-ok", "submit-cancel"} <= seen
        assert {"choice-model_params", "choice-user_data", "choice-video_model"} <= seen


async def test_the_bundled_sample_completed_with_right_arrow_runs_to_a_video(
    make_app: AppFactory, sim: SimulatorThread, sim_clock: FakeClock
) -> None:
    sample = sample_path()
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=sample.parent)
        path = form.query_one("#submit-path", Input)
        await type_path(pilot, form, "aes")
        await wait_for(pilot, lambda: path._suggestion == sample.name, "the completion")
        await pilot.press("right")
        assert path.value == sample.name
        await wait_for(pilot, lambda: form.novel is not None, "the sample read")
        bar = form.query_one("#submit-progress", ProgressBar)
        await submit_confirmed(pilot, app)
        await wait_for(pilot, lambda: opened.results, "the JobId")
        job_id = opened.results[0]
        assert job_id is not None
        # the bar followed the upload to its end: every byte of the file
        assert bar.total == len(sample.read_bytes()) and bar.progress == bar.total
        assert sim.server is not None
        assert list(sim.server.sim.uploads.objects.values()) == [sample.read_bytes()]
        sim_clock.t = 86_400.0  # a day later, the job has run
        assert app.client is not None
        job = await app.client.get_job(job_id)
    assert job.status.value == "Succeeded"
    assert job.output_url and job.output_url.startswith(f"{sim.endpoint}/yike-output/{job_id}/")


async def test_low_credits_are_warned_in_the_form(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    assert sim.server is not None
    sim.server.sim.credits.start = 1234.0
    app = make_app(ids=[])
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, Opened(), base=tmp_path)
        line = form.query_one("#submit-credits", Label)
        await wait_for(pilot, lambda: "1,234 credits left" in str(line.render()), "the warning")
        assert "under 5,000" in str(line.render()) and line.display


async def test_enough_credits_say_nothing(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    assert sim.server is not None
    app = make_app(ids=[])
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, Opened(), base=tmp_path)
        await wait_for(pilot, lambda: form.credits is not None, "the balance read")
        assert form.credits is not None and not form.credits.low
        assert not form.query_one("#submit-credits", Label).display


async def test_an_expired_upload_is_one_line_in_the_form_and_no_job(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    assert sim.server is not None
    desk = sim.server.sim.uploads
    desk.ttl = -1.0  # the STS credentials it hands out are already expired
    novel_at(tmp_path)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "rain-night.txt")
        title = form.query_one("#submit-title-input", Input)
        await wait_for(pilot, lambda: title.value, "the file read")
        await submit_confirmed(pilot, app)
        error = form.query_one("#submit-error", Label)
        await wait_for(pilot, lambda: "SecurityTokenExpired" in str(error.render()), "the error")
        shown = str(error.render())
        assert shown.startswith("not uploaded: ") and "\n" not in shown
        # nothing the user had is lost, and they can try again
        assert app.screen is form and title.value == "rain-night"
        assert not form.query_one("#submit-ok", Button).disabled
        everything = " ".join(str(label.render()) for label in form.query(Label))
    assert opened.results == []
    assert sim.server.sim.stats.by_action["SubmitYikeStoryboardJob"] == 0
    for grant in desk.grants.values():  # the STS secret and token are never shown
        assert grant.secret not in everything and grant.token not in everything


async def test_what_goes_up_is_the_file_as_it_is_when_submitted(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    path = novel_at(tmp_path)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "rain-night.txt")
        await wait_for(pilot, lambda: form.novel is not None, "the preview")
        path.unlink()  # gone since the preview: refused on the path field, nothing sent
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "no such file" in text_of(form, "#submit-path-error"))
        assert sent(sim) == 0 and app.screen is form
        path.write_text("第二稿。" * 100, encoding="utf-8")  # back, rewritten
        await submit_confirmed(pilot, app, "400 characters")
        await wait_for(pilot, lambda: opened.results, "the JobId")
    assert sim.server is not None
    assert list(sim.server.sim.uploads.objects.values()) == [path.read_bytes()]


async def test_typed_and_sent_at_once_the_title_comes_from_the_file_name(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path, "夜雨.txt")
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "夜雨.txt")
        await submit_confirmed(pilot, app)  # no waiting for the preview
        await wait_for(pilot, lambda: opened.results, "the JobId")
    assert sim.server is not None
    job = next(j for j in sim.server.sim.book if j.id == opened.results[0])
    assert job.params["Title"] == "夜雨"


# --- n on the main screen (wired by the lead in ui/keys.py and ui/screens/main.py) ----------

N_WIRED = any(binding.key == "n" for binding in MAIN_KEYS)


@pytest.mark.skipif(not N_WIRED, reason="n is not bound on the main screen yet")
async def test_n_submits_a_file_and_the_new_job_is_selected_and_runs_to_a_video(
    make_app: AppFactory,
    sim: SimulatorThread,
    sim_clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    novel_at(tmp_path)
    monkeypatch.chdir(tmp_path)  # a relative path starts where yike-tui was started
    app = make_app(ids=[sim.job_ids[0]])
    known = set(sim.job_ids)  # the demo's jobs, before the submit
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitForm), "the form")
        form = app.screen
        assert isinstance(form, SubmitForm)
        await type_path(pilot, form, "rain-night.txt")
        await submit_confirmed(pilot, app)
        assert sim.server is not None
        book = sim.server.sim.book

        def new_job_selected() -> bool:
            state = app.selected_state()
            if state is None or state.job_id in known:
                return False
            return book.get(state.job_id) is not None

        await wait_for(pilot, new_job_selected, "the new job selected in the list")
        state = app.selected_state()
        assert state is not None
        sim_clock.t = 86_400.0  # a day later
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: state.job is not None and state.job.status.value == "Succeeded",
            "the job to run to a video",
        )
        assert state.job is not None and state.job.output_url


# --- submitting is deliberate ------------------------------------------------------------------


async def test_enter_in_the_file_field_moves_to_the_title_and_sends_nothing(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "rain-night.txt")
        await pilot.press("enter")  # as in a shell: type the path, press Enter
        title = form.query_one("#submit-title-input", Input)
        await wait_for(pilot, lambda: title.has_focus, "the focus on the title")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not title.has_focus, "the focus past the title")
        assert app.screen is form
    assert opened.results == [] and sent(sim) == 0


@pytest.mark.parametrize("key", ["n", "escape"])
async def test_the_summary_answered_no_sends_nothing_and_keeps_the_form(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path, key: str
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[])
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        await type_path(pilot, form, "rain-night.txt")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the summary")
        shown = str(app.screen.query_one("#confirm-detail", Static).render())
        for part in ("rain-night.txt", f"{len(NOVEL):,} characters", "Novel", "9:16", "720P"):
            assert part in shown, shown
        await pilot.press(key)
        await wait_for(pilot, lambda: app.screen is form, "back in the form")
        assert form.query_one("#submit-path", Input).value == "rain-night.txt"
    assert opened.results == [] and sent(sim) == 0


async def test_through_the_yike_api_the_form_offers_its_lists_and_sends_its_three_more(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    novel_at(tmp_path)
    app = make_app(ids=[], api="yike")
    opened = Opened()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, opened, base=tmp_path)
        styles = form.query_one("#choice-style", Select)
        offered = {value for _, value in styles._options if isinstance(value, str)}
        assert "AncientRomanceAnime" in offered and "Hokusei" not in offered  # the SDK's list
        await type_path(pilot, form, "rain-night.txt")
        title = form.query_one("#submit-title-input", Input)
        await wait_for(pilot, lambda: title.value, "the file read")
        form.query_one("#choice-need_caption", Select).value = "true"
        form.query_one("#choice-keep_origin_dialogue", Select).value = "false"
        form.query_one("#choice-shot_prompt_lang", Input).value = "en"
        form.query_one("#choice-model_params", Input).value = '{"AudioEnable": false}'
        await submit_confirmed(pilot, app, "Captions", "Keep dialogue", "AudioEnable")
        await wait_for(pilot, lambda: opened.results, "the JobId")
    assert sim.server is not None
    job = sim.server.sim.book.get(str(opened.results[0]))
    assert job is not None
    assert job.params["NeedCaption"] == "true" and job.params["KeepOriginDialogue"] == "false"
    assert job.params["ShotPromptLang"] == "en"


async def test_through_ice_the_yike_only_fields_are_not_shown(
    make_app: AppFactory, sim: SimulatorThread, tmp_path: Path
) -> None:
    app = make_app(ids=[])
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, Opened(), base=tmp_path)
        assert not form.query("#choice-need_caption") and not form.query("#choice-shot_prompt_lang")
        assert form.query("#choice-model_params") and form.query("#choice-video_model")
