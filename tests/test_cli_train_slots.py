"""`opsqkv train slots`: trains, selects on dev, writes weights the reader loads; bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import cli
from agents.tickets.tracking.reader import SlotQuery, SlotReader
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
