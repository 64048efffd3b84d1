"""Loading SGD split folders: the real subsets, hand-made files, and files that are not SGD."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from errors import ConfigError
from evals.sgd.data import load_split
from tests.support.sgd import DIALOGUE, SGD_DEV_DIR, write_split
from tests.support.shared import require_shared


def test_sgd_data_loads_a_hand_made_split(tmp_path: Path) -> None:
    split = load_split(write_split(tmp_path / "sgd"))
    assert list(split.services) == ["Cafes_1"]
    assert [t.speaker for t in split.dialogues[0].turns] == ["USER", "SYSTEM"] * 2 + ["USER"]
    state = split.dialogues[0].turns[2].frames[0].state
    assert state is not None
    assert state.slot_values == {"party_size": ["3"], "city": ["Oakland"]}


def test_sgd_data_loads_the_dev_subset_with_a_limit() -> None:
    split = load_split(require_shared(SGD_DEV_DIR), limit=3)
    assert len(split.dialogues) == 3
    raw = json.loads((SGD_DEV_DIR / "dialogues.json").read_text(encoding="utf-8"))
    assert [d.dialogue_id for d in split.dialogues] == [d["dialogue_id"] for d in raw[:3]]
    assert all(s in split.services for d in split.dialogues for s in d.services)


def test_sgd_data_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_split(tmp_path / "nowhere")


def test_sgd_data_missing_dialogues_file_names_it(tmp_path: Path) -> None:
    folder = write_split(tmp_path / "sgd")
    (folder / "dialogues.json").unlink()
    with pytest.raises(ConfigError, match=r"dialogues\.json not found"):
        load_split(folder)


def test_sgd_data_a_file_that_is_not_sgd_names_the_field(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(DIALOGUE))
    broken["turns"][0]["speaker"] = "BOT"
    folder = write_split(tmp_path / "sgd", [broken])
    with pytest.raises(ConfigError, match=r"not an SGD dialogues file: at 0\.turns\.0\.speaker"):
        load_split(folder)


def test_sgd_data_broken_json_is_a_config_error(tmp_path: Path) -> None:
    folder = write_split(tmp_path / "sgd")
    (folder / "schema.json").write_text("[{", encoding="utf-8")
    with pytest.raises(ConfigError, match="schema"):
        load_split(folder)


def test_sgd_data_a_service_missing_from_the_schema_is_refused(tmp_path: Path) -> None:
    other = json.loads(json.dumps(DIALOGUE))
    other["services"] = ["Trains_9"]
    folder = write_split(tmp_path / "sgd", [other])
    with pytest.raises(ConfigError, match="Trains_9"):
        load_split(folder)
