"""Mattermost in: `POST /v1/mattermost` for a slash command or an outgoing webhook.

Mattermost sends a token with every request and waits for the reply in the response body
(`{"text", "response_type"}`, Markdown), so the turn runs inside the request.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, SecretStr

from errors import AuthError, ConfigError, OpsqkvError
from service.api_models import ErrorBody
from service.chatops import view
from service.chatops.hub import ChatOpsDep, RawBody, form_fields, json_object
from service.chatops.markdown import reply_markdown
from service.chatops.sessions import chat_session_id
from service.chatops.slack_payloads import parse

router = APIRouter(prefix="/v1", tags=["chat platforms"])
MAX_POST_CHARS = 16000  # Mattermost's limit on one post is 16383


class MattermostPost(BaseModel):
    """What a slash command or an outgoing webhook sends (other fields are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)

    team_id: str
    channel_id: str
    user_id: str
    text: str = ""
    command: str = ""
    trigger_word: str = ""
    post_id: str | None = None
    trigger_id: str | None = None

    def words(self) -> str:
        """What the user asked: an outgoing webhook's trigger word taken off the front."""
        text = self.text.strip()
        if self.trigger_word and text.startswith(self.trigger_word):
            text = text[len(self.trigger_word) :]
        return text.strip()


@router.post(
    "/mattermost",
    summary="A Mattermost slash command or outgoing webhook (its token; no bearer token)",
    description='Form-encoded or JSON. Answers `{"text", "response_type"}` in Markdown.',
    responses={status: {"model": ErrorBody} for status in (401, 413, 422, 503)},
)
def mattermost(request: Request, body: RawBody, chatops: ChatOpsDep) -> JSONResponse:
    """One turn of the poster's session (team + channel + user); the reply in the body."""
    config = chatops.config
    if not config.mattermost_tokens:
        raise ConfigError(
            "Mattermost is not configured: set OPSQKV_MATTERMOST_TOKEN to the token Mattermost "
            "shows for the slash command or outgoing webhook, and restart `opsqkv serve`"
        )
    if request.headers.get("content-type", "").startswith("application/json"):
        fields = {k: v for k, v in json_object(body, "Mattermost").items() if v is not None}
    else:
        fields = dict(form_fields(body, "Mattermost"))
    if not token_matches(str(fields.get("token", "")), config.mattermost_tokens):
        raise AuthError(
            "the Mattermost token is missing or wrong; set OPSQKV_MATTERMOST_TOKEN to the token "
            "Mattermost shows for this integration (several: separate them with commas)"
        )
    post = parse(MattermostPost, fields, "Mattermost request")
    text = post.words()
    if not text:
        return _answer(view.usage(post.command or "/ops"), "ephemeral")
    sid = chat_session_id("mattermost", post.team_id, post.channel_id, post.user_id)
    try:
        reply = chatops.turn(config.mattermost_tenant, sid, text, post.post_id or post.trigger_id)
    except OpsqkvError as e:  # said to the user alone: the channel need not see it
        return _answer(f"Sorry, I could not answer that: {e}", "ephemeral")
    return _answer(reply_markdown(reply), "in_channel")


def token_matches(given: str, tokens: Sequence[SecretStr]) -> bool:
    """Whether `given` is one of `tokens`, compared in constant time against every one."""
    found = False
    for token in tokens:
        found |= hmac.compare_digest(given.encode(), token.get_secret_value().encode())
    return found and bool(given)


def _answer(text: str, response_type: str) -> JSONResponse:
    if len(text) > MAX_POST_CHARS:
        text = text[: MAX_POST_CHARS - 1] + "…"
    return JSONResponse({"text": text, "response_type": response_type})
