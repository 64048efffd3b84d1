"""`opsqkv cmdb demo|load|ask|report|stats|show` through typer's runner, and once as a real
process: answers, --json, --explain, --out pictures, the report, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import cli
from tests.support.cli import assert_one_error_line as one_error_line

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the module, holding a small demo estate (built by the first test)."""
    return tmp_path_factory.mktemp("cmdb-cli-home")


def run(home: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(cli.app, ["--home", str(home), *[str(a) for a in args]])


def assert_one_error_line(result: Result, text: str) -> None:
    one_error_line(result, None, text)


def test_cli_cmdb_demo_loads_an_estate_with_progress(home: Path) -> None:
    result = run(home, "cmdb", "demo", "--hosts", "300", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "demo estate loaded" in result.stdout and "300 hosts" in result.stdout
    assert "items" in result.stderr  # the progress bar's phases


def test_cli_cmdb_ask_json_lists_the_items(home: Path) -> None:
    result = run(home, "cmdb", "ask", "prod web hosts with more than 8 cores", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["total"] == len(answer["items"]) > 0
    assert all(
        it["attrs"]["env"] == "prod" and it["attrs"]["role"] == "web" for it in answer["items"]
    )
    assert all(it["attrs"]["cpu_cores"] > 8 for it in answer["items"])
    assert "root_password" not in result.stdout


def test_cli_cmdb_ask_explain_shows_the_parsed_query(home: Path) -> None:
    result = run(home, "cmdb", "ask", "staging hosts not in bj-2", "--explain")
    assert result.exit_code == 0, result.output
    assert '"op": "!="' in result.stderr and '"value": "bj-2"' in result.stderr
    assert "'staging' -> env=staging" in result.stderr
    assert "understood: type host; env = staging; idc != bj-2" in result.stdout


def test_cli_cmdb_ask_unmappable_question_is_one_line_and_non_zero(home: Path) -> None:
    result = run(home, "cmdb", "ask", "hosts with purple unicorns in sh-1")
    assert_one_error_line(result, "could not map 'purple unicorns'")
    assert "idc = sh-1" in result.stderr


def test_cli_cmdb_ask_counts_and_writes_a_chart(home: Path, tmp_path: Path) -> None:
    result = run(home, "cmdb", "ask", "how many hosts per idc", "--out", tmp_path / "idc.png")
    assert result.exit_code == 0, result.output
    assert "300 item(s) counted" in result.stdout
    assert (tmp_path / "idc.png").read_bytes().startswith(b"\x89PNG")


def test_cli_cmdb_ask_topology_writes_png_and_dot(home: Path, tmp_path: Path) -> None:
    result = run(
        home, "cmdb", "ask", "what does order-service depend on", "--out", tmp_path / "deps.png"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "deps.png").read_bytes().startswith(b"\x89PNG")
    assert "order-service" in (tmp_path / "deps.dot").read_text()


def test_cli_cmdb_report_writes_one_html_page(home: Path, tmp_path: Path) -> None:
    result = run(home, "cmdb", "report", "prod mysql hosts", "--out", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text()
    assert '<table id="items">' in page and page.count("data:image/png;base64,") == 2


def test_cli_cmdb_stats_and_show(home: Path) -> None:
    stats = run(home, "cmdb", "stats", "--json")
    assert stats.exit_code == 0, stats.output
    summary = json.loads(stats.stdout)
    assert (
        summary["types"]["host"] == 300 and summary["attributes"]["cpu_usage"]["kind"] == "numeric"
    )
    show = run(home, "cmdb", "show", "payment-api")
    assert show.exit_code == 0 and "payment-api -runs_on->" in show.stdout


def test_cli_cmdb_load_bad_file_is_one_line_and_keeps_the_estate(
    home: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "items": [
                    {"id": "x", "type": "host", "name": "a"},
                    {"id": "x", "type": "host", "name": "b"},
                ]
            }
        )
    )
    assert_one_error_line(run(home, "cmdb", "load", bad), "item id 'x' appears twice")
    assert json.loads(run(home, "cmdb", "stats", "--json").stdout)["types"]["host"] == 300


def test_cli_cmdb_real_process_error_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "OPSQKV_HOME": str(tmp_path / "home")}
    missing = subprocess.run(
        [sys.executable, "-m", "cli", "cmdb", "load", "nope.json"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 1 and missing.stderr.strip().count("\n") == 0
    assert "nope.json does not exist" in missing.stderr and "Traceback" not in missing.stderr
