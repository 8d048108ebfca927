"""``yike-tui submit novel.txt`` / ``submit --file-url URL``: start a new job and watch it.

Everything is checked before anything is sent: a bad file or bad input is one line and
exit code 2. From a file: ``CreateYikeAssetUpload``, the PUT to OSS (a progress bar on a
terminal, nothing on a pipe), then the submit with the ``FileURL`` it gave. The submit
itself is never retried (a lost answer could mean the job exists already); asking for an
upload address and reading the credit balance are reads and retried as reads are.
A balance under the vendor's 5,000 is a warning on stderr; an unreadable one says nothing.
The request is built and checked by ``yike_tui.actions.submit`` (pure); this module is the CLI glue.
``--watch`` asks the CLI to open the TUI on the new job afterwards (``args.open_tui``):
commands and the UI never import each other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, TaskProgressColumn, TextColumn
from rich.progress import Progress as Bars

from yike_tui.actions.novel_file import EXTENSIONS, NovelFile, NovelFileError, read_novel
from yike_tui.actions.submit import (
    ASPECT_RATIOS,
    EXEC_MODES,
    MAX_TITLE_BYTES,
    RESOLUTIONS,
    SHOT_PROMPT_MODES,
    SOURCE_TYPES,
    SPLIT_MODES,
    STYLES,
    UPLOADED_FILE_URL,
    VIDEO_MODELS,
    VOICES,
    SubmitInvalid,
    SubmitRequest,
    build_submit,
    summary,
    summary_lines,
    value_warnings,
)
from yike_tui.actions.submitting import (
    GUARD,
    JobMayExist,
    Submitted,
    forget_interrupted,
    interrupted_submit,
    submit_and_keep,
)
from yike_tui.actions.upload import UploadError, upload_novel
from yike_tui.api.client import ApiClient
from yike_tui.api.credits import describe, get_credits
from yike_tui.api.endpoints import APIS
from yike_tui.api.errors import ApiError
from yike_tui.commands.options import add_connection_arguments
from yike_tui.commands.skeleton import run_with_client, stop_if_account
from yike_tui.core.exits import EXIT_API, EXIT_OK, UsageError, error
from yike_tui.safety.redaction import redact_url
from yike_tui.safety.safe_text import clean, fit
from yike_tui.session import Connection, open_watchlist
from yike_tui.store import Store

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
        metavar="TYPE",
        help=f"{_inline(SOURCE_TYPES)}. With FILE: guessed from its text; else Novel",
    )
    job.add_argument("--style-id", metavar="ID", help="visual style: one of the STYLE ids below")
    job.add_argument(
        "--voice", metavar="VOICE_ID", help="narration voice: one of the VOICE ids below"
    )
    job.add_argument("--shot-split-mode", metavar="MODE", help=_inline(SPLIT_MODES))
    job.add_argument(
        "--aspect-ratio",
        metavar="RATIO",
        help=f"{_inline(ASPECT_RATIOS)}; not given: the service's default",
    )
    job.add_argument(
        "--resolution",
        metavar="RES",
        help=f"{_inline(RESOLUTIONS)}; not given: the service's default",
    )
    job.add_argument("--shot-prompt-mode", metavar="MODE", help=_inline(SHOT_PROMPT_MODES))
    job.add_argument("--video-model", metavar="MODEL", help=_inline(VIDEO_MODELS))
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
    yike = parser.add_argument_group("the Yike product's API only (--api yike)")
    yike.add_argument(
        "--keep-origin-dialogue",
        action=argparse.BooleanOptionalAction,
        help="keep the original dialogue in the final video (the API's default: on)",
    )
    yike.add_argument(
        "--need-caption",
        action=argparse.BooleanOptionalAction,
        help="burn captions into the video",
    )
    yike.add_argument("--shot-prompt-lang", metavar="LANG", help="the language of shot prompts")
    parser.add_argument("--watch", action="store_true", help="open the TUI on the new job")
    parser.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="submit without the summary and question a terminal gets (a pipe never asks)",
    )
    add_connection_arguments(parser)
    lists = f"styles (--style-id):\n{_listed(STYLES)}\n\nvoices (--voice):\n{_listed(VOICES)}"
    parser.epilog = f"{lists}\n\n{parser.epilog}" if parser.epilog else lists


def _title_from(path: Path) -> str:
    """The file's name without its extension, cut to 128 bytes of UTF-8 on a character."""
    title = clean(path.stem, one_line=True).strip() or "Untitled"
    while len(title.encode("utf-8")) > MAX_TITLE_BYTES:
        title = title[:-1]
    return title


def request_from(
    args: argparse.Namespace,
    file_url: str | None = None,
    *,
    file_url_from: str = "--file-url",
    yike_api: bool = True,
) -> SubmitRequest:
    """The request the flags ask for; a usage error names the first bad one. Values no
    list documents are not refused here (``value_warnings`` says so, and they are sent)."""
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
            keep_origin_dialogue=args.keep_origin_dialogue,
            need_caption=args.need_caption,
            shot_prompt_lang=args.shot_prompt_lang,
            file_url_from=file_url_from,
            yike_api=yike_api,
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


async def _balance(client: ApiClient) -> str:
    """The balance for the summary, read now; a low one is warned about on stderr."""
    try:
        credits = await get_credits(client, retries=0)  # a summary line is not worth a wait
    except ApiError as err:  # unreadable (no permission): the submit still may go
        stop_if_account(err)  # the upload and the submit would be refused the same way
        log.info("credits not read: %s", err.code)
        return f"not readable ({err.code})"
    if credits.low:
        print(f"yike-tui: warning: {describe(credits)}; jobs can stop below 5,000 "
              "(top up at https://www.yikeai.com)", file=sys.stderr, flush=True)  # fmt: skip
    return describe(credits)


