"""`opsqkv train slots`: trains, selects on dev, writes weights the reader loads; bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from agents.tickets.tracking.reader import (
    SlotQuery,
    SlotReader,
    reader_folder,
    shipped_weights_dir,
    trained_reader_dir,
)
from errors import ModelError
from knowledge.encoder import Encoder
from tests.support.sgd import write_split


def test_cli_train_slots_writes_weights_and_a_card_the_reader_loads(
    tmp_path: Path, home: Path, encoder: Encoder
) -> None:
    data = write_split(tmp_path / "sgd")
    out = tmp_path / "reader"
    args = ["train", "slots", "--out", str(out), "--epochs", "1"]
    args += ["--train-dir", str(data), "--dev-dir", str(data)]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    card = json.loads((out / "card.json").read_text())
    assert card["epochs"] == 1 and card["train_turns"] == 3
    assert 0.0 <= card["dev_jga"] <= 1.0
    assert "CC BY-SA 4.0" in card["license"]
    reader = SlotReader.load(encoder, out)
    readings = reader.read([SlotQuery("city", "city: where the cafe is")], "", "a cafe in Oslo")
    assert [r.name for r in readings] == ["city"]


def test_cli_train_slots_missing_data_is_one_line_and_exit_2(tmp_path: Path, home: Path) -> None:
    result = CliRunner().invoke(
        cli.app, ["train", "slots", "--train-dir", str(tmp_path / "nope"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "cannot read SGD training data" in result.stderr
    assert "Traceback" not in result.output


def test_cli_train_slots_default_folder_is_per_base_model_and_the_card_names_it(
    tmp_path: Path, home: Path, encoder: Encoder
) -> None:
    data = write_split(tmp_path / "sgd")
    args = ["train", "slots", "--epochs", "1", "--train-dir", str(data), "--dev-dir", str(data)]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    folder = trained_reader_dir(home, encoder)
    assert folder.parent.name == "slot-readers"
    card = json.loads((folder / "card.json").read_text())
    assert card["base_fingerprint"] == encoder.fingerprint
    assert card["lower_layers"] + card["top_layers"] == encoder.layer_count


def test_reader_folder_takes_the_named_one_else_one_trained_on_this_base(
    tmp_path: Path, encoder: Encoder
) -> None:
    named = tmp_path / "mine"
    assert reader_folder(encoder, named, tmp_path) == named
    # The shipped reader was trained on the shipped MiniLM, which this encoder is.
    assert reader_folder(encoder, None, tmp_path) == shipped_weights_dir()


def test_a_reader_trained_on_another_base_model_is_refused_in_one_line(
    tmp_path: Path, encoder: Encoder
) -> None:
    folder = tmp_path / "other"
    shutil.copytree(shipped_weights_dir(), folder)
    card = json.loads((folder / "card.json").read_text())
    card["base_fingerprint"], card["base_model"] = "0" * 16, "some-other-model"
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="trained on another base model") as caught:
        SlotReader.load(encoder, folder)
    assert "\n" not in str(caught.value)
