"""`opsqkv ticket templates | run | export` through typer's CliRunner, and once as a process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

import cli
from agents.tickets.chooser import TemplateChooser
from agents.tickets.templates import load_templates
from agents.tickets.tracking.tracker import SlotTracker
from knowledge.encoder import Encoder
from settings import Settings
from state.connect import embedded_for
from state.models import Ticket
from state.tickets import TicketSink
from tests.support.env import REPO, TEST_REDIS_URL
from tests.support.keys import shared_keys

FLOW = REPO / "flows" / "incident_correction.yaml"
WRONG = """
name: wrong severity
template: incident
now: 2026-11-25T10:00:00+00:00
turns:
  - user: "payment-api is down, sev2"
    expect: {severity: P1}
"""


@pytest.fixture(scope="module")
def key_files(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Slot and template keys encoded once, as a first run would leave them in the cache dir."""
    keys = shared_keys(encoder, tmp_path_factory)
    templates = load_templates()
    tracker = SlotTracker(encoder, keys)
    for template in templates.values():
        tracker.prepare(template)
    TemplateChooser(encoder, keys, templates)
    assert keys.folder is not None
    return keys.folder


@pytest.fixture
def runner(
    monkeypatch: pytest.MonkeyPatch,
    encoder: Encoder,
    home: Path,
    redis_prefix: str,
    key_files: Path,
) -> CliRunner:
    """A CliRunner on the temp home and the test prefix, sharing the session's encoder."""
    shutil.copytree(key_files, home / "cache")
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", redis_prefix)
    # `encoder` above is the process's shared default encoder, which the command loads.
    return CliRunner()


@pytest.fixture
def embedded(home: Path) -> Iterator[None]:
    """Stops the embedded Redis of the temp home after the test."""
    yield
    embedded_for(Settings(home=home).redis_db_path).leave()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli.app, list(args))
    return result.exit_code, result.output


def test_cli_ticket_templates_lists_the_shipped_templates(runner: CliRunner) -> None:
    code, out = invoke(runner, "ticket", "templates")
    assert code == 0
    assert all(name in out for name in ("incident", "change_request", "access_request"))


def test_cli_ticket_run_passes_a_flow_and_ends_with_the_summary(
    runner: CliRunner, redis_client: redis.Redis
) -> None:
    code, out = invoke(runner, "--redis-url", TEST_REDIS_URL, "ticket", "run", str(FLOW))
    assert code == 0 and "you: sorry, it's sev1" in out
    assert out.strip().splitlines()[-1] == "1 passed, 0 failed"


def test_cli_ticket_run_takes_the_redis_url_after_the_flows_too(
    runner: CliRunner, redis_client: redis.Redis
) -> None:
    # The usage: `opsqkv ticket run flows/*.yaml --redis-url redis://...`.
    code, out = invoke(runner, "ticket", "run", str(FLOW), "--redis-url", TEST_REDIS_URL)
    assert code == 0 and out.strip().splitlines()[-1] == "1 passed, 0 failed"
    code, out = invoke(runner, "ticket", "run", str(FLOW), "--redis-url", "redis://127.0.0.1:1/0")
    assert code == 1 and out.count("\n") == 1 and "redis://127.0.0.1:1/0 is unreachable" in out


def test_cli_ticket_run_mismatch_exits_non_zero(
    runner: CliRunner, redis_client: redis.Redis, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(WRONG)
    code, out = invoke(
        runner, "--redis-url", TEST_REDIS_URL, "ticket", "run", str(FLOW), str(wrong)
    )
    assert code == 1 and "severity: expected 'P1', got 'P2'" in out
    assert out.strip().splitlines()[-1] == "1 passed, 1 failed"


def test_cli_ticket_run_json_reports_each_flow(
    runner: CliRunner, redis_client: redis.Redis
) -> None:
    result = runner.invoke(
        cli.app, ["--redis-url", TEST_REDIS_URL, "ticket", "run", "--json", str(FLOW)]
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["summary"] == "1 passed, 0 failed"
    (flow,) = report["flows"]
    assert flow["passed"] and flow["ticket"]["values"]["severity"] == "P1"


def test_cli_ticket_run_malformed_flow_is_one_line_and_runs_nothing(
    runner: CliRunner, redis_client: redis.Redis, redis_prefix: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nturns:\n  - usr: hi\n")
    code, out = invoke(runner, "--redis-url", TEST_REDIS_URL, "ticket", "run", str(FLOW), str(bad))
    assert code == 2 and out.count("\n") == 1 and out.startswith("error: flow ")
    assert list(redis_client.scan_iter(match=f"{redis_prefix}*")) == []


def test_cli_ticket_unreachable_redis_is_one_line_and_loses_nothing(
    runner: CliRunner, redis_client: redis.Redis, redis_prefix: str
) -> None:
    redis_client.set(f"{redis_prefix}session:keep", "{}")
    code, out = invoke(runner, "--redis-url", "redis://127.0.0.1:1/0", "ticket", "run", str(FLOW))
    assert code == 1 and out.count("\n") == 1 and "redis://127.0.0.1:1/0 is unreachable" in out
    assert redis_client.get(f"{redis_prefix}session:keep") == b"{}"


def test_cli_ticket_bad_template_folder_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "odd.yaml").write_text(
        "name: odd\ntitle: Odd\ndescription: odd\nslots:\n"
        "  - {name: colour, description: a colour, type: rgb}\n"
    )
    code, out = invoke(runner, "--templates", str(tmp_path), "ticket", "templates")
    assert code == 2 and out.count("\n") == 1 and "slots[0] (colour).type: 'rgb'" in out


def test_cli_ticket_export_writes_json_lines_since_an_id(
    runner: CliRunner, redis_client: redis.Redis, redis_prefix: str
) -> None:
    sink = TicketSink(redis_client, prefix=redis_prefix)
    for n in (1, 2):
        sink.append(
            Ticket(
                id=f"incident-{n}",
                template="incident",
                values={"service": "payment-api", "severity": f"P{n}"},
                created_at=datetime(2026, 11, 25, tzinfo=UTC),
                session_id="s",
            )
        )
    result = runner.invoke(cli.app, ["--redis-url", TEST_REDIS_URL, "ticket", "export"])
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == "incident-1" and first["values"] == {
        "service": "payment-api",
        "severity": "P1",
    }
    after = runner.invoke(
        cli.app, ["--redis-url", TEST_REDIS_URL, "ticket", "export", "--since", first["stream_id"]]
    )
    assert [json.loads(line)["id"] for line in after.stdout.splitlines()] == [second["id"]]


def test_cli_ticket_run_on_the_embedded_redis(
    runner: CliRunner, embedded: None, home: Path
) -> None:
    code, out = invoke(runner, "ticket", "run", str(FLOW))
    assert code == 0 and out.strip().endswith("1 passed, 0 failed")
    exported = runner.invoke(cli.app, ["ticket", "export"]).stdout.splitlines()
    assert len(exported) == 1 and (home / "redis" / "opsqkv.aof").is_file()


def test_cli_ticket_templates_as_a_real_process(home: Path) -> None:
    env = {**os.environ, "OPSQKV_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "ticket", "templates"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "change_request" in done.stdout
