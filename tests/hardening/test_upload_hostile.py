"""The upload against hostile answers: an OSS that redirects, an upload address pointing at
plain http elsewhere, garbage in UploadAddress/UploadAuth. Each is one line, nothing is
followed or sent on, and no credential is shown."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from tests.hardening.cli_run import run
from tests.loopback import api_endpoint, reply_json, threaded

SECRET = "sts-secret-never-shown"
TOKEN = "CAISsts-token-never-shown"


def b64(data: object) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


class _Oss(BaseHTTPRequestHandler):
    """An OSS that answers every PUT with a redirect to somewhere else."""

    puts: ClassVar[list[str]] = []
    redirected_to_hit = False

    def do_PUT(self) -> None:
        _Oss.puts.append(self.path)
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path.startswith("/elsewhere"):
            _Oss.redirected_to_hit = True
        self.send_response(307)
        self.send_header("location", "/elsewhere?token=" + TOKEN)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def oss() -> Iterator[str]:
    _Oss.puts, _Oss.redirected_to_hit = [], False
    with threaded(_Oss) as url:
        yield url


def api_answering(upload: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class _Api(BaseHTTPRequestHandler):
        submits = 0

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            action = self.headers.get("x-acs-action", "")
            if action == "CreateYikeAssetUpload":
                reply_json(self, 200, json.dumps({"RequestId": "R", **upload}).encode())
            elif action == "SubmitYikeStoryboardJob":
                type(self).submits += 1
                reply_json(self, 200, b'{"RequestId":"R","JobId":"' + b"a" * 32 + b'"}')
            else:
                reply_json(self, 403, b'{"Code":"Forbidden","Message":"no"}')

        def log_message(self, *args: object) -> None:
            pass

    return _Api


def upload_answer(endpoint: str, **auth: str) -> dict[str, str]:
    creds = {"AccessKeyId": "STS.x", "AccessKeySecret": SECRET, "SecurityToken": TOKEN, **auth}
    return {
        "FileURL": "https://bucket-a.oss-cn-shanghai.aliyuncs.com/k.txt",
        "UploadAddress": b64({"Endpoint": endpoint, "Bucket": "bucket-a", "FileName": "k.txt"}),
        "UploadAuth": b64(creds),
    }


def submit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "n.txt"
    path.write_text("A story.", encoding="utf-8")
    return run(["submit", str(path), "--source-type", "Novel"], capsys)


def test_a_redirecting_oss_is_not_followed(
    oss: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = api_answering(upload_answer(oss))
    with api_endpoint(handler, "LTAIkey", monkeypatch):
        code, out, err = submit(tmp_path, capsys)
    assert (code, out) == (1, "")
    assert err.strip() == (
        "yike-tui: not uploaded: the upload was answered with a redirect (HTTP 307); not followed"
    )
    assert _Oss.puts == ["/bucket-a/k.txt"] and not _Oss.redirected_to_hit
    assert handler.submits == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (upload_answer("http://oss.example.com"), "plain http to a remote host; refused"),
        ({**upload_answer("https://x"), "UploadAuth": "%%%"}, "UploadAuth is not base64 of JSON"),
        ({**upload_answer("https://x"), "UploadAddress": b64([1])}, "not a JSON object"),
        ({**upload_answer("https://x"), "FileURL": ""}, "carried no FileURL"),
        (
            {
                **upload_answer("https://x"),
                "UploadAddress": b64(
                    {"Endpoint": "https://x", "Bucket": "b", "FileName": "../../etc"}
                ),
            },
            "Bucket is not a valid bucket name",
        ),
        (upload_answer("https://x", SecurityToken=""), "UploadAuth has no usable SecurityToken"),
    ],
)
def test_an_unusable_upload_answer_is_one_line_and_no_job(
    upload: dict[str, str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = api_answering(upload)
    with api_endpoint(handler, "LTAIkey", monkeypatch):
        code, out, err = submit(tmp_path, capsys)
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert SECRET not in err and TOKEN not in err
    assert handler.submits == 0  # type: ignore[attr-defined]
