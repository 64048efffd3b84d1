"""Mattermost in: a real `opsqkv serve`, outgoing webhooks and slash commands as Mattermost posts them.

The reply is the response body (`{"text", "response_type"}`, Markdown), as Mattermost expects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from service_server import ServiceProcess, drop_prefix, service_settings, start_service

from agents import OpsBot
from settings import Settings

COMMAND_TOKEN = "xr3j5x3p4pfjpe8xk7q1txxhsa"  # one token per slash command / outgoing webhook
HOOK_TOKEN = "9j4cz5rd8jg1mx1wzq9gm5gbdh"
TEAM = "kq8jxmbrhbfp8yd5hn6jyqk6ao"


@pytest.fixture(scope="module")
def server(
    bot: OpsBot, bot_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """A server with Mattermost configured (and Slack not), on the demo KB and CMDB."""
    settings = service_settings(bot_settings.home)
    log = tmp_path_factory.mktemp("svc-mattermost") / "serve.log"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPSQKV_MATTERMOST_TOKEN", f"{COMMAND_TOKEN}, {HOOK_TOKEN}")
        env.delenv("OPSQKV_MATTERMOST_TENANT", raising=False)
        env.delenv("OPSQKV_SLACK_SIGNING_SECRET", raising=False)
        env.delenv("OPSQKV_SLACK_BOT_TOKEN", raising=False)
        proc = start_service(settings, log)
    yield proc
    proc.stop()
    drop_prefix(settings)


def _id() -> str:
    return uuid.uuid4().hex[:26]


def slash_command(text: str, channel: str, user: str, token: str = COMMAND_TOKEN) -> dict[str, str]:
    """A slash command as Mattermost posts it (form-encoded)."""
    return {
        "channel_id": channel,
        "channel_name": "ops",
        "command": "/ops",
        "response_url": "https://chat.example.com/hooks/commands/" + _id(),
        "team_domain": "acme",
        "team_id": TEAM,
        "text": text,
        "token": token,
        "trigger_id": "dGVzdHRyaWdnZXI6" + _id(),
        "user_id": user,
        "user_name": "alice",
    }


def outgoing_webhook(text: str, channel: str, user: str, trigger: str = "ops") -> dict[str, str]:
    """An outgoing webhook post as Mattermost sends it (form-encoded)."""
    return {
        "token": HOOK_TOKEN,
        "team_id": TEAM,
        "team_domain": "acme",
        "channel_id": channel,
        "channel_name": "town-square",
        "timestamp": "1712345678",
        "user_id": user,
        "user_name": "bob",
        "post_id": _id(),
        "text": text,
        "trigger_word": trigger,
        "file_ids": "",
    }


def post(server: ServiceProcess, form: dict[str, str]) -> httpx.Response:
    with server.client(None) as http:
        return http.post("/v1/mattermost", data=form)


def test_service_mattermost_slash_command_answers_in_body(server: ServiceProcess) -> None:
    r = post(server, slash_command("how do I fix a full disk", _id(), _id()))
    assert r.status_code == 200, r.text
    reply: dict[str, Any] = r.json()
    assert reply["response_type"] == "in_channel"
    assert "**Disk Full" in reply["text"]  # Markdown, as Mattermost renders it
    assert "journalctl --vacuum-size" in reply["text"]
    assert "kb/disk-full.md" in reply["text"]  # the citations


def test_service_mattermost_outgoing_webhook_strips_trigger_word(server: ServiceProcess) -> None:
    channel, user = _id(), _id()
    r = post(server, outgoing_webhook("ops how many hosts per idc", channel, user))
    assert r.status_code == 200, r.text
    assert "| idc | count |" in r.json()["text"]  # Mattermost renders Markdown tables
    token = server.token("mattermost")  # Mattermost sessions live under `mattermost` by default
    with server.client(token) as http:
        got = http.get(f"/v1/sessions/mattermost:{TEAM}:{channel}:{user}")
    assert got.status_code == 200, got.text
    said = [t["text"] for t in got.json()["turns"] if t["role"] == "user"]
    assert said == ["how many hosts per idc"]


def test_service_mattermost_json_webhook_is_read(server: ServiceProcess) -> None:
    with server.client(None) as http:
        r = http.post(
            "/v1/mattermost", json=outgoing_webhook("ops how do I fix a full disk", _id(), _id())
        )
    assert r.status_code == 200, r.text
    assert "kb/disk-full.md" in r.json()["text"]


def test_service_mattermost_bad_token_is_refused(server: ServiceProcess) -> None:
    r = post(server, slash_command("how do I fix a full disk", _id(), _id(), token="wrong"))
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["code"] == "unauthorized" and "token" in error["message"]
    form = slash_command("how do I fix a full disk", _id(), _id())
    del form["token"]
    assert post(server, form).status_code == 401


def test_service_mattermost_ticket_keeps_its_session(server: ServiceProcess) -> None:
    channel, user = _id(), _id()
    first = post(
        server, slash_command("open an incident for payment-api since 10:30, sev2", channel, user)
    ).json()["text"]
    second = post(server, slash_command("checkout requests time out", channel, user)).json()["text"]
    assert "| Service | payment-api |" in first
    assert "| Symptom | *missing* |" in first
    assert "| Symptom | checkout requests time out |" in second
    other = post(server, slash_command("checkout requests time out", channel, _id())).json()
    assert "| Service | payment-api |" not in other["text"]  # another user: another session


def test_service_mattermost_empty_text_says_how_to_ask(server: ServiceProcess) -> None:
    r = post(server, slash_command("", _id(), _id()))
    assert r.status_code == 200
    assert r.json()["response_type"] == "ephemeral"
    assert "/ops how do I fix a full disk" in r.json()["text"]


def test_service_slack_unconfigured_says_what_to_set(server: ServiceProcess) -> None:
    with server.client(None) as http:
        r = http.post("/v1/slack/commands", content=b"text=hi")
        events = http.post("/v1/slack/events", json={"type": "url_verification"})
    assert r.status_code == 503 and events.status_code == 503
    assert "OPSQKV_SLACK_SIGNING_SECRET" in r.json()["error"]["message"]
