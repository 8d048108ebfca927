"""Every flag given a bad value: exit code 2 and one clear line on stderr, no traceback."""

from __future__ import annotations

import pytest

from yike_tui.cli import main

JOB = "0123456789abcdef0123456789abcdef"
CASES = [
    # the TUI's own flags
    ["--interval", "abc"],
    ["--interval", "-5"],
    ["--interval", "1e9"],
    ["--interval", "nan"],
    ["--endpoint", "ftp://example.com"],
    ["--endpoint", "http://example.com"],  # plain http off loopback
    ["--endpoint", "https://example.com/path?x=1"],
    ["--no-such-flag"],
    ["a\x01b"],
    ["x" * 200],
    # get
    ["get", "--endpoint", "not a url", JOB],
    ["get", "--bogus", JOB],
    ["get", "a\x1b]52;c;AAAA\x07b"],
    ["get", ""],
    # watch
    ["watch", "--interval", "x", JOB],
    ["watch", "--interval", "0.5", JOB],
    ["watch", "--interval", "inf", JOB],
    ["watch", "--endpoint", "gopher://x", JOB],
    # add / remove / list
    ["add", "bad\x7fid"],
    ["add"],
    ["remove", "x" * 129],
    ["list", "--json=yes"],
    # report
    ["report", "--format", "xml", JOB],
    ["report", "--format"],
    # download
    ["download", "--bogus", JOB],
    # submit
    ["submit", "--file-url", "ftp://x/y.txt", "--title", "t"],
    ["submit", "--file-url", "https://x/y.txt", "--title", "t" * 200],
    ["submit", "--file-url", "https://x/y.txt", "--title", "t", "--model-params", "{bad"],
    ["submit", "--file-url", "https://x/y.txt", "--title", "t", "--exec-mode", "Bogus"],
    ["submit", "--title", "t"],
    # sim
    ["sim", "--port", "-1"],
    ["sim", "--port", "99999"],
    ["sim", "--port", "http"],
    ["sim", "--speed", "0"],
    ["sim", "--jobs", "1000001"],
    ["sim", "--speed", "abc"],
    ["sim", "--jobs", "-1"],
    ["sim", "--scenario", "nope"],
    ["sim", "--seed", "x"],
    ["sim", "--latency-ms", "-3"],
    ["sim", "--hang-s", "x"],
    ["sim", "--url-ttl", "x"],
    ["sim", "--faults", "throttle=2"],
    ["sim", "--faults", "explode=0.1"],
    ["sim", "--faults", "throttle=0.7,reset=0.7"],
]


@pytest.fixture(autouse=True)
def dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # Usage errors must be found without credentials or network; these make sure a missing
    # key is not what stops a command first.
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tDummyKeyId0001")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "dummy-secret")
    monkeypatch.setenv("YIKE_TUI_ENDPOINT", "http://127.0.0.1:9")


@pytest.mark.parametrize(
    "argv",
    CASES,
    ids=lambda a: (
        " ".join(a)[:40].encode("unicode_escape").decode() if isinstance(a, list) else None
    ),
)
def test_bad_value_exits_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert "\x1b" not in err and "\x01" not in err and "\x7f" not in err  # echoed inert
