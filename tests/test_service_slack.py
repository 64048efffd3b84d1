"""Slack in: a real `opsqkv serve`, requests signed as Slack signs them, a local Slack API.

The local Slack-shaped server takes what the service sends back: `response_url` POSTs for
slash commands and `chat.postMessage` calls for events (the service's Slack API base URL
points at it). No mocks: real sockets, the real model, real Redis.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from service_server import ServiceProcess, drop_prefix, service_settings, start_service
from slack_api import SECRET, Call, SlackAPI, all_text, sign, ticket_fields

from agents import OpsBot
from settings import Settings

BOT_TOKEN = "xoxb-test-token"
TEAM = "T0OPS"
BOT_USER = "U0OPSBOT"


@pytest.fixture(scope="module")
def slack_api() -> Iterator[SlackAPI]:
    api = SlackAPI()
    yield api
    api.close()


@pytest.fixture(scope="module")
def server(
    bot: OpsBot,
    bot_settings: Settings,
    slack_api: SlackAPI,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceProcess]:
    """A server with Slack configured (and Mattermost not), on the demo KB and CMDB."""
    settings = service_settings(bot_settings.home)
    log = tmp_path_factory.mktemp("svc-slack") / "serve.log"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPSQKV_SLACK_SIGNING_SECRET", SECRET)
        env.setenv("OPSQKV_SLACK_BOT_TOKEN", BOT_TOKEN)
        env.setenv("OPSQKV_SLACK_API_URL", f"{slack_api.url}/api/")
        env.delenv("OPSQKV_SLACK_TENANT", raising=False)
        env.delenv("OPSQKV_MATTERMOST_TOKEN", raising=False)
        proc = start_service(settings, log)
    yield proc
    proc.stop()
    drop_prefix(settings)


def command_body(slack_api: SlackAPI, text: str, channel: str, user: str = "U0ALICE") -> bytes:
    """A slash command as Slack posts it (form-encoded), with its own response_url."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "acme-ops",
            "channel_id": channel,
            "channel_name": "ops",
            "user_id": user,
            "user_name": "alice",
            "command": "/ops",
            "text": text,
            "api_app_id": "A0OPS",
            "response_url": f"{slack_api.url}/commands/{channel}/{uuid.uuid4().hex}",
            "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**9}.abc",
        }
    ).encode()


