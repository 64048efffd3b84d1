"""`opsqkv ask` on the default KB, seeded from the shipped demo runbooks on first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from knowledge.encoder import Encoder
from knowledge.kb import SEED_MARKER, demo_kb_dir, open_default_kb
from settings import Settings


@pytest.fixture(scope="module")
def seeded_home(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose default KB was built once from the shipped demo runbooks."""
    home = tmp_path_factory.mktemp("home")
    open_default_kb(Settings(home=home), encoder)
    return home


def ask(home: Path, question: str) -> dict[str, object]:
    result = CliRunner().invoke(cli.app, ["--home", str(home), "ask", question, "--json"])
    assert result.exit_code == 0, result.output
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


def test_cli_kb_default_kb_is_seeded_once_from_the_demo(
    encoder: Encoder, seeded_home: Path
) -> None:
    demo_files = [p for p in demo_kb_dir().rglob("*") if p.is_file()]
    before = encoder.texts_encoded
    kb = open_default_kb(Settings(home=seeded_home), encoder)
    assert encoder.texts_encoded == before and (seeded_home / "kb" / SEED_MARKER).is_file()
    assert kb.stats().sources == len(demo_files) >= 30


@pytest.mark.parametrize(
    ("question", "cited"),
    [
        ("nginx returns 502 bad gateway, how do I fix it?", "nginx"),
        ("the disk is full on web-01", "disk-full"),
        ("we ran out of inodes", "inode"),
        ("mysql replica is lagging behind the primary", "replication"),
        ("my pod is in CrashLoopBackOff", "crashloop"),
        ("the TLS certificate expires tomorrow", "tls"),
    ],
)
def test_cli_kb_ask_cites_the_runbook_of_a_covered_topic(
    seeded_home: Path, question: str, cited: str
) -> None:
    answer = ask(seeded_home, question)
    citations = answer["citations"]
    assert answer["known"] is True and isinstance(citations, list)
    assert cited in citations[0]["source"]


def test_cli_kb_ask_does_not_know_about_lasagna(seeded_home: Path) -> None:
    answer = ask(seeded_home, "what is the recipe for lasagna")
    assert answer["known"] is False and answer["citations"] == []
    assert "ticket" in str(answer["answer"])


def test_cli_kb_ask_plain_output_numbers_its_citations(seeded_home: Path) -> None:
    result = CliRunner().invoke(cli.app, ["--home", str(seeded_home), "ask", "disk full"])
    assert result.exit_code == 0 and "[1] kb/" in result.stdout


def test_cli_kb_ask_runs_as_a_real_subprocess(seeded_home: Path) -> None:
    opsqkv = Path(sys.executable).with_name("opsqkv")
    env = {**os.environ, "OPSQKV_HOME": str(seeded_home)}
    done = subprocess.run(
        [str(opsqkv), "ask", "how do I roll back a bad deploy", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["known"] is True and "rollback" in answer["citations"][0]["source"]


def test_cli_kb_ask_json_carries_the_procedure_shape_and_the_caveat(seeded_home: Path) -> None:
    fix = ask(seeded_home, "my disk is full on web-03, what do I do?")
    assert fix["shape"] == "steps" and fix["caveat"] is None
    steps = fix["sentences"]
    assert isinstance(steps, list) and len(steps) >= 2
    assert all(step in str(fix["answer"]) for step in steps)
    other = ask(seeded_home, "how do I find slow queries in mysql?")
    assert isinstance(other["caveat"], str) and "MySQL" in other["caveat"]
    assert str(other["answer"]).startswith(other["caveat"])
