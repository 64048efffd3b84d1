"""Chat platforms in: Slack and Mattermost talk to the same bot turn as the `/v1` API.

    router          the routes below, and a lifespan that reads their settings at start-up
    slack.py        POST /v1/slack/commands, POST /v1/slack/events (signed, answered later)
    mattermost.py   POST /v1/mattermost (token; answered in the response body)
    config.py       ChatOpsConfig from OPSQKV_SLACK_* / OPSQKV_MATTERMOST_*
    hub.py          ChatOps: what the routes share in one worker; the turn itself
    signing.py      Slack's v0 signature, time window and replay check
    seen.py         FirstSeen: SET NX memory of requests and events already taken
    sessions.py     session ids from workspace / team, channel, user (and thread)
    slack_text.py   Slack's text to plain words; Markdown to mrkdwn; tables as text
    view.py         what a chat reply shows (parts, citations, ticket state), before markup
    blocks.py       a reply as Slack Block Kit
    markdown.py     a reply as Mattermost Markdown
    posting.py      SlackPoster: response_url and chat.postMessage through slack-sdk

None of these routes takes a bearer token: Slack signs its requests, Mattermost sends a
token; each platform's sessions live under its own tenant (`slack`, `mattermost`).
"""

from __future__ import annotations

from fastapi import APIRouter

from service.chatops import mattermost, slack
from service.chatops.hub import lifespan

router = APIRouter(lifespan=lifespan)
router.include_router(slack.router)
router.include_router(mattermost.router)

__all__ = ["router"]
