"""What each action takes, per API version, as the vendor's SDKs document it; and the check
the simulator holds every request to, so it is never kinder than the service.

The oracle is the SDK of each API (ICE's ``alibabacloud-ice20201109`` 6.20, the Yike
product's ``alibabacloud-yike20260319`` 2.2): its request model names the parameters, says
which are required and which values are valid, and its client puts each one in the query
string or the form body. ``tests/integration/test_vendor_conformance.py`` holds this table
against those SDKs. Two parameters the SDKs leave optional are refused when missing all
the same, as there is nothing to answer without them: the JobId of a job action, and a
submit's FileURL.

Values are judged by the lists of ``yike_tui.core.known_values`` (one home for them): on the
Yike product's API, what its SDK documents; on ICE, whose SDK lists none, what the skill
or the newer SDK documents. An unknown style or voice is ``InvalidStyleId`` /
``InvalidVoiceId``, the codes the vendor's skill names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from yike_tui.core import known_values
from yike_tui.sim.uploads import FILE_EXTS, FILE_TYPES

ICE_VERSION = "2020-11-09"
YIKE_VERSION = "2026-03-19"
MAX_TITLE_BYTES = 128

Place = Literal["query", "body"]

# The Yike product's SDK lists these valid values; ICE's documents none for them.
YIKE_ASPECT_RATIOS = known_values.ASPECT_RATIOS.documented_for(YIKE_VERSION)
YIKE_RESOLUTIONS = known_values.RESOLUTIONS.documented_for(YIKE_VERSION)
YIKE_SHOT_PROMPT_MODES = known_values.SHOT_PROMPT_MODES.documented_for(YIKE_VERSION)
YIKE_SHOT_SPLIT_MODES = known_values.SPLIT_MODES.documented_for(YIKE_VERSION)
YIKE_SOURCE_TYPES = known_values.SOURCE_TYPES.documented_for(YIKE_VERSION)
YIKE_VIDEO_MODELS = known_values.VIDEO_MODELS.documented_for(YIKE_VERSION)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Param:
    name: str
    place: Place = "query"
    required: bool = False
    choices: Callable[[], tuple[str, ...]] | None = None  # read when checked: lists grow
    check: Callable[[str], str] | None = None  # "" when good, else why not
    invalid_code: str = ""  # the code a bad value gets; default InvalidParameter.<name>

    def refuse_value(self, value: str) -> Refusal | None:
        why = ""
        if self.choices is not None and value not in (allowed := self.choices()):
            why = f"must be one of {', '.join(allowed)}"
        elif self.check is not None:
            why = self.check(value)
        if not why:
            return None
        shown = value if len(value) <= 60 else value[:57] + "..."
        code = self.invalid_code or f"InvalidParameter.{self.name}"
        return Refusal(400, code, f"The value {shown!r} of {self.name} is not valid: {why}.")


def _fixed(*allowed: str) -> Callable[[], tuple[str, ...]]:
    return lambda: allowed


def _bool(value: str) -> str:
    # The project sends true/false; the vendor's Python SDK sends True/False.
    return "" if value.lower() in ("true", "false") else "expected true or false"


def _json_object(value: str) -> str:
    try:
        decoded = json.loads(value)
    except ValueError:
        return "not valid JSON"
    return "" if isinstance(decoded, dict) else "expected a JSON object"


def _title(value: str) -> str:
    size = len(value.encode("utf-8", "surrogatepass"))
    return f"{size} bytes of UTF-8, the most is {MAX_TITLE_BYTES}" if size > MAX_TITLE_BYTES else ""


def _file_ext(value: str) -> str:
    return "" if value.lower() in FILE_EXTS else f"must be one of {', '.join(FILE_EXTS)}"


_JOB_ID = Param("JobId", required=True)


def _submit(yike: bool) -> tuple[Param, ...]:
    version = YIKE_VERSION if yike else ICE_VERSION

    def documented(*allowed: str) -> Callable[[], tuple[str, ...]] | None:
        return _fixed(*allowed) if yike else None

    common = (
        Param("AspectRatio", choices=documented(*YIKE_ASPECT_RATIOS)),
        Param("ExecMode", choices=lambda: known_values.EXEC_MODES),
        Param("ModelParams", check=_json_object),
        Param(
            "NarrationVoiceId",
            choices=lambda: known_values.VOICES.documented_for(version),
            invalid_code="InvalidVoiceId",
        ),
        Param("Resolution", choices=documented(*YIKE_RESOLUTIONS)),
        Param("ShotPromptMode", choices=documented(*YIKE_SHOT_PROMPT_MODES)),
        Param("SkipFailureShot", check=_bool),
        Param("Title", check=_title),
        Param("UserData", check=_json_object),
        Param("VideoModel", choices=documented(*YIKE_VIDEO_MODELS)),
        Param("FileURL", "body", required=True),
        Param("ShotSplitMode", "body", choices=documented(*YIKE_SHOT_SPLIT_MODES)),
        Param("SourceType", "body", choices=documented(*YIKE_SOURCE_TYPES)),
        Param(
            "StyleId",
            "body",
            choices=lambda: known_values.STYLES.documented_for(version),
            invalid_code="InvalidStyleId",
        ),
    )
    if not yike:
        return common
    return (
        *common,
        Param("KeepOriginDialogue", check=_bool),
        Param("NeedCaption", check=_bool),
        Param("ShotPromptLang"),
    )


_UPLOAD = (
    Param("FileExt", required=True, check=_file_ext, invalid_code="InvalidFileType"),
    Param("FileType", choices=_fixed(*FILE_TYPES)),
)
_USER_CREDIT = (Param("YikeUserId", required=True),)

# API version -> action -> its parameters. An action missing here is not served.
CONTRACTS: dict[str, dict[str, tuple[Param, ...]]] = {
    ICE_VERSION: {
        "GetYikeStoryboardJob": (_JOB_ID,),
        "ResumeYikeStoryboardJob": (_JOB_ID,),
        "SubmitYikeStoryboardJob": _submit(yike=False),
        "CreateYikeAssetUpload": _UPLOAD,
        "GetYikeUserCredit": _USER_CREDIT,
    },
    YIKE_VERSION: {
        "GetYikeStoryboardJob": (_JOB_ID,),
        "ResumeYikeStoryboardJob": (_JOB_ID,),
        "SubmitYikeStoryboardJob": _submit(yike=True),
        "CreateYikeAssetUpload": _UPLOAD,
        "GetYikeUserCredit": _USER_CREDIT,
        "GetYikeAccountCredit": (),
        "GetYikeJobCredit": (Param("JobId", "body", required=True),),
    },
}

_PLACE_WORDS = {"query": "the query string", "body": "the form body"}


def is_form(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def form_pairs(body: bytes, content_type: str) -> list[tuple[str, str]] | Refusal:
    """The form body's parameters; a Refusal for a body that is not a form."""
    if not body:
        return []
    if not is_form(content_type):
        return Refusal(
            400,
            "InvalidParameter",
            "The request body must be application/x-www-form-urlencoded.",
        )
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def check_request(
    params: tuple[Param, ...],
    action: str,
    version: str,
    query: list[tuple[str, str]],
    body: list[tuple[str, str]],
) -> dict[str, str] | Refusal:
    """The parameters of a request as the service reads them, or why it is refused: an
    unknown parameter, one in the wrong place or given twice, a required one missing, a
    value the documentation does not allow."""
    known = {param.name: param for param in params}
    given: dict[str, str] = {}
    for place, pairs in (("query", query), ("body", body)):
        for name, value in pairs:
            param = known.get(name)
            if param is None:
                return Refusal(
                    400,
                    f"InvalidParameter.{_short(name)}",
                    f"{_short(name)!r} is not a parameter of {action} (API version {version}).",
                )
            if param.place != place:
                return Refusal(
                    400,
                    f"InvalidParameter.{name}",
                    f"{name} of {action} goes in {_PLACE_WORDS[param.place]}, "
                    f"not {_PLACE_WORDS[place]}.",
                )
            if name in given:
                return Refusal(400, f"InvalidParameter.{name}", f"{name} is given twice.")
            given[name] = value
    for param in params:
        value = given.get(param.name, "")
        if not value:
            if param.required:
                return Refusal(
                    400,
                    f"MissingParameter.{param.name}",
                    f'The input parameter "{param.name}" that is mandatory for processing '
                    "this request is not supplied.",
                )
            continue
        refused = param.refuse_value(value)
        if refused is not None:
            return refused
    return given


def _short(name: str) -> str:
    return name if len(name) <= 40 else name[:37] + "..."