def event_body(event: dict[str, Any], event_id: str | None = None) -> bytes:
    """An Events API `event_callback` as Slack posts it (JSON)."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0OPS",
            "event": {"event_ts": event.get("ts"), **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    ).encode()


def post_command(server: ServiceProcess, body: bytes, **headers: str) -> httpx.Response:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with server.client(None) as http:
        return http.post("/v1/slack/commands", content=body, headers={**form, **headers})


def post_event(server: ServiceProcess, body: bytes, **headers: str) -> httpx.Response:
    with server.client(None) as http:
        return http.post(
            "/v1/slack/events",
            content=body,
            headers={"Content-Type": "application/json", **headers},
        )


def to_path(prefix: str) -> Callable[[Call], bool]:
    return lambda call: call.path.startswith(prefix)


def to_channel(channel: str) -> Callable[[Call], bool]:
    return lambda call: call.path.endswith("/chat.postMessage") and call.body["channel"] == channel


def _channel() -> str:
    return f"C{uuid.uuid4().hex[:9].upper()}"


def test_service_slack_command_posts_runbook_answer(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    channel = _channel()
    body = command_body(slack_api, "how do I fix a full disk", channel)
    started = time.monotonic()
    r = post_command(server, body, **sign(body))
    acked_s = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert acked_s < 3.0  # Slack gives up on a command after 3 seconds
    call = slack_api.take(to_path(f"/commands/{channel}/"))
    reply = call.body
    assert reply["response_type"] == "in_channel"
    assert "Disk Full" in reply["text"]  # the notification / fallback text
    blocks = reply["blocks"]
    text = all_text(blocks)
    assert "Disk Full" in text and "journalctl --vacuum-size" in text
    contexts = [b for b in blocks if b["type"] == "context"]
    assert any("kb/disk-full.md" in all_text([c]) for c in contexts)  # citations as context
    assert "<@U0ALICE>" in all_text(blocks[:1])  # who asked, since a command is not echoed


def test_service_slack_app_mention_in_thread_gets_answer(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    channel, thread = _channel(), f"{int(time.time())}.000100"
    body = event_body(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": f"<@{BOT_USER}> how do I fix a full disk",
            "ts": f"{int(time.time())}.000200",
            "thread_ts": thread,
            "channel": channel,
        }
    )
    r = post_event(server, body, **sign(body))
    assert r.status_code == 200, r.text
    call = slack_api.take(to_channel(channel))
    assert call.path == "/api/chat.postMessage"
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.body["thread_ts"] == thread  # answered where it was asked
    text = all_text(call.body["blocks"])
    assert "Disk Full" in text and "kb/disk-full.md" in text


def test_service_slack_direct_message_gets_answer(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    channel = f"D{uuid.uuid4().hex[:9].upper()}"
    body = event_body(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0CAROL",
            "text": "how many hosts per idc",
            "ts": f"{int(time.time())}.000300",
            "channel": channel,
        }
    )
    assert post_event(server, body, **sign(body)).status_code == 200
    call = slack_api.take(to_channel(channel))
    assert "thread_ts" not in call.body or call.body["thread_ts"] is None
    blocks = call.body["blocks"]
    code = [b for b in blocks if b["type"] == "section" and "```" in b["text"]["text"]]
    assert code, all_text(blocks)  # the CMDB table as a code block
    assert "idc" in code[0]["text"]["text"] and "count" in code[0]["text"]["text"]
    assert "|---" not in all_text(blocks)  # no raw Markdown table left


def test_service_slack_session_is_team_channel_user_thread(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    channel, thread = _channel(), f"{int(time.time())}.000400"
    body = event_body(
        {
            "type": "app_mention",
            "user": "U0DAVE",
            "text": f"<@{BOT_USER}> how do I fix a full disk on <http://db-1.example.com|db-1.example.com>",
            "ts": f"{int(time.time())}.000500",
            "thread_ts": thread,
            "channel": channel,
        }
    )
    assert post_event(server, body, **sign(body)).status_code == 200
    slack_api.take(to_channel(channel))
    token = server.token("slack")  # Slack sessions live under the `slack` tenant by default
    with server.client(token) as http:
        got = http.get(f"/v1/sessions/slack:{TEAM}:{channel}:U0DAVE:{thread}")
        top = http.get(f"/v1/sessions/slack:{TEAM}:{channel}:U0DAVE")
    assert got.status_code == 200, got.text
    said = [t["text"] for t in got.json()["turns"] if t["role"] == "user"]
    assert said == ["how do I fix a full disk on db-1.example.com"]  # mention and link markup gone
    assert top.status_code == 404  # the thread kept its own session


def test_service_slack_ticket_keeps_its_session_over_commands(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    channel = _channel()
    replies = []
    for text in [
        "open an incident for payment-api since 10:30, sev2",
        "checkout requests time out",
        "yes",
    ]:
        body = command_body(slack_api, text, channel, user="U0ERIN")
        assert post_command(server, body, **sign(body)).status_code == 200
        replies.append(slack_api.take(to_path(f"/commands/{channel}/")).body["blocks"])
    first, second, last = (ticket_fields(b) for b in replies)
    assert first["Service"] == "payment-api" and first["Severity"] == "P2"
    assert "missing" in first["Symptom"]
    assert second["Symptom"] == "checkout requests time out"
    assert "confirm" in all_text(replies[1]).lower()
    assert "submitted" in all_text(replies[2]).lower()
    assert last["Service"] == "payment-api"


def test_service_slack_bad_signature_is_refused(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    channel = _channel()
    body = command_body(slack_api, "how do I fix a full disk", channel)
    r = post_command(server, body, **sign(body, secret="not-the-signing-secret"))
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["code"] == "unauthorized" and "signature" in error["message"]
    missing = post_command(server, body)
    assert missing.status_code == 401 and "X-Slack-Signature" in missing.json()["error"]["message"]
    assert not slack_api.pending(to_path(f"/commands/{channel}/"))


def test_service_slack_old_timestamp_is_refused(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    body = command_body(slack_api, "how do I fix a full disk", _channel())
    r = post_command(server, body, **sign(body, at=time.time() - 6 * 60))
    assert r.status_code == 401
    assert "timestamp" in r.json()["error"]["message"]


def test_service_slack_replayed_request_is_refused(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    channel = _channel()
    body = command_body(slack_api, "/help", channel)
    headers = sign(body)
    assert post_command(server, body, **headers).status_code == 200
    again = post_command(server, body, **headers)
    assert again.status_code == 401
    assert "replay" in again.json()["error"]["message"]
    slack_api.take(to_path(f"/commands/{channel}/"))
    time.sleep(0.5)
    assert not slack_api.pending(to_path(f"/commands/{channel}/"))  # answered once


def test_service_slack_url_verification_answers_challenge(server: ServiceProcess) -> None:
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmd",
            "type": "url_verification",
        }
    ).encode()
    r = post_event(server, body, **sign(body))
    assert r.status_code == 200, r.text
    assert r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmd"}
    assert post_event(server, body).status_code == 401  # unsigned: refused


def test_service_slack_retried_event_runs_once(server: ServiceProcess, slack_api: SlackAPI) -> None:
    channel = _channel()
    event = {
        "type": "app_mention",
        "user": "U0FRANK",
        "text": f"<@{BOT_USER}> how many hosts per idc",
        "ts": f"{int(time.time())}.000600",
        "channel": channel,
    }
    body = event_body(event, event_id="Ev0RETRY" + uuid.uuid4().hex[:6].upper())
    assert post_event(server, body, **sign(body)).status_code == 200
    first = slack_api.take(to_channel(channel))
    # Slack re-sends an event it thinks timed out: signed afresh, same event_id.
    time.sleep(1.1)
    retry = post_event(
        server, body, **sign(body), **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    )
    assert retry.status_code == 200
    marker = event_body({**event, "text": f"<@{BOT_USER}> /help", "ts": f"{time.time():.6f}"})
    assert post_event(server, marker, **sign(marker)).status_code == 200
    second = slack_api.take(to_channel(channel))
    assert "idc" in all_text(first.body["blocks"])
    assert "/ticket" in all_text(second.body["blocks"])  # the help text, not the CMDB again
    time.sleep(0.5)
    assert not slack_api.pending(to_channel(channel))


def test_service_slack_ignores_bot_messages(server: ServiceProcess, slack_api: SlackAPI) -> None:
    channel = f"D{uuid.uuid4().hex[:9].upper()}"
    base = {"type": "message", "channel_type": "im", "channel": channel}
    ignored = [
        {**base, "bot_id": "B0OPS", "user": BOT_USER, "text": "how many hosts per idc"},
        {**base, "subtype": "message_changed", "text": "how many hosts per idc"},
        {**base, "user": BOT_USER, "text": "how many hosts per idc"},
    ]
    for n, event in enumerate(ignored):
        body = event_body({**event, "ts": f"{int(time.time())}.00070{n}"})
        assert post_event(server, body, **sign(body)).status_code == 200
    marker = event_body({**base, "user": "U0GRACE", "text": "/help", "ts": f"{time.time():.6f}"})
    assert post_event(server, marker, **sign(marker)).status_code == 200
    answered = slack_api.take(to_channel(channel))
    assert "/ticket" in all_text(answered.body["blocks"])  # only the person's message
    time.sleep(0.5)
    assert not slack_api.pending(to_channel(channel))


def test_service_slack_empty_command_says_how_to_ask(
    server: ServiceProcess, slack_api: SlackAPI
) -> None:
    body = command_body(slack_api, "   ", _channel())
    r = post_command(server, body, **sign(body))
    assert r.status_code == 200
    assert r.json()["response_type"] == "ephemeral"
    assert "/ops how do I fix a full disk" in r.json()["text"]


def test_service_mattermost_unconfigured_says_what_to_set(server: ServiceProcess) -> None:
    with server.client(None) as http:
        r = http.post("/v1/mattermost", data={"token": "x", "text": "hi"})
    assert r.status_code == 503
    assert "OPSQKV_MATTERMOST_TOKEN" in r.json()["error"]["message"]


def test_service_slack_routes_are_documented(server: ServiceProcess) -> None:
    with server.client(None) as http:
        spec = http.get("/openapi.json").json()
    assert "/v1/slack/commands" in spec["paths"] and "/v1/slack/events" in spec["paths"]
