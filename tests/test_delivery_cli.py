"""`opsqkv ticket deliver | dead-letters | redeliver` through CliRunner, and a worker killed -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

import cli
import commands.common
from state.models import Ticket
from state.tickets import TicketSink
from tests.delivery_fakes import (
    SECRETS_ENV,
    FakeJira,
    FakeService,
    FakeServiceNow,
    FakeWebhook,
    sinks_yaml,
)
from tests.support.env import REPO, TEST_REDIS_URL

Fakes = tuple[FakeJira, FakeServiceNow, FakeWebhook]


def ticket(n: int) -> Ticket:
    return Ticket(
        id=f"incident-20260101-{n:06x}",
        template="incident",
        values={"service": f"svc-{n}", "severity": "P3", "symptom": "slow"},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        session_id=f"s-{n}",
    )


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    jira, snow, hook = FakeJira().start(), FakeServiceNow().start(), FakeWebhook().start()
    yield jira, snow, hook  # type: ignore[misc]
    for service in (jira, snow, hook):
        service.stop()


@pytest.fixture
def runner(home: Path, redis_prefix: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", redis_prefix)
    monkeypatch.setenv("OPSQKV_REDIS_URL", TEST_REDIS_URL)
    for name, value in SECRETS_ENV.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def _sinks_file(tmp_path: Path, *services: FakeService, **kw: float) -> str:
    path = tmp_path / "sinks.yaml"
    path.write_text(sinks_yaml(*services, **kw), encoding="utf-8")
    return str(path)


def test_delivery_cli_deliver_once_prints_a_summary_and_exits_zero(
    tmp_path: Path, runner: CliRunner, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    jira, snow, _ = fakes
    jira.knobs.fail_first = 2
    for n in range(5):
        TicketSink(redis_client, prefix=redis_prefix).append(ticket(n))
    sinks = _sinks_file(tmp_path, jira, snow)
    result = runner.invoke(cli.app, ["ticket", "deliver", "--once", "--sinks", sinks])
    assert result.exit_code == 0, result.output
    assert "jira" in result.output and "servicenow" in result.output
    assert "5 ticket(s) delivered" in result.output
    assert set(jira.created.values()) == {1} and len(jira.created) == 5


def test_delivery_cli_dead_letters_then_redeliver(
    tmp_path: Path,
    runner: CliRunner,
    redis_client: redis.Redis,
    redis_prefix: str,
    fakes: Fakes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snow = fakes[1]
    snow.knobs.down = True
    TicketSink(redis_client, prefix=redis_prefix).append(ticket(1))
    TicketSink(redis_client, prefix=f"{redis_prefix}tenant:payments:").append(ticket(2))
    sinks = _sinks_file(tmp_path, snow, max_attempts=2)
    failed = runner.invoke(cli.app, ["ticket", "deliver", "--once", "--sinks", sinks])
    assert failed.exit_code == 1, failed.output
    assert "dead letter" in failed.output and "ticket dead-letters" in failed.output

    listed = runner.invoke(cli.app, ["ticket", "dead-letters"])  # 80 columns: a line each
    assert listed.exit_code == 0, listed.output
    for needle in (ticket(1).id, ticket(2).id, "servicenow", "payments", "HTTP 503", "(maint"):
        assert needle in listed.output, listed.output
    monkeypatch.setattr(commands.common.console, "width", 160)
    table = runner.invoke(cli.app, ["ticket", "dead-letters"]).output
    rows = [line for line in table.splitlines() if ticket(2).id in line]
    assert len(rows) == 1 and "payments" in rows[0] and "HTTP 503" in rows[0], table

    snow.knobs.down = False
    again = runner.invoke(cli.app, ["ticket", "redeliver", ticket(2).id, "--sinks", sinks])
    assert again.exit_code == 0, again.output
    assert f"Created INC0010001 in servicenow for {ticket(2).id}" in again.output
    rest = runner.invoke(cli.app, ["ticket", "redeliver", "--all", "--sinks", sinks])
    assert rest.exit_code == 0 and "INC0010002" in rest.output
    assert "no dead letters" in runner.invoke(cli.app, ["ticket", "dead-letters"]).output
    assert snow.created == {ticket(1).id: 1, ticket(2).id: 1}


def test_delivery_cli_redeliver_unknown_id_is_not_found(
    tmp_path: Path, runner: CliRunner, fakes: Fakes
) -> None:
    sinks = _sinks_file(tmp_path, fakes[2])
    result = runner.invoke(cli.app, ["ticket", "redeliver", "incident-nope", "--sinks", sinks])
    assert result.exit_code == 3 and "no dead letter" in result.output


def test_delivery_cli_export_shows_where_tickets_were_created(
    tmp_path: Path, runner: CliRunner, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    TicketSink(redis_client, prefix=redis_prefix).append(ticket(1))
    sinks = _sinks_file(tmp_path, fakes[1])
    assert runner.invoke(cli.app, ["ticket", "deliver", "--once", "--sinks", sinks]).exit_code == 0
    exported = runner.invoke(cli.app, ["ticket", "export"])
    assert '"external": {"servicenow": {"id": "INC0010001", "url": ' in exported.stdout


def test_delivery_cli_worker_killed_mid_delivery_then_another_creates_each_once(
    tmp_path: Path,
    runner: CliRunner,
    redis_client: redis.Redis,
    redis_prefix: str,
    home: Path,
    fakes: Fakes,
) -> None:
    for service in fakes:
        service.knobs.delay_s = 0.01  # each create takes a while: the kill lands mid-delivery
        service.knobs.fail_first = 1
    source = TicketSink(redis_client, prefix=redis_prefix)
    tickets = [ticket(n) for n in range(120)]
    for t in tickets:
        source.append(t)
    sinks = _sinks_file(tmp_path, *fakes, claim_idle_s=1.0, concurrency=4)
    env = {
        **os.environ,
        **SECRETS_ENV,
        "OPSQKV_HOME": str(home),
        "OPSQKV_REDIS_URL": TEST_REDIS_URL,
        "OPSQKV_REDIS_PREFIX": redis_prefix,
    }
    log = tmp_path / "deliver.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "cli", "ticket", "deliver", "--sinks", sinks],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 60
        while sum(len(s.created) for s in fakes) < 100 and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.01)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    done_before = sum(len(s.created) for s in fakes)
    assert 0 < done_before < 360, "the kill should land mid-delivery"
    pending = redis_client.xpending(source.key, "opsqkv-delivery")["pending"]
    assert pending > 0  # the dead worker left entries pending

    result = runner.invoke(cli.app, ["ticket", "deliver", "--once", "--sinks", sinks])
    assert result.exit_code == 0, result.output
    for service in fakes:
        assert set(service.created) == {t.id for t in tickets}, service.kind
        assert set(service.created.values()) == {1}, service.kind
    assert redis_client.xpending(source.key, "opsqkv-delivery")["pending"] == 0
