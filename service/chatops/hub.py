"""`ChatOps`: what the Slack and Mattermost routes share in one worker, built at start-up."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, Request
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from agents import OpsBot
from errors import ConfigError, InputError
from service.api_models import MESSAGE_ID_PATTERN, ReplyOut
from service.chatops.config import ChatOpsConfig, chatops_config_from_env
from service.chatops.posting import SlackPoster
from service.chatops.seen import FirstSeen
from service.config import tenant_prefix
from service.routes import answer_message
from service.runtime import Runtime

log = logging.getLogger("opsqkv.service")
_MESSAGE_ID = re.compile(MESSAGE_ID_PATTERN)


@dataclass(frozen=True)
class SlackSide:
    """Slack's half: the signature check, a memory of seen requests, the poster."""

    tenant: str
    verifier: SignatureVerifier
    seen: FirstSeen
    poster: SlackPoster


@dataclass(frozen=True)
class ChatOps:
    """The chat platforms this worker answers; a platform not configured is None."""

    config: ChatOpsConfig
    runtime: Runtime
    slack: SlackSide | None

    @classmethod
    def start(cls, config: ChatOpsConfig, runtime: Runtime) -> ChatOps:
        """Build the Slack clients when a signing secret is set."""
        slack = None
        if config.slack_signing_secret is not None:
            token = config.slack_bot_token
            web = None
            if token is not None:
                web = WebClient(
                    token=token.get_secret_value(),
                    base_url=config.slack_api_url,
                    timeout=config.post_timeout_s,
                )
            prefix = tenant_prefix(runtime.settings, config.slack_tenant)
            slack = SlackSide(
                tenant=config.slack_tenant,
                verifier=SignatureVerifier(config.slack_signing_secret.get_secret_value()),
                seen=FirstSeen(runtime.client, prefix=f"{prefix}chat:"),
                poster=SlackPoster(web, timeout_s=config.post_timeout_s),
            )
            if web is None:
                log.warning("Slack events need OPSQKV_SLACK_BOT_TOKEN; only commands will work")
        return cls(config=config, runtime=runtime, slack=slack)

    def slack_side(self) -> SlackSide:
        """Slack's half; ConfigError (503) when no signing secret is set."""
        if self.slack is None:
            raise ConfigError(
                "Slack is not configured: set OPSQKV_SLACK_SIGNING_SECRET (the Slack app's "
                "Signing Secret) and restart `opsqkv serve`"
            )
        return self.slack

    def bot(self, tenant: str) -> OpsBot:
        return self.runtime.bot_for(tenant)

    def turn(self, tenant: str, session_id: str, text: str, message_id: str | None) -> ReplyOut:
        """One turn of `tenant`'s session, exactly as the API's; a bad message id is dropped."""
        if message_id is not None and not _MESSAGE_ID.match(message_id):
            message_id = None
        return answer_message(self.bot(tenant), session_id, text, message_id)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Read the chat settings once the app's Runtime is up (this runs inside its lifespan)."""
    app.state.chatops = ChatOps.start(chatops_config_from_env(), app.state.runtime)
    yield


def chatops_of(request: Request) -> ChatOps:
    """The worker's ChatOps, set at start-up."""
    chatops: ChatOps = request.app.state.chatops
    return chatops


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: a signature is computed over these bytes."""
    return await request.body()


ChatOpsDep = Annotated[ChatOps, Depends(chatops_of)]
RawBody = Annotated[bytes, Depends(raw_body)]


def form_fields(body: bytes, what: str) -> dict[str, str]:
    """A form-encoded body as a dict (first value of each name)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"the {what} body is not UTF-8 text; send it as Slack does") from e
    return dict(reversed(parse_qsl(text, keep_blank_values=True)))


def json_object(body: bytes, what: str) -> dict[str, Any]:
    """A JSON object body."""
    try:
        data = json.loads(body)
    except ValueError as e:
        raise InputError(f"the {what} body is not JSON; send a JSON object") from e
    if not isinstance(data, dict):
        raise InputError(f"the {what} body is JSON but not an object; send a JSON object")
    return data
