"""``yike-tui watch``: the engine without a screen, one line per event.

Human text by default; ``--json`` prints NDJSON (``ts``, ``job_id``, ``kind`` and the
event's fields). ``--once`` prints each job's state once; ``--until-done`` exits when
every job is finished or Suspended, after printing each job's final state: 0 if all
succeeded, 1 if any failed or its JobId is unknown, else 4 if any is Suspended (a person
has to resume it: a line on stderr says how). ``--suspended wait`` waits for them to be
resumed instead. On a terminal, a line every few minutes says what it is waiting for. A job
first seen with failures is reported with them (its failed storyboards and shots follow
``job_added``). Ctrl-C, SIGTERM and SIGHUP stop it cleanly with history saved (exit 128 +
the signal's number). ``--once`` gives up when the API has answered nothing for
``--timeout`` seconds: the jobs that answered are printed, the others as not answered, and
the exit code is 1.

``--exec CMD`` runs CMD (split like a shell, run without one) for each event with the event
as one JSON line on stdin (the ``--json`` shape): one at a time, each bounded by
``--exec-timeout``, its failures said on stderr and in the log, never the engine's. On a
terminal, finished jobs also announce themselves (announce.py) as the settings say.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import signal
import sys
import time
from collections.abc import Callable

from yike_tui.actions.exec_hook import TIMEOUT as EXEC_TIMEOUT
from yike_tui.actions.exec_hook import ExecHook, HookError, parse_command
from yike_tui.commands.deadline import Stall, add_timeout_argument, deadline_error, pass_length
from yike_tui.commands.final_lines import FinalLines, InOrder
from yike_tui.commands.options import INTERVAL_HELP, add_connection_arguments, interval_seconds
from yike_tui.commands.skeleton import command_ids
from yike_tui.commands.watch_outage import AccountLines, OutageLines
from yike_tui.core.events import Event, iso_utc
from yike_tui.core.exits import (
    EXIT_API,
    EXIT_OK,
    EXIT_SUSPENDED,
    AccountUnusable,
    CredentialsUnusable,
    UsageError,
    error,
)
from yike_tui.core.models import Job, JobStatus
from yike_tui.core.presentation import job_line
from yike_tui.engine.diff import failures_at_first_sight
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.shared import SharedMonitor
from yike_tui.engine.sharing import engine_elsewhere
from yike_tui.engine.status import Update
from yike_tui.safety.safe_text import clean, fit, truncate
from yike_tui.session import Session, open_session

MAX_EXEC_TIMEOUT = 3600.0
ANNOUNCE_CHECK = 0.5  # seconds between looks for held announcements whose pass has ended
# Seconds between the lines that say what --until-done waits for, on a terminal: a watch
# that has nothing to print would otherwise look the same as one that hangs.
HEARTBEAT = 300.0
ONCE_HOT_ANSWERS = 1024  # answers --once keeps in memory (engine/held.py)
ONCE_FLUSH_EVERY = 0.05  # seconds between --once's flushes (the engine's default: 0.5)
SUSPENDED_CHOICES = ("stop", "wait")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="*", metavar="JOBID", help="jobs (default: watch list)")
    parser.add_argument(
        "--interval",
        type=interval_seconds,
        metavar="SECONDS",
        help=INTERVAL_HELP,
    )
    parser.add_argument("--json", action="store_true", help="NDJSON: one event object a line")
    parser.add_argument("--once", action="store_true", help="fetch every job once and exit")
    parser.add_argument(
        "--until-done",
        action="store_true",
        help="exit when every job is finished or suspended (1 if any failed, 4 if suspended)",
    )
    parser.add_argument(
        "--suspended",
        choices=SUSPENDED_CHOICES,
        help=(
            "with --until-done, at a Suspended job (it needs a person to resume it): stop"
            " (exit 4, saying how to resume it) or wait for it to be resumed (default stop)"
        ),
    )
    parser.add_argument(
        "--exec",
        dest="exec_argv",
        type=_exec_command,
        metavar="CMD",
        help="run CMD (no shell) for each event, the event as one JSON line on stdin",
    )
    parser.add_argument(
        "--exec-timeout",
        type=_exec_timeout,
        default=EXEC_TIMEOUT,
        metavar="SECONDS",
        help=f"kill a --exec run after this long (default {EXEC_TIMEOUT:g})",
    )
    add_timeout_argument(parser, "with --once")
    add_connection_arguments(parser)


def _exec_command(text: str) -> list[str]:
    try:
        return parse_command(text)
    except HookError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _exec_timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text[:40]!r}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_EXEC_TIMEOUT):
        raise argparse.ArgumentTypeError(
            f"--exec-timeout must be above 0 and at most {MAX_EXEC_TIMEOUT:g}"
        )
    return value


def _title(state: JobState, job: Job | None, width: int = 40) -> str:
    title = job.title if job else ""
    if state.label:
        title = f"{title} · {state.label}" if title else state.label
    return fit(truncate(clean(title, one_line=True), width), width)


def event_line(event: Event, monitor: Monitor) -> str:
    state = monitor.jobs.get(event.job_id)
    clock = time.strftime("%H:%M:%S", time.localtime(event.ts))
    title = _title(state, state.job) if state else ""
    return f"{clock}  {clean(event.job_id[:12], one_line=True)}  {title}  {event.message}"


def state_line(state: JobState, job: Job | None) -> str:
    """``state``'s line; ``job``: its answer (``state.job``, or a look at the stored one)."""
    if state.not_found:  # with what the API said (and the hint at the other API)
        why = f"  {state.error.message}" if state.error else ""
        return f"? NotFound   {clean(state.job_id, one_line=True)}{clean(why, one_line=True)}"
    if job is None:
        err = state.error
        why = f"{err.code}: {err.message}" if err else "no answer"
        return f"! Error      {clean(state.job_id, one_line=True)}  {clean(why, one_line=True)}"
    done = f"{job.storyboards_done}/{len(job.storyboards)}"
    shots = f"  {len(job.failed_shots)} failed shots" if job.failed_shots else ""
    return job_line(job, f"{done:>5} storyboards", f"{_title(state, job)}{shots}", status_width=9)


