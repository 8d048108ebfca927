"""``n``: a new job from a novel or script on disk — check, upload, submit, in one dialog.

Everything is checked before anything is sent: the file (``read_novel``: extension, size,
characters, readable, not a symlink) and every parameter (``build_submit``); a problem is
shown on its field and nothing goes out. Submitting uploads the file (progress bar), then
submits once (never retried: a lost answer could mean the job exists) and dismisses with the
new JobId; any failure leaves the form as it was, with the reason on one line.

The choices of the last submit are remembered in the state db (``submit_form_defaults``),
and so is the folder the file came from. A read-only session shows the form but cannot
submit. Use: ``app.push_screen(SubmitForm(client, store), callback)``; the callback gets the
JobId, or None when cancelled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, ProgressBar, Select
from textual.widgets._select import SelectOverlay
from textual.worker import Worker, WorkerState

from yike_tui.actions.novel_file import (
    EXTENSIONS,
    MAX_BYTES,
    MAX_CHARS,
    NovelFile,
    NovelFileError,
    read_novel,
)
from yike_tui.actions.submit import (
    MAX_TITLE_BYTES,
    UPLOADED_FILE_URL,
    SubmitInvalid,
    SubmitRequest,
    build_submit,
    summary,
    summary_lines,
)
from yike_tui.actions.submitting import JobMayExist, submit_and_keep
from yike_tui.actions.upload import UploadError, upload_novel
from yike_tui.api.client import ApiClient
from yike_tui.api.credits import LOW_CREDITS, Credits, describe, get_credits
from yike_tui.api.endpoints import APIS
from yike_tui.api.errors import ApiError
from yike_tui.safety.redaction import unsign
from yike_tui.safety.safe_text import has_control
from yike_tui.store import Store
from yike_tui.ui.cells import safe
from yike_tui.ui.keys import CANCEL, submit_key
from yike_tui.ui.screens.confirm import ConfirmScreen
from yike_tui.ui.widgets.novel_preview import NovelPreview
from yike_tui.ui.widgets.path_suggester import PathSuggester
from yike_tui.ui.widgets.submit_choices import SubmitChoices

log = logging.getLogger(__name__)

DEFAULTS_KEY = "submit_form_defaults"
MAX_PATH_CHARS = 4096
CHECK_URL = "https://upload.invalid/check"  # stands in for the upload's FileURL while checking
ERROR_CHARS = 200  # an error line is cut here: one line in an 80-column dialog


def _one_line(message: object) -> str:
    """A message for the form: signed queries cut, control characters shown, one line."""
    return safe(str(unsign(str(message))), ERROR_CHARS)


def _on_off(value: object) -> bool | None:
    """A Yike on/off choice: None when left to the API."""
    return None if value is None else value == "true"


def title_from(path: Path) -> str:
    """The file's name without its extension, cut to what Title takes (128 bytes of UTF-8)."""
    title = safe(path.stem).strip() or "Untitled"
    while len(title.encode("utf-8")) > MAX_TITLE_BYTES:
        title = title[:-1]
    return title


def load_defaults(store: Store | None) -> dict[str, Any]:
    """The last submit's choices; {} when none, or when what is stored is not a JSON object."""
    if store is None:
        return {}
    try:
        raw = store.get_meta(DEFAULTS_KEY)
        value = json.loads(raw) if raw else {}
    except (sqlite3.Error, ValueError) as exc:
        log.warning("the submit form's remembered choices could not be read: %s", exc)
        return {}
    return value if isinstance(value, dict) else {}


def save_defaults(store: Store | None, values: dict[str, Any]) -> None:
    if store is None:
        return
    try:
        store.set_meta(DEFAULTS_KEY, json.dumps(values, ensure_ascii=False))
    except (sqlite3.Error, ValueError) as exc:  # remembering is a comfort, never a failure
        log.warning("the submit form's choices could not be remembered: %s", exc)


