"""`SlackPoster`: replies go back to Slack through slack-sdk, after the request was answered.

A slash command's reply goes to its `response_url` (no token needed, valid 30 minutes);
an event's reply is `chat.postMessage` with the bot token, in the thread it came from.
Nobody waits on these posts, so a failure is logged and counted, never raised.
"""

from __future__ import annotations

import logging
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from service.chatops.blocks import SlackMessage
from service.metrics import ERRORS

log = logging.getLogger("opsqkv.service.slack")


class SlackPoster:
    """Posts messages to Slack; `web` is None when no bot token is set (commands still work)."""

    def __init__(self, web: WebClient | None, timeout_s: int) -> None:
        self.web = web
        self.timeout_s = timeout_s

    def respond(
        self,
        response_url: str,
        message: SlackMessage,
        response_type: Literal["in_channel", "ephemeral"],
    ) -> None:
        """Answer a slash command through its response_url."""
        hook = WebhookClient(response_url, timeout=self.timeout_s)
        try:
            sent = hook.send(text=message.text, blocks=message.blocks, response_type=response_type)
        except (SlackClientError, OSError) as e:
            _failed(f"posting to the command's response_url failed ({e})")
            return
        if sent.status_code != 200:
            _failed(f"the command's response_url answered {sent.status_code}: {sent.body[:200]}")

    def post(self, channel: str, message: SlackMessage, thread_ts: str | None) -> None:
        """Post into a channel (or a thread of it) with chat.postMessage."""
        if self.web is None:
            _failed("an event cannot be answered without OPSQKV_SLACK_BOT_TOKEN; set it")
            return
        try:
            self.web.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts
            )
        except SlackApiError as e:
            _failed(f"chat.postMessage to {channel} failed: {e.response.get('error')}")
        except (SlackClientError, OSError) as e:
            _failed(f"chat.postMessage to {channel} failed ({e})")


def _failed(message: str) -> None:
    ERRORS.labels(type="SlackPostFailed").inc()
    log.warning("%s; check the Slack app's settings and this server's outbound access", message)
