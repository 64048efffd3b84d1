"""Slack in: `POST /v1/slack/commands` (slash commands) and `POST /v1/slack/events` (Events API).

Every request is checked against the app's signing secret before anything else. Slack wants
an answer within 3 seconds, so a turn never runs inside the request: the route answers at
once and the reply follows, to the command's response_url or with chat.postMessage.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse

from errors import ConfigError, OpsqkvError
from service.api_models import ErrorBody, ReplyOut
from service.chatops import view
from service.chatops.blocks import SlackMessage, notice, slack_message
from service.chatops.hub import ChatOps, ChatOpsDep, RawBody, SlackSide, form_fields, json_object
from service.chatops.sessions import chat_session_id
from service.chatops.signing import check_slack_request
from service.chatops.slack_payloads import EventCallback, SlashCommand, parse
from service.chatops.slack_text import plain_from_slack
from service.metrics import ERRORS

log = logging.getLogger("opsqkv.service.slack")
router = APIRouter(prefix="/v1/slack", tags=["chat platforms"])

# Slack retries an event up to three times within about 5 minutes; remember ids well past that.
EVENT_MEMORY_S = 3600
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")
_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 413, 422, 503)
}


@router.post(
    "/commands",
    summary="A Slack slash command (signed by Slack; no bearer token)",
    description="Answers at once; the reply is posted to the command's `response_url`.",
    response_class=Response,
    responses=_RESPONSES,
)
def slack_command(
    request: Request, body: RawBody, chatops: ChatOpsDep, background: BackgroundTasks
) -> Response:
    """Acknowledge a signed slash command; its turn runs after the answer is sent."""
    slack = chatops.slack_side()
    check_slack_request(slack.verifier, slack.seen, request.headers, body)
    command = parse(SlashCommand, form_fields(body, "Slack command"), "Slack command")
    text = plain_from_slack(command.text)
    if not text:
        return JSONResponse({"response_type": "ephemeral", "text": view.usage(command.command)})
    background.add_task(_answer_command, chatops, slack, command, text)
    return Response(status_code=200)


@router.post(
    "/events",
    summary="Slack Events API: url_verification, app_mention, direct messages",
    description="Signed by Slack; no bearer token. Replies go out with chat.postMessage.",
    response_class=Response,
    responses=_RESPONSES,
)
def slack_events(
    request: Request, body: RawBody, chatops: ChatOpsDep, background: BackgroundTasks
) -> Response:
    """Answer the URL check; take mentions and direct messages once each, in the background."""
    slack = chatops.slack_side()
    check_slack_request(slack.verifier, slack.seen, request.headers, body)
    data = json_object(body, "Slack event")
    if data.get("type") == "url_verification":
        return JSONResponse({"challenge": str(data.get("challenge", ""))})
    if data.get("type") != "event_callback":
        return Response(status_code=200)  # e.g. app_rate_limited: nothing to answer
    callback = parse(EventCallback, data, "Slack event")
    channel = callback.event.channel
    if channel is None or not _for_the_bot(callback):
        return Response(status_code=200)
    if slack.poster.web is None:
        raise ConfigError(
            "Slack events are answered with chat.postMessage: set OPSQKV_SLACK_BOT_TOKEN to "
            "the app's Bot User OAuth Token (xoxb-...) and restart `opsqkv serve`"
        )
    # A retry (X-Slack-Retry-Num) carries the same event_id: only the first delivery runs.
    if slack.seen.first(f"slack:event:{callback.event_id}", ttl_s=EVENT_MEMORY_S):
        background.add_task(_answer_event, chatops, slack, callback, channel)
    return Response(status_code=200)


def _for_the_bot(callback: EventCallback) -> bool:
    """A person's mention of the app, or a person's direct message to it; never a bot's."""
    event = callback.event
    if event.bot_id or event.subtype or not event.user or not event.channel:
        return False  # bot posts (ours included), edits, joins: answering them could loop
    if event.user in callback.bot_users():
        return False
    return event.type == "app_mention" or (event.type == "message" and event.channel_type == "im")


def _answer_command(chatops: ChatOps, slack: SlackSide, command: SlashCommand, text: str) -> None:
    sid = chat_session_id("slack", command.team_id, command.channel_id, command.user_id)
    reply = _turn(chatops, slack, sid, text, command.trigger_id)
    if isinstance(reply, SlackMessage):
        slack.poster.respond(command.response_url, reply, "ephemeral")
        return
    message = slack_message(reply, asked_by=command.user_id, asked=text)
    slack.poster.respond(command.response_url, message, "in_channel")


def _answer_event(
    chatops: ChatOps, slack: SlackSide, callback: EventCallback, channel: str
) -> None:
    event = callback.event
    raw = event.text
    if event.type == "app_mention":
        raw = _LEADING_MENTION.sub("", raw)
    text = plain_from_slack(raw, drop_users=callback.bot_users())
    if not text:
        hint = notice("Ask me something with the mention, e.g. how do I fix a full disk")
        slack.poster.post(channel, hint, event.thread_ts)
        return
    parts = (callback.team_id, channel, event.user, event.thread_ts)
    reply = _turn(chatops, slack, chat_session_id("slack", *parts), text, callback.event_id)
    message = reply if isinstance(reply, SlackMessage) else slack_message(reply)
    slack.poster.post(channel, message, event.thread_ts)


def _turn(
    chatops: ChatOps, slack: SlackSide, sid: str, text: str, message_id: str | None
) -> ReplyOut | SlackMessage:
    """The turn's reply, or a notice saying why there is none (nobody else would see it)."""
    try:
        return chatops.turn(slack.tenant, sid, text, message_id)
    except OpsqkvError as e:
        ERRORS.labels(type=type(e).__name__).inc()
        return notice(f"Sorry, I could not answer that: {e}")
    except Exception:
        ERRORS.labels(type="unexpected").inc()
        log.exception("a Slack turn failed unexpectedly")
        return notice("Sorry, the server failed unexpectedly; the error is in its log.")
