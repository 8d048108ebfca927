"""One JobId rule (yike_tui/core/job_ids.py), refused alike by the CLI, config.toml and
the state db."""

from __future__ import annotations

import pytest

from yike_tui.cli import main
from yike_tui.core import paths
from yike_tui.core.config import ConfigError, load_config
from yike_tui.core.job_ids import MAX_LENGTH, InvalidJobId, check_job_id, split_job_ids
from yike_tui.store import Store

BAD = {
    "C1 control (NEL)": "job\x85id",
    "C1 control (CSI)": "job\x9bid",
    "C0 control (ESC)": "job\x1bid",
    "DEL": "job\x7fid",
    "too long": "j" * (MAX_LENGTH + 1),
}


@pytest.mark.parametrize("job_id", BAD.values(), ids=BAD.keys())
def test_the_rule_refuses(job_id: str) -> None:
    with pytest.raises(InvalidJobId):
        check_job_id(job_id)


def test_the_rule_accepts_ids_up_to_128_characters_and_splits_pasted_columns() -> None:
    assert check_job_id("j" * MAX_LENGTH) == "j" * MAX_LENGTH
    assert split_job_ids(["a,b\nc  a\r\n\td,"]) == ["a", "b", "c", "d"]
    with pytest.raises(InvalidJobId, match="control"):
        split_job_ids(["good job\x85id"])  # NEL is not a separator: the id is refused


def _toml_string(text: str) -> str:
    return '"' + "".join(c if 0x20 <= ord(c) < 0x7F else f"\\u{ord(c):04x}" for c in text) + '"'


@pytest.mark.parametrize("job_id", BAD.values(), ids=BAD.keys())
def test_config_refuses_what_the_cli_refuses(
    job_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[[jobs]]\nid = {_toml_string(job_id)}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a JobId"):
        load_config()
    config.unlink()
    assert main(["add", job_id]) == 2  # the CLI: a usage error, one line, nothing written
    assert "JobId" in capsys.readouterr().err
    assert not config.exists() and not paths.state_db().exists()


@pytest.mark.parametrize("job_id", BAD.values(), ids=BAD.keys())
def test_nothing_writes_a_bad_id_to_the_watch_list(job_id: str) -> None:
    with Store.open() as store:
        with pytest.raises(InvalidJobId):
            store.watch([job_id])
        assert store.watchlist() == []
