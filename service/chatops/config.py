"""`ChatOpsConfig`: which chat platforms may call in, with which secrets, into which tenants."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from errors import ConfigError, InputError
from service.config import check_tenant

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ChatOpsConfig(BaseModel):
    """Slack and Mattermost settings; a platform with no secret set is switched off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack_signing_secret: SecretStr | None = Field(
        default=None, description="the Slack app's Signing Secret (Basic Information)"
    )
    slack_bot_token: SecretStr | None = Field(
        default=None, description="xoxb- token: posts replies to events with chat.postMessage"
    )
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, description="Web API base URL")
    slack_tenant: str = Field(default="slack", description="whose key prefix Slack sessions use")
    mattermost_tokens: tuple[SecretStr, ...] = Field(
        default=(), description="the tokens of the slash commands / outgoing webhooks"
    )
    mattermost_tenant: str = Field(default="mattermost", description="Mattermost's tenant")
    post_timeout_s: int = Field(default=10, ge=1, description="one reply posted to Slack")

    @field_validator("slack_tenant", "mattermost_tenant")
    @classmethod
    def _tenant(cls, name: str) -> str:
        try:
            return check_tenant(name)
        except InputError as e:
            raise ValueError(str(e)) from e

    @field_validator("slack_api_url")
    @classmethod
    def _base_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL; e.g. {DEFAULT_SLACK_API_URL}")
        return url if url.endswith("/") else url + "/"


# Environment variable -> field; the one place this package reads the environment.
ENV = {
    "OPSQKV_SLACK_SIGNING_SECRET": "slack_signing_secret",
    "OPSQKV_SLACK_BOT_TOKEN": "slack_bot_token",
    "OPSQKV_SLACK_API_URL": "slack_api_url",
    "OPSQKV_SLACK_TENANT": "slack_tenant",
    "OPSQKV_MATTERMOST_TOKEN": "mattermost_tokens",
    "OPSQKV_MATTERMOST_TENANT": "mattermost_tenant",
}


def chatops_config_from_env(env: Mapping[str, str] | None = None) -> ChatOpsConfig:
    """The config from OPSQKV_SLACK_* / OPSQKV_MATTERMOST_*; ConfigError names a bad one."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for var, field in ENV.items():
        raw = env.get(var, "").strip()
        if not raw:
            continue
        if field == "mattermost_tokens":  # several integrations, each with its own token
            values[field] = tuple(t.strip() for t in raw.split(",") if t.strip())
        else:
            values[field] = raw
    try:
        return ChatOpsConfig.model_validate(values)
    except ValidationError as e:
        first = e.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        var = next((v for v, f in ENV.items() if f == field), field)
        why = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{var} is invalid: {why}; fix or unset it") from e
