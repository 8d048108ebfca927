"""The job model: frozen dataclasses and a ``parse_job`` that never raises on data.

The API packs most lists as JSON inside strings (the vendor's own example even escapes
them twice) and any field may be missing, ``null`` or malformed. ``parse_job`` keeps what
parses, leaves the rest empty and records one warning a field saying what was wrong, so a
half-broken response still shows a job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from yike_tui.core.amounts import amount, amount_text
from yike_tui.safety.safe_text import loads_valid, valid_json


class JobStatus(Enum):
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SUSPENDED = "Suspended"
    UNKNOWN = "Unknown"  # any other value: kept raw in Job.status_raw, treated as not finished

    @classmethod
    def from_raw(cls, raw: str) -> JobStatus:
        return _STATUS_BY_NAME.get(raw.strip().lower(), cls.UNKNOWN)

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


# A status as the API writes it, in any case, and what it means (read once a row of 100,000).
_STATUS_BY_NAME = {s.value.lower(): s for s in JobStatus if s is not JobStatus.UNKNOWN}


# The one list of the statuses a job ends in: confirmed once, then never fetched again.
TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


# Storyboard sub-statuses that count as finished, failed or done for "done/total" figures.
STORYBOARD_DONE_SUBSTATUSES = frozenset({"ProduceSucc"})
# Editing/CreateSucc: the storyboard's shots exist and it is ready to edit in the Yike
# editor (where a StoryboardOnly job ends). The one place this is decided.
READY_TO_EDIT = ("Editing", "CreateSucc")
STORYBOARD_FAILED_SUBSTATUSES = frozenset({"CreateFailed", "ParseFailed", "ProduceFailed"})


@dataclass(frozen=True, slots=True)
class FailedShot:
    storyboard_id: str
    shot_id: str
    error_code: str


@dataclass(frozen=True, slots=True)
class Storyboard:
    id: str
    title: str = ""
    status: str = ""
    sub_status: str = ""
    succeeded: bool = False  # named in SuccessStoryboardList / SuccessStoryboardIds
    exception: bool = False  # named in ExceptionStoryboardIds
    failed_shots: tuple[FailedShot, ...] = ()

    @property
    def is_done(self) -> bool:
        return self.succeeded or self.sub_status in STORYBOARD_DONE_SUBSTATUSES

    @property
    def is_failed(self) -> bool:
        return self.exception or self.sub_status in STORYBOARD_FAILED_SUBSTATUSES

    @property
    def ready_to_edit(self) -> bool:
        return self.sub_status == READY_TO_EDIT[1]

    @property
    def status_text(self) -> str:
        if self.status and self.sub_status:
            return f"{self.status}/{self.sub_status}"
        return self.status or self.sub_status or ("Succeeded" if self.succeeded else "?")

    @property
    def reported_status(self) -> str:
        """The status to tell a reader: StoryboardInfoList's; for a storyboard only named
        elsewhere, what that list says of it ("Succeeded", "Exception"), else "Unknown"."""
        if self.status:
            return self.status
        if self.succeeded:
            return "Succeeded"
        return "Exception" if self.exception else "Unknown"


@dataclass(frozen=True, slots=True)
class JobCredit:
    """``JobCredit``, exact: the API sends each figure as decimal text."""

    element_image_generation: Decimal | None = None
    total_credit_cost: Decimal | None = None
    video_composition: Decimal | None = None
    video_generation: Decimal | None = None

    def to_json(self) -> dict[str, str | None]:
        """Each figure as a string, as the API gives it (a float would round it)."""
        return {
            "element_image_generation": amount_text(self.element_image_generation),
            "total_credit_cost": amount_text(self.total_credit_cost),
            "video_composition": amount_text(self.video_composition),
            "video_generation": amount_text(self.video_generation),
        }


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    status: JobStatus = JobStatus.UNKNOWN
    status_raw: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    model_params: Any = None  # ModelParams decoded from its JSON string, or None
    storyboards: tuple[Storyboard, ...] = ()
    failed_shots: tuple[FailedShot, ...] = ()
    output_url: str = ""
    srt_url: str = ""
    credit: JobCredit | None = None
    request_id: str = ""
    fetched_at: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.params.get("Title", "")

    @property
    def storyboards_done(self) -> int:
        return sum(1 for sb in self.storyboards if sb.is_done)

    @property
    def storyboards_failed(self) -> int:
        return sum(1 for sb in self.storyboards if sb.is_failed)

    def storyboard(self, storyboard_id: str) -> Storyboard | None:
        for sb in self.storyboards:
            if sb.id == storyboard_id:
                return sb
        return None

    def to_json(self) -> dict[str, Any]:
        """The documented normalised shape printed by ``get --json`` and ``watch --json``."""
        return {
            "job_id": self.id,
            "status": self.status_raw or self.status.value,
            "title": self.title,
            "output_url": self.output_url,
            "srt_url": self.srt_url,
            "request_id": self.request_id,
            "storyboards": [
                {
                    "id": sb.id,
                    "title": sb.title,
                    "status": sb.reported_status,
                    "sub_status": sb.sub_status,
                    "succeeded": sb.succeeded,
                    "exception": sb.exception,
                }
                for sb in self.storyboards
            ],
            "failed_shots": [
                {"storyboard_id": s.storyboard_id, "shot_id": s.shot_id, "error_code": s.error_code}
                for s in self.failed_shots
            ],
            "params": dict(self.params),
            "model_params": self.model_params,
            "credit": None if self.credit is None else self.credit.to_json(),
            "warnings": list(self.warnings),
        }


# --- parsing -----------------------------------------------------------------------------

_MAX_UNESCAPE_DEPTH = 3


def _loads(text: str) -> Any:
    """``json.loads`` made valid (``loads_valid``: no walk over what cannot need fixing)
    that reports nesting too deep for the parser (``[[[[...``) as bad JSON."""
    try:
        return loads_valid(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _decode_json_string(value: str) -> Any:
    """Decode JSON that may be escaped more than once (``[\\"st_1\\"]``).

    Tries plain JSON first; when that fails because the quotes themselves are escaped,
    unescapes one level by decoding the text as the body of a JSON string, and tries again.
    What it returns is made valid like the payload (an escaped ``\\ud800`` or ``NaN`` inside
    the string only appears now).
    """
    text = value.strip()
    for _ in range(_MAX_UNESCAPE_DEPTH):
        try:
            decoded = _loads(text)
        except ValueError:
            if '\\"' not in text:
                raise
            text = _loads(f'"{text}"')
            continue
        if isinstance(decoded, str) and decoded.strip()[:1] in ("[", "{"):
            text = decoded.strip()  # the JSON was a string holding JSON: go one level down
            continue
        return decoded  # made valid by _loads
    raise ValueError("JSON nested too deeply")


class _Parser:
    """Collects warnings while pulling typed values out of an untrusted payload."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, name: str, why: str) -> None:
        self.warnings.append(f"{name}: {why}")

    def string(self, obj: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
        value = obj.get(key)
        if value is None:
            if required:
                self.warn(f"{where}{key}", "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.warn(f"{where}{key}", f"expected a string, got {type(value).__name__}")
            return ""
        return str(value)

    def json_list(self, obj: Mapping[str, Any], key: str) -> list[Any]:
        """A JSON array held in a string (or, tolerantly, an actual array)."""
        name = f"JobResult.{key}"
        value = obj.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return value
        if not isinstance(value, str):
            self.warn(name, f"expected a JSON string, got {type(value).__name__}")
            return []
        try:
            decoded = _decode_json_string(value)
        except ValueError as exc:
            self.warn(name, f"not valid JSON ({exc})")
            return []
        if decoded is None:
            return []
        if not isinstance(decoded, list):
            self.warn(name, f"expected a JSON array, got {type(decoded).__name__}")
            return []
        return decoded

    def id_list(self, obj: Mapping[str, Any], key: str) -> list[str]:
        ids: list[str] = []
        for item in self.json_list(obj, key):
            if isinstance(item, str | int) and not isinstance(item, bool) and str(item).strip():
                ids.append(str(item).strip())
            else:
                self.warn(f"JobResult.{key}", f"skipped a non-id entry {_short(item)}")
        return ids

    def comma_ids(self, obj: Mapping[str, Any], key: str) -> list[str]:
        value = obj.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, list):  # tolerate an actual array
            return [str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip()]
        if not isinstance(value, str):
            self.warn(f"JobResult.{key}", f"expected a string, got {type(value).__name__}")
            return []
        text = value.strip()
        if text.startswith("["):  # some responses carry JSON here too
            return self.id_list(obj, key)
        return [part.strip() for part in text.split(",") if part.strip()]

    def records(
        self, obj: Mapping[str, Any], key: str, fields: tuple[str, ...]
    ) -> list[dict[str, str]]:
        """Objects from a JSON array string, keeping only string-ish values of ``fields``."""
        out: list[dict[str, str]] = []
        for item in self.json_list(obj, key):
            if not isinstance(item, dict):
                self.warn(f"JobResult.{key}", f"skipped a non-object entry {_short(item)}")
                continue
            record: dict[str, str] = {}
            for f in fields:
                v = item.get(f)
                if isinstance(v, str | int | float) and not isinstance(v, bool):
                    record[f] = str(v)
            out.append(record)
        return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_PARAM_KEYS = (
    "Title",
    "FileURL",
    "SourceType",
    "StyleId",
    "AspectRatio",
    "Resolution",
    "VideoModel",
    "NarrationVoiceId",
    "ShotSplitMode",
    "ShotPromptMode",
    "ModelParams",
)


def parse_job(payload: Any, *, job_id: str = "", fetched_at: float = 0.0) -> Job:
    """Build a ``Job`` from a decoded ``GetYikeStoryboardJob`` response. Never raises on data."""
    p = _Parser()
    # Text a terminal or UTF-8 cannot take (lone surrogates) and numbers JSON cannot hold
    # (NaN, infinity) are fixed here, once, so no printer or writer downstream meets them.
    payload = valid_json(payload)
    if not isinstance(payload, Mapping):
        p.warn("response", f"expected a JSON object, got {type(payload).__name__}")
        payload = {}

    jid = p.string(payload, "JobId", "", required=not job_id) or job_id
    request_id = p.string(payload, "RequestId", "", required=False)
    status_raw = p.string(payload, "JobStatus", "", required=True)
    status = JobStatus.from_raw(status_raw) if status_raw else JobStatus.UNKNOWN

    params: dict[str, str] = {}
    raw_params = payload.get("JobParams")
    if isinstance(raw_params, str):  # tolerate JobParams sent as a JSON string
        try:
            raw_params = _decode_json_string(raw_params)
        except ValueError:
            p.warn("JobParams", "not valid JSON")
            raw_params = {}
    if raw_params is None:
        raw_params = {}
    if not isinstance(raw_params, Mapping):
        p.warn("JobParams", f"expected an object, got {type(raw_params).__name__}")
        raw_params = {}
    # Keep every param, the known ones first in a stable order.
    for key in (*_PARAM_KEYS, *(k for k in raw_params if k not in _PARAM_KEYS)):
        if key in raw_params:
            value = p.string(raw_params, key, "JobParams.", required=False)
            if value or raw_params.get(key) == "":
                params[str(key)] = value

    model_params: Any = None
    if params.get("ModelParams"):
        try:
            model_params = _decode_json_string(params["ModelParams"])
        except ValueError as exc:
            p.warn("JobParams.ModelParams", f"not valid JSON ({exc})")

    result = payload.get("JobResult")
    if result is None:
        result = {}
    elif isinstance(result, str):
        try:
            result = _decode_json_string(result) if result.strip() else {}
        except ValueError:
            p.warn("JobResult", "not valid JSON")
            result = {}
    if not isinstance(result, Mapping):
        p.warn("JobResult", f"expected an object, got {type(result).__name__}")
        result = {}

    output_url = p.string(result, "OutputUrl", "JobResult.", required=False).strip()
    srt_url = p.string(result, "SrtFileUrl", "JobResult.", required=False).strip()

    infos = p.records(
        result, "StoryboardInfoList", ("storyboardId", "title", "status", "subStatus")
    )
    success_ids = p.id_list(result, "SuccessStoryboardList")
    success_ids += p.comma_ids(result, "SuccessStoryboardIds")
    exception_ids = set(p.id_list(result, "ExceptionStoryboardIds"))
    shot_records = p.records(result, "FailureShotList", ("errorCode", "storyboardId", "shotId"))

    failed_shots = tuple(
        FailedShot(
            storyboard_id=r.get("storyboardId", ""),
            shot_id=r.get("shotId", ""),
            error_code=r.get("errorCode", "") or "Unknown",
        )
        for r in shot_records
    )

    # Join every list into one ordered storyboard set: StoryboardInfoList order first, then
    # ids only named elsewhere, so a storyboard mentioned anywhere is shown.
    order: list[str] = []
    info_by_id: dict[str, dict[str, str]] = {}
    for info in infos:
        sid = info.get("storyboardId", "").strip()
        if not sid:
            p.warn("JobResult.StoryboardInfoList", "skipped an entry without storyboardId")
            continue
        if sid not in info_by_id:
            order.append(sid)
        info_by_id[sid] = info
    success_set = set(success_ids)
    for sid in [*success_ids, *sorted(exception_ids), *(s.storyboard_id for s in failed_shots)]:
        if sid and sid not in info_by_id and sid not in order:
            order.append(sid)
    shots_by_sb: dict[str, list[FailedShot]] = {}
    for shot in failed_shots:
        shots_by_sb.setdefault(shot.storyboard_id, []).append(shot)

    storyboards = tuple(
        Storyboard(
            id=sid,
            title=info_by_id.get(sid, {}).get("title", ""),
            status=info_by_id.get(sid, {}).get("status", ""),
            sub_status=info_by_id.get(sid, {}).get("subStatus", ""),
            succeeded=sid in success_set,
            exception=sid in exception_ids,
            failed_shots=tuple(shots_by_sb.get(sid, ())),
        )
        for sid in order
    )

    credit = None
    # The newer product sends JobCredit; accept it at the top level or inside JobResult.
    raw_credit = payload.get("JobCredit", result.get("JobCredit"))
    if isinstance(raw_credit, Mapping):
        numbers: dict[str, Decimal | None] = {}
        for key in ("ElementImageGeneration", "TotalCreditCost", "VideoComposition",
                    "VideoGeneration"):  # fmt: skip
            raw = raw_credit.get(key)
            numbers[key] = amount(raw)
            if raw is not None and raw != "" and numbers[key] is None:
                p.warn(f"JobCredit.{key}", f"not a finite number: {_short(raw)}")
        credit = JobCredit(
            element_image_generation=numbers["ElementImageGeneration"],
            total_credit_cost=numbers["TotalCreditCost"],
            video_composition=numbers["VideoComposition"],
            video_generation=numbers["VideoGeneration"],
        )
    elif raw_credit is not None:
        p.warn("JobCredit", f"expected an object, got {type(raw_credit).__name__}")

    return Job(
        id=jid,
        status=status,
        status_raw=status_raw,
        params=params,
        model_params=model_params,
        storyboards=storyboards,
        failed_shots=failed_shots,
        output_url=output_url,
        srt_url=srt_url,
        credit=credit,
        request_id=request_id,
        fetched_at=fetched_at,
        warnings=tuple(p.warnings),
    )
