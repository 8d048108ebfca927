"""What the project sends and what the simulator answers, held against the vendor's SDKs.

The oracle is the SDK of each API, installed with the test extra: ICE's
``alibabacloud-ice20201109`` (2020-11-09) and the Yike product's ``alibabacloud-yike20260319``
(2026-03-19). Their request models name each action's parameters and say which are required
("This parameter is required.") and which values are valid ("Valid values:"); their clients
put each parameter in the query string or the form body, which is learnt here by letting the
SDK's own client send every parameter to the simulator and looking where each landed. Their
answer models name the fields of each answer and their types.

- Each request the project sends (captured at the simulator, every optional parameter set)
  carries only the SDK's parameters, each in the SDK's place, the required ones present,
  and was answered 200.
- Each answer the simulator gives survives the SDK's ``from_map``/``to_map`` unchanged (no
  field the SDK does not know), has every field the SDK documents, each of the SDK's type.
- The simulator refuses what the SDK would not send: a parameter it lacks (the Yike-only
  ones on ICE), one in the wrong place, a required one missing, an undocumented value.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from yike_tui.actions.novel_file import read_novel
from yike_tui.actions.submit import EXEC_MODES, build_submit
from yike_tui.actions.upload import upload_novel
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.credits import get_credits, get_job_charge
from yike_tui.api.signing import sign_request
from yike_tui.core import known_values
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_YIKE_USER_ID,
    SimulatorThread,
)
from yike_tui.sim.app import Reply
from yike_tui.sim.contract import (
    CONTRACTS,
    ICE_VERSION,
    YIKE_ASPECT_RATIOS,
    YIKE_RESOLUTIONS,
    YIKE_SHOT_PROMPT_MODES,
    YIKE_SHOT_SPLIT_MODES,
    YIKE_SOURCE_TYPES,
    YIKE_VERSION,
    YIKE_VIDEO_MODELS,
)

SDKS = {ICE_VERSION: "alibabacloud_ice20201109", YIKE_VERSION: "alibabacloud_yike20260319"}
API_OF = {ICE_VERSION: "ice", YIKE_VERSION: "yike"}
CREDS = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")


def sdk_models(version: str) -> ModuleType:
    return importlib.import_module(f"{SDKS[version]}.models")


# --- what the SDK says -------------------------------------------------------------------


def _snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def _fields(model: type) -> dict[str, str]:
    """A model's attributes and their annotations (as text: the SDK's modules use
    ``from __future__ import annotations``)."""
    signature = inspect.signature(model)
    return {name: str(p.annotation) for name, p in signature.parameters.items()}


def _wire_name(model: type, attribute: str) -> str:
    annotation = _fields(model)[attribute]
    instance = model()
    nested = annotation.startswith("main_models.")
    value = getattr(sdk_models_of(model), annotation.rsplit(".", 1)[1])() if nested else "x"
    setattr(instance, attribute, value)
    (name,) = instance.to_map()  # the one attribute set: the one name on the wire
    return str(name)


def sdk_models_of(model: type) -> ModuleType:
    return importlib.import_module(model.__module__.rsplit(".", 1)[0])


def request_params(version: str, action: str) -> dict[str, str]:
    """The action's parameters as the SDK's request model names them: wire name -> attribute."""
    model = getattr(sdk_models(version), f"{action}Request")
    return {_wire_name(model, attribute): attribute for attribute in _fields(model)}


def _comments(model: type) -> dict[str, str]:
    """Each attribute's comment in the model's ``__init__`` (the SDK's documentation)."""
    found: dict[str, str] = {}
    block: list[str] = []
    for line in inspect.getsource(vars(model)["__init__"]).splitlines():
        text = line.strip()
        if text.startswith("#"):
            block.append(text.lstrip("#").strip())
        elif match := re.match(r"self\.(\w+) = ", text):
            found[match[1]] = "\n".join(block)
            block = []
    return found


def required_params(version: str, action: str) -> set[str]:
    model = getattr(sdk_models(version), f"{action}Request")
    wire = {attribute: name for name, attribute in request_params(version, action).items()}
    return {
        wire[attribute]
        for attribute, comment in _comments(model).items()
        if "This parameter is required." in comment
    }


def documented_values(version: str, action: str) -> dict[str, tuple[str, ...]]:
    """The "Valid values:" lists of an action's request model: wire name -> values."""
    model = getattr(sdk_models(version), f"{action}Request")
    wire = {attribute: name for name, attribute in request_params(version, action).items()}
    lists = {}
    for attribute, comment in _comments(model).items():
        if "Valid values" not in comment:
            continue
        after = comment.split("Valid values", 1)[1]
        items = re.findall(r"^- \**(\S+?)\**(?::\s|:$|$)", after, re.MULTILINE)
        lists[wire[attribute]] = tuple(item.strip() for item in items)
    return lists


@dataclass
class Sent:
    """One request as the simulator received it, and its answer."""

    action: str
    version: str
    query: list[tuple[str, str]]
    body: list[tuple[str, str]]
    status: int
    answer: Any


class Recorder:
    def __init__(self, sim: SimulatorThread) -> None:
        assert sim.server is not None
        self.sim = sim
        self.sent: list[Sent] = []
        app = sim.server.sim
        handle = app.handle

        def recording(method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
            reply = handle(method, target, headers, body)
            if target.startswith("/?") or target == "/":
                form = body.decode() if "form" in headers.get("content-type", "") else ""
                self.sent.append(
                    Sent(
                        headers.get("x-acs-action", ""),
                        headers.get("x-acs-version", ""),
                        parse_qsl(target.partition("?")[2], keep_blank_values=True),
                        parse_qsl(form, keep_blank_values=True),
                        reply.status,
                        json.loads(reply.body) if reply.body else None,
                    )
                )
            return reply

        app.handle = recording  # type: ignore[method-assign]

    def of(self, action: str) -> list[Sent]:
        return [sent for sent in self.sent if sent.action == action]


@pytest.fixture
def sim() -> Iterator[Recorder]:
    with SimulatorThread(scenario="demo", clock=lambda: 10_000.0) as thread:
        yield Recorder(thread)


def sdk_placement(version: str, action: str) -> dict[str, str]:
    """Where the SDK's own client puts each parameter of ``action`` (``query`` or
    ``body``): every parameter set and sent to the simulator, and looked for there."""
    from alibabacloud_tea_openapi import models as open_api_models
    from darabonba.runtime import RuntimeOptions

    with SimulatorThread(scenario="demo") as thread:
        recorder = Recorder(thread)
        client = importlib.import_module(f"{SDKS[version]}.client").Client(
            open_api_models.Config(
                access_key_id=DEMO_ACCESS_KEY_ID,
                access_key_secret=DEMO_ACCESS_KEY_SECRET,
                endpoint=thread.endpoint.split("//", 1)[1],
                protocol="HTTP",
                region_id="cn-shanghai",
            )
        )
        model = getattr(sdk_models(version), f"{action}Request")
        request = model()
        for attribute, annotation in _fields(model).items():
            setattr(request, attribute, True if annotation == "bool" else "x")
        call = getattr(client, f"{_snake(action)}_with_options")
        # Refused ("x" is no valid value), and the SDK raises: it was sent all the same.
        with contextlib.suppress(Exception):
            call(request, RuntimeOptions())
        (sent,) = recorder.of(action)
    return {name: "query" for name, _ in sent.query} | {name: "body" for name, _ in sent.body}


# --- the project's requests --------------------------------------------------------------

# A value for every keyword of build_submit: one documented on both APIs where lists exist.
SUBMIT_VALUES: dict[str, Any] = {
    "file_url": "https://bucket.oss-cn-shanghai.aliyuncs.com/novels/a%20b.txt",
    "title": "雨巷 a*b~c",
    "source_type": "Novel",
    "style_id": "RealisticPhotographyPro",
    "aspect_ratio": "9:16",
    "resolution": "720P",
    "video_model": "wan2.6-r2v-flash",
    "voice": "sys_ClassicMiddleAgedWoman",
    "exec_mode": "StoryboardOnly",
    "skip_failure_shot": False,
    "model_params": '{"AudioEnable": false}',
    "shot_split_mode": "firstPersonNarration",
    "shot_prompt_mode": "multi",
    "user_data": '{"NotifyAddress": "https://hook.test/x"}',
    "keep_origin_dialogue": False,
    "need_caption": True,
    "shot_prompt_lang": "en",
    "file_url_from": "--file-url",
    "yike_api": True,
}
YIKE_ONLY_KEYWORDS = ("keep_origin_dialogue", "need_caption", "shot_prompt_lang")


def project_requests(recorder: Recorder, version: str, tmp_path: Path) -> None:
    """Every action the project calls, as it calls them, every optional parameter set."""
    keywords = set(inspect.signature(build_submit).parameters)
    assert keywords <= set(SUBMIT_VALUES), (
        f"give these a value here: {keywords - set(SUBMIT_VALUES)}"
    )
    chosen = {name: SUBMIT_VALUES[name] for name in keywords}
    if version != YIKE_VERSION:  # ICE's SDK has none of these: the project refuses them
        chosen.update(dict.fromkeys(YIKE_ONLY_KEYWORDS), yike_api=False)
    submit = build_submit(**chosen)
    book = recorder.sim.server.sim.book  # type: ignore[union-attr]
    suspended = next(job.id for job in book if job.fate.name == "SUSPEND")
    novel = tmp_path / "novel.txt"
    novel.write_text("雨巷。一个撑着油纸伞的姑娘。" * 20, encoding="utf-8")

    async def calls() -> None:
        async with ApiClient(
            CREDS,
            endpoint=recorder.sim.endpoint,
            version=version,
            retries=0,
            yike_user_id=DEMO_YIKE_USER_ID,
        ) as client:
            job_id = (await client.submit_job(submit.query, submit.form)).job_id
            assert isinstance(job_id, str)
            await client.get_job(job_id)
            await client.resume_job(suspended)
            await upload_novel(client, read_novel(novel))
            await get_credits(client)
            if version == YIKE_VERSION:
                await get_job_charge(client, job_id)

    asyncio.run(calls())


@pytest.mark.parametrize("version", [ICE_VERSION, YIKE_VERSION])
def test_every_request_the_project_sends_is_one_the_sdk_would_send(
    sim: Recorder, version: str, tmp_path: Path
) -> None:
    project_requests(sim, version, tmp_path)
    actions = {sent.action for sent in sim.sent}
    assert actions == set(CONTRACTS[version]) - ({"GetYikeUserCredit"} if version == YIKE_VERSION
                                                 else set())  # fmt: skip
    for sent in sim.sent:
        assert sent.version == version
        assert sent.status == 200, (sent.action, sent.answer)
        known = request_params(version, sent.action)
        placement = sdk_placement(version, sent.action) if known else {}
        names = [name for name, _ in sent.query + sent.body]
        assert len(names) == len(set(names)), f"{sent.action}: a parameter sent twice"
        assert set(names) <= set(known), f"{sent.action}: {set(names) - set(known)} unknown"
        for name, _ in sent.query:
            assert placement[name] == "query", f"{sent.action}.{name} belongs in the body"
        for name, _ in sent.body:
            assert placement[name] == "body", f"{sent.action}.{name} belongs in the query"
        assert required_params(version, sent.action) <= set(names), sent.action
    # With every optional parameter set, the submit carries all the SDK's but the Yike-only.
    (submit,) = sim.of("SubmitYikeStoryboardJob")
    sent_names = {name for name, _ in submit.query + submit.body}
    unsent = set(request_params(version, "SubmitYikeStoryboardJob")) - sent_names
    assert unsent <= {"KeepOriginDialogue", "NeedCaption", "ShotPromptLang"}


def test_the_sdk_documents_what_the_project_assumes() -> None:
    """Facts of the SDKs the project (and the simulator's contract) is built on."""
    assert required_params(ICE_VERSION, "GetYikeUserCredit") == {"YikeUserId"}
    assert required_params(YIKE_VERSION, "GetYikeJobCredit") == {"JobId"}
    assert required_params(ICE_VERSION, "CreateYikeAssetUpload") == {"FileExt"}
    assert sdk_placement(YIKE_VERSION, "GetYikeJobCredit") == {"JobId": "body"}
    yike = set(request_params(YIKE_VERSION, "SubmitYikeStoryboardJob"))
    ice = set(request_params(ICE_VERSION, "SubmitYikeStoryboardJob"))
    assert yike - ice == {"KeepOriginDialogue", "NeedCaption", "ShotPromptLang"}
    assert not hasattr(sdk_models(ICE_VERSION), "GetYikeAccountCreditRequest")
    assert not hasattr(sdk_models(ICE_VERSION), "GetYikeJobCreditRequest")


@pytest.mark.parametrize("version", [ICE_VERSION, YIKE_VERSION])
def test_the_simulators_contract_is_the_sdks(version: str) -> None:
    """Every action the simulator serves exists in the SDK with the same parameters, each
    in the SDK client's place; its value lists are the SDK's "Valid values"."""
    for action, params in CONTRACTS[version].items():
        assert {p.name for p in params} == set(request_params(version, action)), action
        placement = sdk_placement(version, action) if params else {}
        for param in params:
            assert placement[param.name] == param.place, (action, param.name)
        assert required_params(version, action) <= {p.name for p in params if p.required}
    lists = documented_values(version, "SubmitYikeStoryboardJob")
    assert lists["ExecMode"] == EXEC_MODES
    if version == YIKE_VERSION:
        assert set(lists["AspectRatio"]) == set(YIKE_ASPECT_RATIOS)  # any order
        assert set(lists["Resolution"]) == set(YIKE_RESOLUTIONS)  # any order
        assert set(lists["ShotPromptMode"]) == set(YIKE_SHOT_PROMPT_MODES)  # any order
        assert set(lists["ShotSplitMode"]) == set(YIKE_SHOT_SPLIT_MODES)  # any order
        assert set(lists["SourceType"]) == set(YIKE_SOURCE_TYPES)  # any order
        assert set(lists["VideoModel"]) == set(YIKE_VIDEO_MODELS)  # any order
        assert set(lists["StyleId"]) == set(known_values.STYLES.documented_for(version))
        assert set(lists["NarrationVoiceId"]) == set(known_values.VOICES.documented_for(version))
    else:  # ICE's SDK documents no other list: the simulator checks none (but ids)
        assert set(lists) == {"ExecMode"}


# --- the simulator's answers -------------------------------------------------------------


def _check_answer(model: type, answer: Any, where: str, optional: frozenset[str]) -> None:
    """``answer`` has every field of ``model`` (but ``optional``), each of its type."""
    fields = _fields(model)
    wire = {_wire_name(model, attribute): (attribute, annotation)
            for attribute, annotation in fields.items()}  # fmt: skip
    assert isinstance(answer, dict), where
    assert set(answer) <= set(wire), f"{where}: {set(answer) - set(wire)} not in the SDK"
    missing = set(wire) - set(answer) - optional
    assert not missing, f"{where}: {missing} missing"
    for name, value in answer.items():
        annotation = wire[name][1]
        if annotation == "str":
            assert isinstance(value, str), f"{where}.{name}: {value!r} is not a string"
        elif annotation == "float":
            assert isinstance(value, int | float) and not isinstance(value, bool), where
        elif annotation == "bool":
            assert isinstance(value, bool), where
        else:  # a nested model: main_models.X
            nested = getattr(sdk_models_of(model), annotation.rsplit(".", 1)[1])
            _check_answer(nested, value, f"{where}.{name}", optional)


def assert_answer_conforms(
    version: str, action: str, answer: Any, optional: frozenset[str]
) -> None:
    body_model = getattr(sdk_models(version), f"{action}ResponseBody")
    assert body_model().from_map(answer).to_map() == answer, f"{action}: not round-tripped"
    _check_answer(body_model, answer, action, optional)


def not_filled(answer: Any) -> frozenset[str]:
    """What an answer may rightly leave out: a job has its output and subtitles only once it
    succeeded. Every other field the SDK knows is filled."""
    succeeded = isinstance(answer, dict) and answer.get("JobStatus") == "Succeeded"
    return frozenset() if succeeded else frozenset({"OutputUrl", "SrtFileUrl"})


@pytest.mark.parametrize("version", [ICE_VERSION, YIKE_VERSION])
def test_every_answer_the_simulator_gives_is_the_sdks_shape(
    sim: Recorder, version: str, tmp_path: Path
) -> None:
    project_requests(sim, version, tmp_path)
    for sent in sim.sent:
        assert_answer_conforms(version, sent.action, sent.answer, not_filled(sent.answer))
    # A finished job has every field (its output, on Yike its subtitles and credits); every
    # demo job (failed, suspended, sparse ones leaving out what is empty) has the SDK's shape.
    book = sim.sim.server.sim.book  # type: ignore[union-attr]
    finished = next(j.id for j in book if j.params["Title"].startswith("Harbour"))

    async def get(job_id: str) -> dict[str, Any]:
        async with ApiClient(CREDS, endpoint=sim.sim.endpoint, version=version) as client:
            return await client.get_job_payload(job_id)

    answer = asyncio.run(get(finished))
    assert answer["JobStatus"] == "Succeeded"
    assert_answer_conforms(version, "GetYikeStoryboardJob", answer, not_filled(answer))
    for job in book:  # every demo job: sparse ones may leave out empty fields
        sparse = frozenset({"OutputUrl", "SrtFileUrl", "SuccessStoryboardList",
                            "ExceptionStoryboardIds", "FailureShotList", "SuccessStoryboardIds",
                            "StoryboardInfoList"} | set(request_params(version,
                            "SubmitYikeStoryboardJob")))  # fmt: skip
        assert_answer_conforms(version, "GetYikeStoryboardJob", asyncio.run(get(job.id)), sparse)


# --- what the simulator refuses ----------------------------------------------------------


def _signed_post(
    endpoint: str, version: str, action: str, query: dict[str, str], form: dict[str, str]
) -> httpx.Response:
    """A request signed as the project signs, with whatever parameters the test wants."""
    from datetime import UTC, datetime
    from urllib.parse import urlencode, urlsplit

    body = urlencode(form).encode() if form else b""
    signed = sign_request(
        method="POST",
        host=urlsplit(endpoint).netloc,
        action=action,
        version=version,
        params=query,
        access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret=DEMO_ACCESS_KEY_SECRET,
        date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        nonce=__import__("uuid").uuid4().hex,
        body=body,
        content_type="application/x-www-form-urlencoded" if form else None,
    )
    target = f"{endpoint}/?{signed.query}" if signed.query else f"{endpoint}/"
    return httpx.post(target, headers=signed.headers, content=body)


GOOD_FORM = {"FileURL": "https://b.test/n.txt", "SourceType": "Novel"}


@pytest.mark.parametrize(
    ("version", "action", "query", "form", "code"),
    [
        (ICE_VERSION, "GetYikeUserCredit", {}, {}, "MissingParameter.YikeUserId"),
        (ICE_VERSION, "CreateYikeAssetUpload", {"FileType": "Media"}, {},
         "MissingParameter.FileExt"),
        (YIKE_VERSION, "GetYikeJobCredit", {}, {}, "MissingParameter.JobId"),
        (ICE_VERSION, "GetYikeStoryboardJob", {"JobId": "j", "Colour": "red"}, {},
         "InvalidParameter.Colour"),
        (ICE_VERSION, "SubmitYikeStoryboardJob", {"KeepOriginDialogue": "true"}, GOOD_FORM,
         "InvalidParameter.KeepOriginDialogue"),
        (ICE_VERSION, "SubmitYikeStoryboardJob", {"NeedCaption": "false"}, GOOD_FORM,
         "InvalidParameter.NeedCaption"),
        (ICE_VERSION, "SubmitYikeStoryboardJob", {"ShotPromptLang": "en"}, GOOD_FORM,
         "InvalidParameter.ShotPromptLang"),
        (ICE_VERSION, "SubmitYikeStoryboardJob", {"FileURL": "https://b.test/n.txt"}, {},
         "InvalidParameter.FileURL"),  # a body parameter in the query
        (YIKE_VERSION, "GetYikeJobCredit", {"JobId": "j"}, {}, "InvalidParameter.JobId"),
        (YIKE_VERSION, "SubmitYikeStoryboardJob", {"Title": "t"}, {**GOOD_FORM, "Title": "t"},
         "InvalidParameter.Title"),  # a query parameter in the body
        (ICE_VERSION, "SubmitYikeStoryboardJob", {"ExecMode": "Fast"}, GOOD_FORM,
         "InvalidParameter.ExecMode"),
        (YIKE_VERSION, "SubmitYikeStoryboardJob", {"Resolution": "1K"}, GOOD_FORM,
         "InvalidParameter.Resolution"),
        (YIKE_VERSION, "SubmitYikeStoryboardJob", {"AspectRatio": "21:9"}, GOOD_FORM,
         "InvalidParameter.AspectRatio"),
        (YIKE_VERSION, "SubmitYikeStoryboardJob", {}, {**GOOD_FORM, "SourceType": "Poem"},
         "InvalidParameter.SourceType"),
        (YIKE_VERSION, "SubmitYikeStoryboardJob", {"NeedCaption": "maybe"}, GOOD_FORM,
         "InvalidParameter.NeedCaption"),
        (ICE_VERSION, "SubmitYikeStoryboardJob", {}, {**GOOD_FORM, "StyleId": "NoSuchStyle"},
         "InvalidStyleId"),
        (YIKE_VERSION, "SubmitYikeStoryboardJob", {"NarrationVoiceId": "sys_Nobody"}, GOOD_FORM,
         "InvalidVoiceId"),
        (ICE_VERSION, "SubmitYikeStoryboardJob", {"Title": "t"}, {"SourceType": "Novel"},
         "MissingParameter.FileURL"),
        (ICE_VERSION, "GetYikeAccountCredit", {}, {}, "InvalidAction.NotFound"),
        (ICE_VERSION, "GetYikeJobCredit", {}, {"JobId": "j"}, "InvalidAction.NotFound"),
    ],
)  # fmt: skip
def test_the_simulator_refuses_what_the_sdk_would_not_send(
    sim: Recorder,
    version: str,
    action: str,
    query: dict[str, str],
    form: dict[str, str],
    code: str,
) -> None:
    answer = _signed_post(sim.sim.endpoint, version, action, query, form)
    body = answer.json()
    assert body["Code"] == code, body
    assert answer.status_code == (404 if code == "InvalidAction.NotFound" else 400)
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}


def test_the_yike_sdk_sends_its_own_parameters_and_the_simulator_takes_them(
    sim: Recorder,
) -> None:
    """KeepOriginDialogue, NeedCaption and ShotPromptLang, as the Yike SDK sends them (its
    bools as True/False), with documented values everywhere: accepted."""
    from alibabacloud_tea_openapi import models as open_api_models

    m = sdk_models(YIKE_VERSION)
    client = importlib.import_module(f"{SDKS[YIKE_VERSION]}.client").Client(
        open_api_models.Config(
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            endpoint=sim.sim.endpoint.split("//", 1)[1],
            protocol="HTTP",
            region_id="cn-shanghai",
        )
    )
    lists = documented_values(YIKE_VERSION, "SubmitYikeStoryboardJob")
    answer = client.submit_yike_storyboard_job(
        m.SubmitYikeStoryboardJobRequest(
            file_url="https://b.test/n.txt",
            title="t",
            keep_origin_dialogue=False,
            need_caption=True,
            shot_prompt_lang="en",
            skip_failure_shot=False,
            **{
                attribute: lists[name][-1]
                for name, attribute in request_params(
                    YIKE_VERSION, "SubmitYikeStoryboardJob"
                ).items()
                if name in lists
            },
        )
    )
    assert answer.status_code == 200 and answer.body.job_id
    (sent,) = sim.of("SubmitYikeStoryboardJob")
    assert dict(sent.query)["KeepOriginDialogue"] == "False"
    assert_answer_conforms(YIKE_VERSION, "SubmitYikeStoryboardJob", sent.answer, frozenset())