class SubmitForm(ModalScreen[str | None]):
    """Dismisses with the new JobId, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [CANCEL, submit_key("Submit")]
    DEFAULT_CSS = """
    SubmitForm #submit-dialog {
        width: 96;
        max-width: 100%;
        height: 100%;
        max-height: 42;
        padding: 0 1;
        border: thick $accent;
    }
    SubmitForm #submit-fields { height: 1fr; }
    SubmitForm .field-label { color: $text-muted; }
    SubmitForm .field-error { color: $error; height: auto; }
    SubmitForm #submit-title-input, SubmitForm #submit-path { margin-bottom: 0; }
    SubmitForm #submit-credits { color: $warning; height: auto; }
    SubmitForm #submit-readonly { color: $warning; }
    SubmitForm #submit-progress { display: none; }
    SubmitForm #submit-progress.-active { display: block; }
    SubmitForm .buttons { height: 1; margin-top: 1; }
    SubmitForm .buttons Button { margin-right: 2; }
    /* A list opens inside the form, which scrolls to show it, rather than over the
       dialog's edge (the styles' list ran past it at 80x24). */
    SubmitForm SubmitChoices { grid-rows: auto; }
    SubmitForm Select > SelectOverlay {
        overlay: none;
        constrain: none none;
        max-height: 8;
    }
    SubmitForm SelectCurrent Static#label { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(
        self,
        client: ApiClient | None,
        store: Store | None = None,
        *,
        readonly: bool = False,
        base: Path | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.store = store
        self.readonly = readonly
        self.base = base or Path.cwd()  # where a relative path starts
        self.novel: NovelFile | None = None
        self._auto_title = ""  # the title the form filled in (replaced when the file changes)
        self._guessed_type = ""  # the source type the form guessed (likewise)
        self._sending = False  # the submit call is out: esc must not pretend to undo it
        self._loop_thread = threading.get_ident()
        self.credits: Credits | None = None  # the balance, once read
        # The Yike product's API takes three parameters more (the form shows them).
        self.yike_api = client is not None and client.version == APIS["yike"].version
        self._errors: dict[str, str] = {}  # what each message line shows

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        megabytes = MAX_BYTES // (1024 * 1024)
        limits = f"{' or '.join(EXTENSIONS)}, ≤ {megabytes} MB, ≤ {MAX_CHARS:,} characters"
        with Vertical(id="submit-dialog", classes="dialog"):
            yield Label("New job from a novel or script", classes="dialog-title")
            if self.readonly:
                yield Label(
                    "Read-only session (--readonly): this form cannot submit.", id="submit-readonly"
                )
            with VerticalScroll(id="submit-fields"):
                yield Label(f"File ({limits}; → completes)", classes="field-label")
                yield Input(
                    placeholder="path/to/novel.txt",
                    id="submit-path",
                    suggester=PathSuggester(EXTENSIONS, base=self.base),
                    max_length=MAX_PATH_CHARS,
                    compact=True,
                )
                yield Label("", id="submit-path-error", classes="field-error", markup=False)
                yield Label(
                    "Title (≤ 128 bytes; defaults from the file name)", classes="field-label"
                )
                yield Input(id="submit-title-input", compact=True, max_length=MAX_TITLE_BYTES)
                yield Label("", id="submit-title-error", classes="field-error", markup=False)
                yield SubmitChoices(yike=self.yike_api, id="submit-choices")
                yield Label("", id="submit-choices-error", classes="field-error", markup=False)
                yield NovelPreview(id="submit-preview")
            yield Label("", id="submit-credits", markup=False)
            yield ProgressBar(total=None, id="submit-progress", show_eta=False)
            yield Label("", id="submit-error", classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(
                    "Submit (ctrl+s)",
                    variant="primary",
                    id="submit-ok",
                    disabled=self.readonly,
                    compact=True,
                )
                yield Button("Cancel (esc)", id="submit-cancel", compact=True)
        yield Footer(compact=True)  # the form's keys, not the list's behind it

    def on_mount(self) -> None:
        for selector in self._messages():
            self._show(selector, "")
        saved = load_defaults(self.store)
        self.query_one(SubmitChoices).apply(saved)
        folder = saved.get("folder")
        path_input = self.query_one("#submit-path", Input)
        if isinstance(folder, str) and 0 < len(folder) < MAX_PATH_CHARS and not has_control(folder):
            path_input.value = folder.rstrip("/") + "/"
        path_input.focus()
        if self.client is not None:
            self._check_credits()

    # --- the file, its preview, the title ----------------------------------------------------

    def _path(self) -> Path | None:
        value = self.query_one("#submit-path", Input).value.strip()
        if not value:
            return None
        path = Path(os.path.expanduser(value))
        return path if path.is_absolute() else self.base / path

    @on(Input.Changed, "#submit-path")
    def _path_changed(self) -> None:
        self._show("#submit-path-error", "")
        self.novel = None
        path = self._path()
        if (
            path is None
            or str(path).endswith("/")
            or self.query_one("#submit-path", Input).value.endswith("/")
        ):
            self.query_one(NovelPreview).show_hint("Type a path: its first lines show here.")
            return
        self._load(path)

    @work(exclusive=True, group="submit-preview", exit_on_error=False)
    async def _load(self, path: Path) -> None:
        """Read and check the file off the event loop; the latest path typed wins."""
        try:
            novel = await asyncio.to_thread(read_novel, path)
        except NovelFileError as exc:
            self._file_error(str(exc))
            return
        except (OSError, ValueError) as exc:  # whatever else the file system says
            self._file_error(f"{path.name}: cannot be read ({exc})")
            return
        if self._path() != path:  # typed on meanwhile
            return
        self._file_loaded(novel)

    def _file_error(self, message: str) -> None:
        self._show("#submit-path-error", message)
        self.query_one(NovelPreview).show_hint("No preview: see the error above.")

    def _file_loaded(self, novel: NovelFile) -> None:
        self.novel = novel
        guess = novel.source_type_guess()
        self.query_one(NovelPreview).show_text(novel.preview(), novel.chars, guess)
        title = self.query_one("#submit-title-input", Input)
        if not title.value or title.value == self._auto_title:
            self._auto_title = title_from(novel.path)
            title.value = self._auto_title
        choices = self.query_one(SubmitChoices)
        current = choices.values()["source_type"]
        if not self._guessed_type or current == self._guessed_type:
            choices.set_value("source_type", guess)  # a proposal: the user may change it
            self._guessed_type = guess

    @on(Input.Changed, "#submit-title-input")
    def _title_changed(self) -> None:
        self._show("#submit-title-error", "")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A list opened (its options take the focus): the form scrolls to show it all."""
        if isinstance(event.widget, SelectOverlay):
            overlay = event.widget
            fields = self.query_one("#submit-fields", VerticalScroll)
            self.call_after_refresh(fields.scroll_to_widget, overlay, animate=False)

    @on(Select.Changed)
    def _choice_changed(self) -> None:
        """Check the choices as they change (dialogue for a Novel says so at once); the
        answer does not depend on when this message arrives."""
        try:
            self._request(CHECK_URL)
        except SubmitInvalid as exc:
            if not str(exc).startswith("--title"):
                self._show("#submit-choices-error", _one_line(exc))
                return
        self._show("#submit-choices-error", "")

    # --- credits -----------------------------------------------------------------------------

    @work(group="submit-credits", exit_on_error=False)
    async def _check_credits(self) -> None:
        """Warn before a submit when the balance is low; unreadable means no line at all
        (not every account may read it, and the submit itself will say if it is refused)."""
        assert self.client is not None
        try:
            credits = await get_credits(self.client)
        except (ApiError, OSError, ValueError) as exc:
            log.info("credit balance not readable: %s", exc)
            return
        self.credits = credits
        if credits.low:
            self._show(
                "#submit-credits",
                f"Credits low: {describe(credits)} (under {LOW_CREDITS:,}): "
                "jobs may stop (Suspended) when they run out.",
            )

    # --- submitting --------------------------------------------------------------------------

    def _request(self, file_url: str, file_url_from: str = "--file-url") -> SubmitRequest:
        """The request for what the form holds; SubmitInvalid names the first bad field."""
        values = self.query_one(SubmitChoices).values()
        request = build_submit(
            file_url=file_url,
            title=self.query_one("#submit-title-input", Input).value.strip(),
            source_type=values["source_type"] or "Novel",
            style_id=values["style"],
            voice=values["voice"],
            shot_split_mode=values["split_mode"],
            aspect_ratio=values["aspect_ratio"],
            resolution=values["resolution"],
            exec_mode=values["exec_mode"],
            skip_failure_shot=bool(values["skip_failed"]),
            shot_prompt_mode=values["shot_prompt_mode"],
            video_model=values["video_model"],
            model_params=values["model_params"],
            user_data=values["user_data"],
            keep_origin_dialogue=_on_off(values.get("keep_origin_dialogue")),
            need_caption=_on_off(values.get("need_caption")),
            shot_prompt_lang=values.get("shot_prompt_lang"),
            file_url_from=file_url_from,
            yike_api=self.yike_api,
        )
        return request

    def _check(self) -> Path | None:
        """Show every problem the form can see on its field; the file's path when none.
        The file itself is read (again) when sending: what goes up is what it holds then."""
        path = self._path()
        if path is None:
            self._show("#submit-path-error", "Give the path of a .txt or .docx file.")
        title = self.query_one("#submit-title-input", Input)
        if path is not None and not title.value.strip():
            self._auto_title = title_from(path)  # typed fast: the preview has not filled it
            title.value = self._auto_title
        try:
            self._request(CHECK_URL)
        except SubmitInvalid as exc:
            message = _one_line(exc)
            field = (
                "#submit-title-error" if message.startswith("--title") else "#submit-choices-error"
            )
            self._show(field, message)
            return None
        return path

    def action_submit(self) -> None:
        """ctrl+s: check everything, then a summary to confirm with ``y`` before a credit
        is spent; nothing goes out before that."""
        if self._sending or self.workers_busy():
            return
        self._show("#submit-error", "")
        if self.readonly:
            self._show("#submit-error", "Read-only session (--readonly): nothing is submitted.")
            return
        if self.client is None:
            self._show("#submit-error", "Not connected (no credentials): nothing is submitted.")
            return
        path = self._check()
        if path is not None:
            self._confirm(path)

    def workers_busy(self) -> bool:
        return any(
            w.node is self and w.group == "submit-send" and w.is_running for w in self.workers
        )

    def _balance(self) -> str:
        if self.credits is not None:
            return describe(self.credits)
        return "not read (the submit will say if it is refused)"

    @work(exclusive=True, group="submit-send", exit_on_error=False)
    async def _confirm(self, path: Path) -> None:
        try:  # read now, not at preview time: the file may have changed since
            novel = await asyncio.to_thread(read_novel, path)
        except (NovelFileError, OSError, ValueError) as exc:
            self._file_error(_one_line(exc))
            return
        rows = summary(self._request(CHECK_URL), source=novel.describe(), balance=self._balance())
        detail = Text("\n".join(summary_lines(rows, lambda value: safe(value, 60))))

        def answered(yes: bool | None) -> None:
            if yes:
                self._send(novel)

        await self.app.push_screen(
            ConfirmScreen("Submit this job? It spends credits.", detail, yes="Submit"),
            answered,
        )

    @work(exclusive=True, group="submit-send", exit_on_error=False)
    async def _send(self, novel: NovelFile) -> None:
        assert self.client is not None
        bar = self.query_one("#submit-progress", ProgressBar)
        bar.update(total=novel.size or None, progress=0)
        bar.add_class("-active")
        self.query_one("#submit-ok", Button).disabled = True
        try:
            file_url = await upload_novel(self.client, novel, progress=self._progress)
            request = self._request(file_url, UPLOADED_FILE_URL)
            self._sending = True
            self._show("#submit-error", "Uploaded; submitting…")
            submitted = await submit_and_keep(self.client, request, store=self.store)
        except JobMayExist as exc:
            self._show("#submit-error", _one_line(exc))
            return
        except (UploadError, ApiError, SubmitInvalid, OSError) as exc:
            what = "not uploaded" if not self._sending else "not submitted"
            hint = getattr(exc, "hint", "")
            self._show(
                "#submit-error",
                f"{what}: {_one_line(exc)}" + (f" · {safe(hint, 120)}" if hint else ""),
            )
            return
        finally:
            self._sending = False
            bar.remove_class("-active")
            self.query_one("#submit-ok", Button).disabled = self.readonly
        if submitted.save_error:
            log.warning("submitted %s, not kept in the state db: %s", submitted.job_id,
                        submitted.save_error)  # fmt: skip
        self._remember(novel)
        self.dismiss(submitted.job_id)

    def _progress(self, sent: int, total: int) -> None:
        """Upload progress, from the event loop or the uploader's thread."""

        def draw() -> None:
            self.query_one("#submit-progress", ProgressBar).update(
                total=total or None, progress=sent
            )

        if threading.get_ident() == self._loop_thread:
            draw()
        else:
            self.app.call_from_thread(draw)

    def _remember(self, novel: NovelFile) -> None:
        values = self.query_one(SubmitChoices).values()
        folder = str(novel.path.parent)
        if len(folder) < MAX_PATH_CHARS:
            values["folder"] = folder
        save_defaults(self.store, values)

    def _messages(self) -> tuple[str, ...]:
        return (
            "#submit-path-error",
            "#submit-title-error",
            "#submit-choices-error",
            "#submit-credits",
            "#submit-error",
        )

    # --- the rest ----------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit-ok":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self) -> None:
        """Enter moves on, as in any form: a paid submit is ctrl+s and a ``y``."""
        self.focus_next()

    def action_cancel(self) -> None:
        if self._sending:  # the submit is out: its answer is the only way to know the JobId
            self._show("#submit-error", "Submitting: waiting for the answer (the job may exist).")
            return
        self.workers.cancel_group(self, "submit-send")
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # a bug, not a user error: say it, keep the form
            log.exception("submit form worker failed", exc_info=event.worker.error)
            self._show("#submit-error", f"failed: {_one_line(event.worker.error)}")
            self._sending = False

    def _show(self, selector: str, message: str) -> None:
        self._errors[selector] = message
        label = self.query_one(selector, Label)
        label.update(safe(message, ERROR_CHARS) if message else "")
        label.display = bool(message)  # an empty line costs a row: 80x24 has few
