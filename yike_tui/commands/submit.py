"""``yike-tui submit novel.txt`` / ``submit --file-url URL``: start a new job and watch it.

Everything is checked before anything is sent: a bad file or bad input is one line and
exit code 2. From a file: ``CreateYikeAssetUpload``, the PUT to OSS (a progress bar on a
terminal, nothing on a pipe), then the submit with the ``FileURL`` it gave. The submit
itself is never retried (a lost answer could mean the job exists already); asking for an
upload address and reading the credit balance are reads and retried as reads are.
A balance under the vendor's 5,000 is a warning on stderr; an unreadable one says nothing.
The request is built and checked by ``yike_tui.submit`` (pure); this module is the CLI glue.
``--watch`` asks the CLI to open the TUI on the new job afterwards (``args.open_tui``):
commands and the UI never import each other.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, TaskProgressColumn, TextColumn
from rich.progress import Progress as Bars

from yike_tui.api.client import IceClient
from yike_tui.api.credits import describe, get_credits
from yike_tui.api.errors import ApiError
from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import run_with_client
from yike_tui.exits import EXIT_API, EXIT_OK, UsageError, error, stop_if_account
from yike_tui.novel_file import EXTENSIONS, NovelFile, NovelFileError, read_novel
from yike_tui.safe_text import clean, fit
from yike_tui.session import open_watchlist
from yike_tui.submit import (
    ASPECT_RATIOS,
    EXEC_MODES,
    MAX_TITLE_BYTES,
    RESOLUTIONS,
    SHOT_PROMPT_MODES,
    SOURCE_TYPES,
    SPLIT_MODES,
    STYLES,
    VOICES,
    SubmitInvalid,
    SubmitRequest,
    build_submit,
    values,
)
from yike_tui.upload import UploadError, upload_novel

log = logging.getLogger(__name__)

# A stand-in FileURL to check the other flags before the upload: the real one comes later.
_CHECK_URL = "https://upload.invalid/novel.txt"


def _listed(choices: tuple[tuple[str, str], ...]) -> str:
    width = max(len(value) for value, _ in choices)
    return "\n".join(f"  {value.ljust(width)}  {text}" for value, text in choices)


def _inline(choices: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{value}: {text}" for value, text in choices)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help=f"the novel or script to upload ({' or '.join(EXTENSIONS)}, at most 5 MB and "
        "30,000 characters); or give --file-url",
    )
    job = parser.add_argument_group("the job")
    job.add_argument("--file-url", metavar="URL", help="http(s) URL of a source already in OSS")
    job.add_argument(
        "--title", metavar="TEXT", help="at most 128 bytes of UTF-8; with FILE: its name"
    )
    job.add_argument(
        "--source-type",
        choices=values(SOURCE_TYPES),
        help=f"{_inline(SOURCE_TYPES)}. With FILE: guessed from its text; else Novel",
    )
    job.add_argument("--style-id", metavar="ID", help="visual style: one of the STYLE ids below")
    job.add_argument(
        "--voice", metavar="VOICE_ID", help="narration voice: one of the VOICE ids below"
    )
    job.add_argument("--shot-split-mode", choices=values(SPLIT_MODES), help=_inline(SPLIT_MODES))
    job.add_argument(
        "--aspect-ratio",
        choices=values(ASPECT_RATIOS),
        help=f"{_inline(ASPECT_RATIOS)}; not given: the service's default",
    )
    job.add_argument(
        "--resolution",
        choices=values(RESOLUTIONS),
        help=f"{_inline(RESOLUTIONS)}; not given: the service's default",
    )
    job.add_argument(
        "--shot-prompt-mode", choices=values(SHOT_PROMPT_MODES), help=_inline(SHOT_PROMPT_MODES)
    )
    job.add_argument("--video-model", metavar="MODEL", help="e.g. wan2.6-r2v-flash")
    job.add_argument(
        "--exec-mode",
        choices=EXEC_MODES,
        help="FullPipeline: through to the video; StoryboardOnly: stop at editable storyboards",
    )
    job.add_argument(
        "--skip-failure-shot",
        action=argparse.BooleanOptionalAction,
        help="carry on past shots that fail (the API's default); --no-skip-failure-shot stops",
    )
    job.add_argument("--model-params", metavar="JSON", help="e.g. '{\"AudioEnable\": false}'")
    job.add_argument(
        "--user-data", metavar="JSON", help='e.g. \'{"NotifyAddress": "https://..."}\''
    )
    parser.add_argument("--watch", action="store_true", help="open the TUI on the new job")
    add_connection_arguments(parser)
    lists = f"styles (--style-id):\n{_listed(STYLES)}\n\nvoices (--voice):\n{_listed(VOICES)}"
    parser.epilog = f"{lists}\n\n{parser.epilog}" if parser.epilog else lists


def _title_from(path: Path) -> str:
    """The file's name without its extension, cut to 128 bytes of UTF-8 on a character."""
    title = clean(path.stem, one_line=True).strip() or "Untitled"
    while len(title.encode("utf-8")) > MAX_TITLE_BYTES:
        title = title[:-1]
    return title


def _choice(flag: str, value: str | None, choices: tuple[tuple[str, str], ...]) -> None:
    if value is not None and value not in values(choices):
        near = [v for v in values(choices) if v.lower() == value.lower()]
        hint = f"; did you mean {near[0]}?" if near else "; see `yike-tui submit --help`"
        raise UsageError(
            f"{flag} {clean(value[:60], one_line=True)!r} is not one Yike offers{hint}"
        )