def _state_json(state: JobState, job: Job | None) -> dict[str, object]:
    if job is None:
        err = state.error
        return {
            "job_id": state.job_id,
            "kind": "state",
            "status": "NotFound" if state.not_found else "Error",
            "error": None if err is None else {"code": err.code, "message": err.message},
        }
    return {"kind": "state", **job.to_json()}


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _final_text(state: JobState, job: Job | None, as_json: bool, now: float) -> str:
    """What ``--until-done`` prints of a job at the end (JSON without its ``ts``)."""
    if as_json:
        return _dumps(_state_json(state, job))
    failures = failures_at_first_sight(job, now) if job else []
    return "\n".join([state_line(state, job), *(f"    {e.message}" for e in failures)])


def _final_lines(
    monitor: Monitor,
    render: Callable[[JobState, Job | None], str],
    skip: set[str] | None = None,
) -> FinalLines:
    """The engine's dropped answers, each job's final text made first (``final_lines``),
    but for those in ``skip`` (already printed)."""
    kept = FinalLines(lambda job_id: render(monitor.jobs[job_id], monitor.jobs[job_id].job))
    done = skip if skip is not None else set()
    monitor.held.on_drop = lambda state: None if state.job_id in done else kept.keep(state.job_id)
    return kept


def run(args: argparse.Namespace) -> int:
    if args.once and args.exec_argv:
        raise UsageError("--exec runs per event and --once prints states: use one of them")
    if args.suspended and not args.until_done:
        raise UsageError("--suspended says what --until-done does at a Suspended job: add it")
    ids = command_ids(args, missing=None)  # none: the watch list (open_session says if empty)
    with open_session(args.options, ids, require_jobs=True) as session:
        for notice in session.notices:
            print(f"yike-tui: {clean(notice, one_line=True)}", file=sys.stderr)
        return asyncio.run(_watch(session, args))