def _source(args: argparse.Namespace, novel: NovelFile | None) -> str:
    if novel is None:
        return clean(redact_url(args.file_url), one_line=True)
    return novel.describe()


async def _ask(question: str) -> bool:
    """``question`` on stderr, one line of answer from the terminal; yes only for y/yes.

    Read through the event loop, so a signal (Ctrl-C) cancels the wait like any other."""
    print(question, end="", file=sys.stderr, flush=True)
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[bytes] = loop.create_future()
    fd = sys.stdin.fileno()

    def readable() -> None:
        if not answer.done():
            try:
                answer.set_result(os.read(fd, 256))
            except OSError:
                answer.set_result(b"")

    loop.add_reader(fd, readable)
    try:
        line = await answer
    finally:
        loop.remove_reader(fd)
    return line.strip().lower() in (b"y", b"yes")


async def _confirmed(request: SubmitRequest, source: str, balance: str) -> bool:
    rows = summary(request, source=source, balance=balance)
    print("About to submit a Yike job (it spends credits):", file=sys.stderr)
    for line in summary_lines(rows, lambda value: clean(value, one_line=True)):
        print(f"  {line}", file=sys.stderr)
    return await _ask("Submit? [y/N] ")


class _Stops:
    """SIGINT, SIGTERM and SIGHUP during a submit: at once while nothing is out, or once the
    submit's answer is kept (``GUARD``); after that, the exit code says a stop was asked.

    Plain signal handlers, not the event loop's: they run at the next bytecode whatever
    the loop is doing, so a signal that lands beside the answer is never lost.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.signum = 0
        self.sending = False  # the submit is going out: a stop waits for its answer
        self._task: asyncio.Task[object] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._before: dict[int, object] = {}

    def install(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        for sig in self.SIGNALS:
            self._before[sig] = signal.signal(sig, self._on_signal)

    def restore(self) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        self._before.clear()

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.signum = self.signum or signum
        if GUARD.busy:
            print("yike-tui: stopping once the submit's answer is kept in the watch list",
                  file=sys.stderr, flush=True)  # fmt: skip
        elif not self.sending and self._task is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)


async def _submit(
    client: ApiClient,
    _ids: list[str],
    conn: Connection,
    *,
    args: argparse.Namespace,
    novel: NovelFile | None,
    store: Store | None,
    stops: _Stops,
) -> Submitted | None:
    stops.install()
    yike_api = conn.api.version == APIS["yike"].version
    check = request_from(args, _CHECK_URL if novel is not None else None, yike_api=yike_api)
    for warning in value_warnings(check, conn.api.version, conn.api.name):
        print(f"yike-tui: warning: {warning}", file=sys.stderr)
    balance = await _balance(client)
    if args.ask and not await _confirmed(check, _source(args, novel), balance):
        print("yike-tui: not submitted", file=sys.stderr)
        return None
    if novel is None:
        request = check
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
        request = request_from(args, file_url, file_url_from=UPLOADED_FILE_URL, yike_api=yike_api)
    stops.sending = True  # from here a stop waits: the answer may hold a job
    try:
        return await submit_and_keep(client, request, store=store)
    except ApiError as err:
        stop_if_account(err)
        error(f"not submitted: {err}\n  what to do: {err.hint}")
    except JobMayExist as exc:
        error(str(exc))
    return None


@contextlib.contextmanager
def _kept_in(args: argparse.Namespace) -> Iterator[Store | None]:
    """The watch list the new job goes into, opened before anything is sent (an unusable
    one stops the submit: the job would not be kept); None with --demo."""
    if args.demo:
        yield None
        return
    with open_watchlist() as store:
        told = interrupted_submit(store)
        if told:
            print(f"yike-tui: warning: {told}", file=sys.stderr)
            forget_interrupted(store)
        yield store


def run(args: argparse.Namespace) -> int:
    if args.demo and args.watch:
        raise UsageError(
            "--watch is not available with --demo: the demo's simulator ends with this "
            "command, so its new job cannot be watched; `yike-tui --demo` opens the demo TUI"
        )
    novel = _novel_from(args)
    # Every flag checked before anything is sent (with a stand-in URL until the upload).
    request_from(args, _CHECK_URL if novel is not None else None)
    args.ask = not args.yes and sys.stdin.isatty() and sys.stderr.isatty()
    stops = _Stops()
    try:
        with _kept_in(args) as store:
            work = partial(_submit, args=args, novel=novel, store=store, stops=stops)
            # The submit is sent once (never retried); the reads around it are retried.
            submitted = run_with_client(args, [], work)
    except asyncio.CancelledError:
        print("yike-tui: stopped; nothing was submitted", file=sys.stderr)
        return 128 + (stops.signum or signal.SIGINT)
    finally:
        stops.restore()
    if submitted is None:
        if stops.signum:
            return 128 + stops.signum
        return EXIT_API  # declined at the question, or refused: nothing was created
    shown = submitted.job_id  # checked by the JobId rule: no control character, one line
    print(shown, flush=True)
    if args.demo:
        print(f"submitted {shown} to the demo simulator (not added to the watch list)",
              file=sys.stderr)  # fmt: skip
    elif submitted.save_error:
        error(f"submitted {shown}, but it could not be added to the watch list: "
              f"{submitted.save_error}; add it with `yike-tui add {shown}`")  # fmt: skip
    else:
        print(f"submitted {shown} (RequestId {submitted.request_id or '-'}); in the watch list",
              file=sys.stderr)  # fmt: skip
        if args.watch:
            args.open_tui = [shown]  # the CLI opens the TUI on it once this returns
    if stops.signum:
        return 128 + stops.signum
    return EXIT_OK
