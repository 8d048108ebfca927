"""The state db remembers small values (the submit form's last choices) across opens."""

from pathlib import Path

import pytest

from yike_tui.store import Store


def test_meta_value_survives_reopen(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with Store.open(db) as store:
        assert store.get_meta("submit_defaults") is None
        store.set_meta("submit_defaults", '{"style": "s1"}')
    with Store.open(db) as store:
        assert store.get_meta("submit_defaults") == '{"style": "s1"}'


def test_meta_refuses_oversized_values(tmp_path: Path) -> None:
    with Store.open(tmp_path / "state.db") as store, pytest.raises(ValueError):
        store.set_meta("k", "x" * 70000)
