"""`opsqkv eval sgd DIR`: the table, --json, --limit, --errors, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import cli
from tests.support.env import REPO
from tests.support.sgd import SGD_DEV_DIR, write_split
from tests.support.shared import require_shared


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_eval_sgd_json_scores_every_user_frame(tmp_path: Path, home: Path) -> None:
    folder = write_split(tmp_path / "sgd")
    code, out, _ = _invoke("eval", "sgd", str(folder), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["dialogues"] == 1
    assert report["overall"]["frames"] == 3
    assert set(report["services"]) == {"Cafes_1"}
    assert 0.0 <= report["overall"]["jga"] <= 1.0
    assert report["overall"]["empty_state_floor"] == 0.0
    assert {p["split"] for p in report["published"]} == {"dev", "test"}


def test_cli_eval_sgd_errors_file_holds_the_frames_below_one(tmp_path: Path, home: Path) -> None:
    folder = write_split(tmp_path / "sgd")
    errors = tmp_path / "errors.jsonl"
    code, out, _ = _invoke("eval", "sgd", str(folder), "--json", "--errors", str(errors))
    assert code == 0
    rows = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    jga = json.loads(out)["overall"]["jga"]
    assert (len(rows) == 0) == (jga == 1.0)
    for row in rows:
        assert row["jga"] < 1.0
        assert row["wrong"], "a frame below 1 has at least one wrong slot"
        for slot, detail in row["wrong"].items():
            assert detail["gold"] == row["gold"].get(slot)
            assert detail["predicted"] == row["predicted"].get(slot)


def test_cli_eval_sgd_table_lists_services_floor_and_published(home: Path) -> None:
    code, out, _ = _invoke("eval", "sgd", str(require_shared(SGD_DEV_DIR)), "--limit", "2")
    assert code == 0
    raw = json.loads((SGD_DEV_DIR / "dialogues.json").read_text(encoding="utf-8"))
    for service in {s for d in raw[:2] for s in d["services"]}:
        assert service in out
    assert "all services" in out
    assert "empty-state floor" in out
    assert "0.4860" in out  # the published SGD-Single dev figure sits beside ours
    assert "2 dialogues" in out


def test_cli_eval_sgd_missing_folder_is_one_line_and_exit_2(tmp_path: Path, home: Path) -> None:
    code, _, err = _invoke("eval", "sgd", str(tmp_path / "nowhere"))
    assert code == 2
    assert "does not exist" in err
    assert "Traceback" not in err


def test_cli_eval_sgd_unwritable_errors_path_fails_before_replay(
    tmp_path: Path, home: Path
) -> None:
    folder = write_split(tmp_path / "sgd")
    code, _, err = _invoke("eval", "sgd", str(folder), "--errors", str(tmp_path / "no" / "e.jsonl"))
    assert code == 2
    assert "errors file" in err


def test_cli_eval_sgd_runs_as_a_real_process(tmp_path: Path, home: Path) -> None:
    folder = write_split(tmp_path / "sgd")
    env = {**os.environ, "OPSQKV_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "eval", "sgd", str(folder), "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["overall"]["frames"] == 3