async def _watch(session: Session, args: argparse.Namespace) -> int:
    waits = args.until_done and args.suspended == "wait"
    async with session.make_client() as client:
        # Waiting for jobs to be resumed: told as soon as they are, like a running job.
        # --once fetches now, whoever polls: it takes no part in the state db's one engine.
        overrides = {"suspended_factor": 1} if waits else {}
        monitor = session.make_monitor(client, share=not args.once, **overrides)
        if isinstance(monitor, SharedMonitor):
            # Whether it follows another process's engine, or takes over, said on stderr.
            monitor.on_note = lambda text: error(text)
            # Followed events come from the state db, where signed links are cut: what is
            # printed or handed to a hook gets a working one.
            monitor.signed_urls = bool(args.json or args.exec_argv)
        if args.once:
            if session.shared and session.store and engine_elsewhere(session.store):
                # Only the state db's engine writes: what this look finds, it finds too (and
                # tells once); stored here as well, its followers would print it twice.
                monitor.store = None
            stall = Stall(client, args.timeout)
            monitor.fetcher = stall  # each answer moves the deadline on
            return await _once(monitor, stall, args.json)
        stop: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        hook = _make_hook(args)
        from yike_tui.engine.announce import (
            Announcer,  # not needed by --once: kept off its start-up
        )

        announcer = (
            Announcer(session.settings, write=_terminal_writer()) if _on_terminal() else None
        )

        def title_of(job_id: str) -> str:
            state = monitor.jobs.get(job_id)
            return (state.label or (state.job.title if state.job else "")) if state else ""

        def announce_if_idle() -> None:
            # One announcement per pass (a long pass hands over its news every 0.5 s), or
            # per few seconds of one that goes on.
            if announcer is None or not announcer.pending:
                return
            if not monitor.pass_under_way or announcer.overdue():
                announcer.flush(title_of)

        outage = OutageLines()
        account = AccountLines(monitor.account_every)
        # What --until-done prints at the end of a job whose answer the engine dropped.
        now = monitor.wall
        kept = None
        if args.until_done:
            kept = _final_lines(monitor, lambda st, job: _final_text(st, job, args.json, now()))

        def on_update(update: Update) -> None:
            if kept is not None:  # answered again: the engine holds their answer
                for job_id in update.changed:
                    kept.forget(job_id)
            for event in update.events:  # a job first seen failed comes with its reasons
                if hook is not None:
                    hook.submit(_render(event, monitor, as_json=True))
                if not args.json and outage.swallow(event, monitor):
                    continue
                print(_render(event, monitor, args.json), flush=True)
            if not args.json:
                for line in outage.lines(monitor.status):
                    print(line, flush=True)
            for line in account.lines(monitor.status):  # on stderr: --json's stdout is events
                print(f"yike-tui: {line}", file=sys.stderr, flush=True)
            if announcer is not None:
                announcer.add(update.events)
                announce_if_idle()
            # The engine's own credentials refused (another process's, when this one
            # follows: it waits, and takes over with its own should that one end).
            paused_here = monitor.status.pause_reason and not _following(monitor)
            if paused_here and not stop.done():
                stop.set_exception(CredentialsUnusable(monitor.status.pause_reason))
            elif kept is not None and not stop.done() and _settled(monitor, waits):
                # Jobs already finished (known from the state db) cause no event: without
                # this the run would end saying nothing at all.
                _print_final(monitor, args.json, kept)
                _say_how_to_resume(monitor)
                stop.set_result(_done_code(monitor))

        monitor.subscribe(on_update)

        def on_signal(signum: int) -> None:
            if not stop.done():
                stop.set_result(128 + signum)

        loop = asyncio.get_running_loop()
        # SIGHUP too: the SSH session or tmux pane went away; stop as cleanly as on Ctrl-C.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, on_signal, sig)
        engine = asyncio.create_task(monitor.run())
        feeding = asyncio.create_task(hook.run()) if hook is not None else None
        # A pass's last news may come before it ends (its flushes are timed): look again.
        looking = asyncio.create_task(_every(ANNOUNCE_CHECK, announce_if_idle))
        beating = None
        if args.until_done and _isatty(sys.stderr):
            since = time.strftime("%H:%M", time.localtime(monitor.wall()))
            beating = asyncio.create_task(_every(HEARTBEAT, lambda: _heartbeat(monitor, since)))
        try:
            code = await stop
            if announcer is not None:
                announcer.flush(title_of)  # what the last pass found, before exiting
            if hook is not None and code < 128:  # finished, not stopped: let the last run
                await hook.drain(within=hook.timeout)
            return code
        finally:
            for task in (engine, feeding, looking, beating):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if kept is not None:
                kept.close()


