"""What the tests of one engine per state db share: the events the simulator's scripted
jobs make between two moments (the truth), compared without what differs by nature (the
time an engine saw them, a signed link's signature).

An engine never asks again about a finished job it has confirmed (some simulated jobs go on
changing their storyboards after they failed): the events to expect leave those out, and a
test moves the time on only once each finished job has been confirmed (``confirmed``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from yike_tui.core.events import Event
from yike_tui.core.models import parse_job
from yike_tui.engine.diff import diff
from yike_tui.sim import SimulatorThread

Key = tuple[str, str, str]  # (job_id, kind, data without the link) of one event


def key_of(job_id: str, kind: str, data: Mapping[str, Any]) -> Key:
    kept = {name: value for name, value in data.items() if name not in ("url", "ts")}
    return job_id, kind, json.dumps(kept, sort_keys=True, ensure_ascii=False)


def event_key(event: Event) -> Key:
    return key_of(event.job_id, event.kind.value, event.data)


def line_key(line: dict[str, Any]) -> Key:
    """The key of one ``watch --json`` line."""
    data = {k: v for k, v in line.items() if k not in ("job_id", "kind")}
    return key_of(str(line["job_id"]), str(line["kind"]), data)


def truth(endpoint: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each job's answer at the simulator's time now."""
    answer = httpx.get(f"{endpoint}/_sim/truth", params={"ids": ",".join(ids)}, timeout=10)
    answer.raise_for_status()
    result: dict[str, dict[str, Any]] = answer.json()
    return result


def changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[Key]:
    """The events an engine that saw ``before`` (and confirmed its finished jobs) and then
    ``after`` tells."""
    keys = []
    for job_id, answer in after.items():
        old = parse_job(before[job_id], job_id=job_id)
        if old.status.is_terminal:
            continue
        new = parse_job(answer, job_id=job_id)
        keys += [event_key(event) for event in diff(old, new, ts=0.0)]
    return keys


def confirmed(sim: SimulatorThread, answers: dict[str, dict[str, Any]]) -> bool:
    """Every job finished in ``answers`` was asked about again once seen finished."""
    assert sim.server is not None
    again = sim.server.sim.stats.after_terminal
    return all(
        again[job_id] > 0
        for job_id, answer in answers.items()
        if answer.get("JobStatus") in ("Succeeded", "Failed")
    )