def request_from(args: argparse.Namespace, file_url: str | None = None) -> SubmitRequest:
    _choice("--style-id", args.style_id, STYLES)
    _choice("--voice", args.voice, VOICES)
    try:
        return build_submit(
            file_url=file_url or args.file_url,
            title=args.title,
            source_type=args.source_type or "Novel",
            style_id=args.style_id,
            aspect_ratio=args.aspect_ratio,
            resolution=args.resolution,
            video_model=args.video_model,
            voice=args.voice,
            exec_mode=args.exec_mode,
            skip_failure_shot=args.skip_failure_shot,
            model_params=args.model_params,
            shot_split_mode=args.shot_split_mode,
            shot_prompt_mode=args.shot_prompt_mode,
            user_data=args.user_data,
        )
    except SubmitInvalid as exc:
        raise UsageError(str(exc)) from None


def _novel_from(args: argparse.Namespace) -> NovelFile | None:
    """The checked file (and the flags it fills in), or None for --file-url."""
    if args.file is not None and args.file_url is not None:
        raise UsageError("give FILE or --file-url, not both")
    if args.file is None:
        if args.file_url is None:
            raise UsageError("give the novel to submit (FILE) or --file-url URL")
        if args.title is None:
            raise UsageError("--title is needed with --file-url")
        return None
    try:
        novel = read_novel(args.file)
    except NovelFileError as exc:
        raise UsageError(str(exc)) from None
    if args.title is None:
        args.title = _title_from(novel.path)
    if args.source_type is None:
        args.source_type = novel.source_type_guess()
        print(f"source type: {args.source_type} (guessed from the text; --source-type to "
              "choose)", file=sys.stderr)  # fmt: skip
    return novel


class _UploadBar:
    """A ``rich`` bar on a terminal while the file goes up; nothing on a pipe."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self._bars: Bars | None = None
        self._task = None
        if stream.isatty():
            self._bars = Bars(
                TextColumn("{task.fields[name]}", markup=False),
                BarColumn(),
                TaskProgressColumn(),
                DownloadColumn(),
                console=Console(file=stream, highlight=False),
                transient=True,
            )
            self._task = self._bars.add_task("", total=None, name=fit(name, 30).rstrip())

    def __enter__(self) -> Callable[[int, int], None] | None:
        if self._bars is None:
            return None
        self._bars.start()
        return self.update

    def update(self, done: int, total: int) -> None:
        if self._bars is not None and self._task is not None:
            self._bars.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bars is not None:
            self._bars.stop()


async def _warn_if_low(client: IceClient) -> None:
    try:
        credits = await get_credits(client, retries=0)  # a warning is not worth a wait
    except ApiError as err:  # unreadable (no permission): not our business
        stop_if_account(err)  # the upload and the submit would be refused the same way
        log.info("credits not read: %s", err.code)
        return
    if credits.low:
        print(f"yike-tui: warning: {describe(credits)}; jobs can stop below 5,000 "
              "(top up at https://www.yikeai.com)", file=sys.stderr, flush=True)  # fmt: skip


async def _submit(
    client: IceClient,
    _ids: list[str],
    _conn: object,
    *,
    args: argparse.Namespace,
    novel: NovelFile | None,
) -> str | None:
    await _warn_if_low(client)
    if novel is None:
        request = request_from(args)
    else:
        try:
            with _UploadBar(sys.stderr, novel.path.name) as progress:
                file_url = await upload_novel(client, novel, progress=progress)
        except ApiError as err:
            stop_if_account(err)
            error(f"not uploaded: {err}\n  what to do: {err.hint}")
            return None
        except UploadError as exc:
            error(f"not uploaded: {exc}")
            return None
        print(f"uploaded {clean(novel.path.name, one_line=True)} ({novel.chars:,} characters)",
              file=sys.stderr, flush=True)  # fmt: skip
        request = request_from(args, file_url)
    try:
        return await client.submit_job(request.query, request.form)
    except ApiError as err:
        stop_if_account(err)
        error(f"not submitted: {err}\n  what to do: {err.hint}")
        return None


def run(args: argparse.Namespace) -> int:
    novel = _novel_from(args)
    # Every flag checked before anything is sent (with a stand-in URL until the upload).
    request_from(args, _CHECK_URL if novel is not None else None)
    # The submit is never retried (client.submit_job sends it once); the reads around it are.
    job_id = run_with_client(args, [], partial(_submit, args=args, novel=novel))
    if job_id is None:
        return EXIT_API
    print(job_id, flush=True)
    shown = clean(job_id, one_line=True)
    if args.demo:
        # The demo simulator ends with this command: its job ids mean nothing afterwards.
        print(f"submitted {shown} to the demo simulator (not added to the watch list)",
              file=sys.stderr)  # fmt: skip
        if args.watch:
            print("--watch is not available with --demo; `yike-tui --demo` opens the demo TUI",
                  file=sys.stderr)  # fmt: skip
        return EXIT_OK
    try:
        with open_watchlist() as store:
            added, _ = store.watch([job_id])
    except (UsageError, sqlite3.Error) as exc:
        error(f"submitted {shown}, but it could not be added to the watch list: {exc}")
        return EXIT_OK  # the job exists: the id printed above is what matters
    print(f"submitted {shown}; {'added to' if added else 'already in'} the watch list",
          file=sys.stderr)  # fmt: skip
    if args.watch:
        args.open_tui = [job_id]  # the CLI opens the TUI on it once this returns
    return EXIT_OK