def _following(monitor: Monitor) -> bool:
    return isinstance(monitor, SharedMonitor) and monitor.following


async def _every(seconds: float, call: Callable[[], None]) -> None:
    while True:
        await asyncio.sleep(seconds)
        call()


def _make_hook(args: argparse.Namespace) -> ExecHook | None:
    if not args.exec_argv:
        return None

    def warn(message: str) -> None:
        print(f"yike-tui: {clean(message, one_line=True)}", file=sys.stderr, flush=True)

    return ExecHook(args.exec_argv, timeout=args.exec_timeout, warn=warn)


def _on_terminal() -> bool:
    return _isatty(sys.stdout) or _isatty(sys.stderr)


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def _terminal_writer() -> Callable[[str], None]:
    """Notifications go to whichever of stdout and stderr is the terminal (stdout may be a
    pipe into jq while stderr is still the terminal)."""
    stream = sys.stdout if _isatty(sys.stdout) else sys.stderr

    def write(data: str) -> None:
        stream.write(data)
        stream.flush()

    return write


def _render(event: Event, monitor: Monitor, as_json: bool) -> str:
    if as_json:
        return json.dumps(event.to_json(), ensure_ascii=False, allow_nan=False)
    return event_line(event, monitor)


def _print_final(monitor: Monitor, as_json: bool, kept: FinalLines) -> None:
    """Each job's final state: a ``state`` object (with ``ts``), or a line and its failures."""
    now = monitor.wall()
    stamp = '{"ts": ' + _dumps(iso_utc(now)) + ", "  # what {"ts": ..., **state} begins with
    for state in monitor.jobs.values():
        text = kept.get(state.job_id)
        if text is None:
            text = _final_text(state, state.look(), as_json, now)
        print(stamp + text[1:] if as_json else text)
    sys.stdout.flush()


def _suspended(state: JobState) -> bool:
    """Suspended as this run saw it (not a status from the state db, maybe resumed since)."""
    return state.status is JobStatus.SUSPENDED and not (state.stale or state.not_found)


def _settled(monitor: Monitor, waits: bool) -> bool:
    """Nothing left to wait for: every job finished, or (unless ``waits``) Suspended,
    which only a person can change."""
    if waits:
        return monitor.all_terminal()
    return bool(monitor.jobs) and all(
        s.is_terminal or s.not_found or _suspended(s) for s in monitor.jobs.values()
    )


def _say_how_to_resume(monitor: Monitor) -> None:
    for state in monitor.jobs.values():
        if _suspended(state):
            name = truncate(clean(state.display_title, one_line=True), 60)
            error(
                f"Suspended: {name}: fix its failed shots in the Yike editor if need be, then"
                f" resume it: yike-tui resume {clean(state.job_id, one_line=True)}"
            )
    sys.stderr.flush()


def _done_code(monitor: Monitor) -> int:
    """1 when a job failed (or is unknown), else 4 when one waits to be resumed, else 0."""
    states = monitor.jobs.values()
    if any(s.status is not JobStatus.SUCCEEDED and not _suspended(s) for s in states):
        return EXIT_API
    return EXIT_SUSPENDED if any(_suspended(s) for s in states) else EXIT_OK


