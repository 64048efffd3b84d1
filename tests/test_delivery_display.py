"""Where a delivered ticket shows up: the service's GET /v1/tickets, and the terminal chat."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from service_server import drop_prefix, service_settings
from typer.testing import CliRunner

import cli
import commands.chat
from agents import OpsBot
from knowledge.encoder import Encoder
from service.app import create_app
from service.config import ServiceConfig, WorkerConfig, tenant_prefix
from service.tokens import TokenStore
from settings import Settings
from state.models import Ticket
from state.tickets import TicketSink
from tests.delivery_fakes import SECRETS_ENV, FakeServiceNow, sinks_yaml
from tests.support.env import TEST_REDIS_URL

SUBMIT = [
    "payment-api is down since 10:30, sev1",
    "change symptom to checkout requests time out after 30 seconds",
    "yes please",
]


@pytest.fixture
def snow() -> Iterator[FakeServiceNow]:
    service = FakeServiceNow().start()
    yield service
    service.stop()


@pytest.fixture
def built(bot: OpsBot, bot_settings: Settings) -> Iterator[Settings]:
    """The home the `bot` fixture built (demo KB and CMDB), under a prefix of this test's own."""
    settings = service_settings(bot_settings.home)
    yield settings
    drop_prefix(settings)


def test_delivery_display_service_worker_delivers_a_tenant_ticket_and_lists_it(
    built: Settings,
    encoder: Encoder,
    snow: FakeServiceNow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SECRETS_ENV.items():
        monkeypatch.setenv(name, value)
    sinks = tmp_path / "sinks.yaml"
    sinks.write_text(sinks_yaml(snow, rescan_s=0.2), encoding="utf-8")  # new tenants: soon
    worker = WorkerConfig(settings=built, service=ServiceConfig(ticket_sinks=sinks))
    client = redis.Redis.from_url(TEST_REDIS_URL)
    token = TokenStore(client, prefix=built.redis_prefix).create("payments")
    ticket = Ticket(
        id=f"incident-20260101-{uuid.uuid4().hex[:6]}",
        template="incident",
        values={"service": "payment-api", "severity": "P1", "symptom": "502s"},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        session_id="s-1",
    )
    with TestClient(create_app(worker)) as http:  # the lifespan starts the delivery thread
        TicketSink(client, prefix=tenant_prefix(built, "payments")).append(ticket)
        deadline = time.monotonic() + 20
        while not snow.created and time.monotonic() < deadline:
            time.sleep(0.05)
        listed = http.get("/v1/tickets", headers={"Authorization": f"Bearer {token}"}).json()
    client.close()
    (out,) = listed["tickets"]
    assert out["ticket"]["id"] == ticket.id
    assert out["external"]["servicenow"]["id"] == "INC0010001"
    assert out["external"]["servicenow"]["url"].startswith(snow.url)
    assert snow.created == {ticket.id: 1}


def test_delivery_display_serve_refuses_a_bad_sinks_file_in_one_line(
    built: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSQKV_HOME", str(built.home))
    sinks = tmp_path / "sinks.yaml"
    sinks.write_text("sinks:\n  - {kind: jira, name: j, url: 'https://j'}\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli.app, ["--redis-url", TEST_REDIS_URL, "serve", "--sinks", str(sinks)]
    )
    assert result.exit_code == 2
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert "sinks[0].user" in line and "sinks.yaml" in line


def test_delivery_display_chat_prints_where_the_ticket_was_created(
    bot: OpsBot,
    built: Settings,
    snow: FakeServiceNow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SECRETS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPSQKV_HOME", str(built.home))
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", built.redis_prefix)
    # The seam the chat builds its bot through, handed the session's bot (already warm).
    monkeypatch.setattr(
        commands.chat, "open_bot", lambda settings: bot.for_prefix(settings.redis_prefix)
    )
    sinks = tmp_path / "sinks.yaml"
    sinks.write_text(sinks_yaml(snow), encoding="utf-8")
    session = f"dlv-chat-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(
        cli.app,
        ["--redis-url", TEST_REDIS_URL, "chat", "--session", session, "--sinks", str(sinks)],
        input="\n".join([*SUBMIT, "/quit"]) + "\n",
    )
    assert result.exit_code == 0, result.output
    (ticket_id,) = snow.created
    assert "Created INC0010001 in servicenow" in result.output, result.output
    assert ticket_id in result.output
