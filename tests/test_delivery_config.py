"""The sinks file: validated with pydantic, `${VAR}` references, one line naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from delivery.config import JiraSinkConfig, ServiceNowSinkConfig, WebhookSinkConfig, load_sinks
from errors import ConfigError
from tests.support.env import REPO, TEST_REDIS_URL

EXAMPLE_ENV = {
    "JIRA_USER": "bot@example.com",
    "JIRA_API_TOKEN": "t0ken",
    "SNOW_USER": "opsqkv.integration",
    "SNOW_PASSWORD": "pw",
    "OPSQKV_WEBHOOK_SECRET": "whsec",
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sinks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_delivery_config_shipped_example_loads(tmp_path: Path) -> None:
    config = load_sinks(REPO / "examples" / "sinks.yaml", EXAMPLE_ENV)
    kinds = {type(s) for s in config.sinks}
    assert kinds == {WebhookSinkConfig, JiraSinkConfig, ServiceNowSinkConfig}
    jira = next(s for s in config.sinks if isinstance(s, JiraSinkConfig))
    assert jira.token == "t0ken" and jira.user == "bot@example.com"
    snow = next(s for s in config.sinks if isinstance(s, ServiceNowSinkConfig))
    assert snow.table_for("change_request") == "change_request"
    assert snow.table_for("incident") == "incident"


def test_delivery_config_env_reference_is_expanded(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sinks:\n  - kind: webhook\n    name: hook\n    url: https://h.example/x\n"
        "    secret: ${HOOK_SECRET}\n",
    )
    (sink,) = load_sinks(path, {"HOOK_SECRET": "abc"}).sinks
    assert isinstance(sink, WebhookSinkConfig) and sink.secret == "abc"


def test_delivery_config_missing_env_names_file_field_and_variable(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sinks:\n  - kind: jira\n    name: jira\n    url: https://j.example\n"
        "    user: me\n    token: ${JIRA_API_TOKEN}\n    project: OPS\n",
    )
    with pytest.raises(ConfigError) as e:
        load_sinks(path, {})
    line = str(e.value)
    assert str(path) in line and "sinks[0].token" in line and "JIRA_API_TOKEN" in line
    assert "\n" not in line


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("sinks:\n  - kind: carrier-pigeon\n    name: x\n    url: https://x\n", "sinks[0].kind"),
        ("sinks:\n  - kind: webhook\n    name: hook\n", "sinks[0].url"),
        ("sinks:\n  - kind: webhook\n    name: hook\n    url: ftp://x\n", "sinks[0].url"),
        (
            "sinks:\n  - kind: jira\n    name: j\n    url: https://j\n    user: u\n"
            "    token: t\n    project: OPS\n    templates:\n      incident:\n"
            "        priority: {map: {P1: High}}\n",
            "sinks[0].templates.incident.priority",
        ),
        (
            "sinks:\n  - kind: webhook\n    name: hook\n    url: https://x\n    colour: red\n",
            "colour",
        ),
        (
            "sinks:\n  - {kind: webhook, name: a, url: 'https://x'}\n"
            "  - {kind: webhook, name: a, url: 'https://y'}\n",
            "sinks[1].name",
        ),
        ("sinks: []\n", "sinks"),
        ("- not a mapping\n", "top level"),
        ("sinks:\n  - kind: webhook\n    name: hook\n    url: [unclosed\n", "YAML"),
    ],
)
def test_delivery_config_bad_file_is_one_line_naming_the_field(
    tmp_path: Path, body: str, field: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as e:
        load_sinks(path, {})
    line = str(e.value)
    assert str(path) in line and field in line and "\n" not in line


def test_delivery_config_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_sinks(tmp_path / "nope.yaml", {})


@pytest.mark.parametrize("command", [["deliver", "--once"], ["redeliver", "--all"]])
def test_delivery_config_cli_bad_file_exits_with_one_line(
    tmp_path: Path,
    home: Path,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", redis_prefix)
    path = _write(tmp_path, "sinks:\n  - kind: webhook\n    name: hook\n    url: nowhere\n")
    result = CliRunner().invoke(
        cli.app, ["--redis-url", TEST_REDIS_URL, "ticket", *command, "--sinks", str(path)]
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "sinks[0].url" in lines[0] and str(path.name) in lines[0]
    assert "Traceback" not in result.output


def test_delivery_config_cli_without_sinks_says_how_to_give_them(
    home: Path, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", redis_prefix)
    monkeypatch.delenv("OPSQKV_TICKET_SINKS", raising=False)
    result = CliRunner().invoke(cli.app, ["--redis-url", TEST_REDIS_URL, "ticket", "deliver"])
    assert result.exit_code == 2
    assert "--sinks" in result.output and "OPSQKV_TICKET_SINKS" in result.output


def test_delivery_config_jira_search_endpoint_follows_cloud_or_server(tmp_path: Path) -> None:
    base = "sinks:\n  - {kind: jira, name: j, user: u, token: t, project: OPS, url: '%s'}\n"
    cloud = load_sinks(_write(tmp_path, base % "https://acme.atlassian.net"), {}).sinks[0]
    server = load_sinks(_write(tmp_path, base % "https://jira.acme.internal"), {}).sinks[0]
    assert isinstance(cloud, JiraSinkConfig) and isinstance(server, JiraSinkConfig)
    assert cloud.search_endpoint() == "/rest/api/2/search/jql"
    assert server.search_endpoint() == "/rest/api/2/search"