def _heartbeat(monitor: Monitor, since: str) -> None:
    running = suspended = failing = 0
    for state in monitor.jobs.values():
        if state.is_terminal or state.not_found:
            continue
        if state.status is JobStatus.SUSPENDED:
            suspended += 1
        else:
            running += 1
        if state.error is not None:
            failing += 1
    trouble = f", {failing} not answering" if failing else ""
    print(
        f"yike-tui: waiting since {since}: {running} running, {suspended} suspended{trouble}",
        file=sys.stderr,
        flush=True,
    )


async def _once(monitor: Monitor, stall: Stall, as_json: bool) -> int:
    timeout = stall.seconds
    length = pass_length(len(monitor.jobs), monitor.limiter.effective_rate)
    if length:  # a long pass is expected, not taken for a stalled one
        error(f"{length}; it gives up only when the API answers nothing for {timeout:g} s")
    for state in monitor.jobs.values():
        state.due = 0.0  # --once means now, even for jobs known to be finished
    # Each job is answered once and never compared again: the engine keeps few answers in
    # memory. Lines are printed in order as jobs answer; a job answered ahead of one still
    # waiting has its line made when its answer is dropped (``final_lines``).
    monitor.held.limit = min(monitor.held.limit, ONCE_HOT_ANSWERS)
    # Each flush saves and prints what came since the last in one go, while answers wait:
    # small, frequent ones keep every request's wait for the loop short.
    monitor.flush_every = ONCE_FLUSH_EVERY
    reached: set[str] = set()  # jobs answered, or refused an answer, in this pass
    printed: set[str] = set()

    def render(state: JobState, job: Job | None) -> str:
        return _dumps(_state_json(state, job)) if as_json else state_line(state, job)

    with contextlib.closing(_final_lines(monitor, render, skip=printed)) as kept:

        def streamed_line(job_id: str) -> str | None:
            state, status = monitor.jobs[job_id], monitor.status
            if state.error is not None or state.not_found:
                return None
            if status.pause_reason or status.account_problem:
                return None  # the run stops with that one message
            text = kept.get(job_id)
            if text is None:
                job = state.look()
                text = None if job is None else render(state, job)
            kept.forget(job_id)
            return text

        printer = InOrder(list(monitor.jobs), streamed_line, printed)

        def on_update(update: Update) -> None:
            reached.update(update.changed)
            printer.advance(reached)

        monitor.subscribe(on_update)
        return await _pass_once(monitor, stall, reached, kept, render, printer)


async def _pass_once(
    monitor: Monitor,
    stall: Stall,
    reached: set[str],
    kept: FinalLines,
    render: Callable[[JobState, Job | None], str],
    printer: InOrder,
) -> int:
    timeout = stall.seconds
    try:
        async with stall.guard():
            await monitor.run_pass(as_listed=True)
    except TimeoutError:
        pass  # what answered is reported below; the rest as not answered
    if monitor.status.pause_reason:
        raise CredentialsUnusable(monitor.status.pause_reason)
    if monitor.status.account_problem:  # said once, not as every job's error
        raise AccountUnusable(monitor.status.account_problem)
    late = {job_id for job_id in monitor.jobs if job_id not in reached}
    failed = bool(late)
    for job_id in printer.rest():
        state = monitor.jobs[job_id]
        line = kept.get(state.job_id)  # made when the engine dropped its answer
        if line is None:
            job = state.look()
            failed = failed or job is None
            if state.job_id in late:
                # Not a cached answer passed off as fresh: said plainly that none came.
                state = JobState(state.job_id, label=state.label, error=deadline_error(timeout))
                job = None
            line = render(state, job)
        print(line)
    if late:
        error(
            f"{len(late)} of {len(monitor.jobs)} jobs not answered: the API answered nothing"
            f" for {timeout:g} s (--timeout)"
        )
    return EXIT_API if failed else EXIT_OK
