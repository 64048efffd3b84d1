"""Chat platform settings from the environment: defaults, several tokens, bad values named."""

from __future__ import annotations

import pytest

from errors import ConfigError
from service.chatops.config import DEFAULT_SLACK_API_URL, chatops_config_from_env


def test_chatops_config_defaults_switch_platforms_off() -> None:
    config = chatops_config_from_env({})
    assert config.slack_signing_secret is None and config.mattermost_tokens == ()
    assert config.slack_api_url == DEFAULT_SLACK_API_URL
    assert (config.slack_tenant, config.mattermost_tenant) == ("slack", "mattermost")


def test_chatops_config_reads_secrets_and_several_tokens() -> None:
    config = chatops_config_from_env(
        {
            "OPSQKV_SLACK_SIGNING_SECRET": "s3cret",
            "OPSQKV_SLACK_API_URL": "http://127.0.0.1:9999/api",
            "OPSQKV_MATTERMOST_TOKEN": "tok-a, tok-b,",
            "OPSQKV_SLACK_TENANT": "team-ops",
        }
    )
    assert config.slack_signing_secret is not None
    assert config.slack_signing_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(config)  # secrets stay out of logs
    assert [t.get_secret_value() for t in config.mattermost_tokens] == ["tok-a", "tok-b"]
    assert config.slack_api_url == "http://127.0.0.1:9999/api/"
    assert config.slack_tenant == "team-ops"


@pytest.mark.parametrize(
    ("var", "value"),
    [("OPSQKV_SLACK_TENANT", "Team Ops"), ("OPSQKV_SLACK_API_URL", "slack.com/api")],
)
def test_chatops_config_names_the_bad_variable(var: str, value: str) -> None:
    with pytest.raises(ConfigError, match=var):
        chatops_config_from_env({var: value})
