"""Scripted flows: the shipped ones pass, mismatches fail, bad files are one clear error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents import OpsBot
from agents.flows import bot_handler, load_flow, run_flow, same
from agents.tickets.templates import load_templates
from errors import ConfigError
from tests.support.clock import NOW
from tests.support.env import REPO
from tests.support.flows import mismatches

TEMPLATES = load_templates()
SHIPPED = sorted((REPO / "flows").glob("*.yaml"))


def test_flows_run_shipped_flows_are_there() -> None:
    assert len(SHIPPED) >= 16


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_flows_run_shipped_flow_passes(bot: OpsBot, path: Path) -> None:
    """Through OpsBot, as `opsqkv ticket run` plays them: digressions reach Q&A and CMDB."""
    result = run_flow(load_flow(path, TEMPLATES), bot_handler(bot), TEMPLATES, now=NOW)
    assert result.passed, mismatches(result)


def test_flows_run_shipped_flows_cover_each_template() -> None:
    flows = [load_flow(p, TEMPLATES) for p in SHIPPED]
    started = {f.template for f in flows}
    assert {"incident", "change_request", "access_request"} <= started
    assert any(f.template is None for f in flows) and any(f.expects_no_ticket() for f in flows)


def test_flows_run_wrong_expectation_fails_with_the_difference(bot: OpsBot, tmp_path: Path) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(
        "name: wrong\ntemplate: incident\nturns:\n"
        "  - user: payment-api is down, sev2\n    expect: {severity: P1}\n"
        "ticket: {service: payment-api}\n"
    )
    result = run_flow(load_flow(path, TEMPLATES), bot_handler(bot), TEMPLATES, now=NOW)
    assert not result.passed
    assert result.turns[0].mismatches == ["severity: expected 'P1', got 'P2'"]
    assert result.mismatches == ["ticket: expected a submitted ticket, none was submitted"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name: x\nturns: [\n", "is not valid YAML at line"),
        ("name: x\nturns: []\n", "turns: List should have at least 1 item"),
        ("name: x\nturns:\n  - user: hi\n    said: hi\n", r"turns\[0\]\.said: Extra inputs"),
        ("name: x\ntemplate: holiday\nturns:\n  - user: hi\n", "template 'holiday' is unknown"),
        (
            "name: x\ntemplate: incident\nturns:\n  - user: hi\n    expect: {colour: red}\n",
            r"turns\[0\]\.expect names slot 'colour'",
        ),
    ],
)
def test_flows_run_malformed_flow_is_one_config_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        load_flow(path, TEMPLATES)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_flows_run_values_compare_after_normalisation() -> None:
    change = TEMPLATES["change_request"]
    incident = TEMPLATES["incident"]
    assert same(change.slot("duration"), "45 minutes", "PT45M", NOW)
    assert same(change.slot("duration"), "P7D", "a week", NOW)
    assert same(change.slot("environment"), "production", "prod", NOW)
    assert same(incident.slot("severity"), "sev1", "P1", NOW)
    assert same(incident.slot("symptom"), "  Customers  can't PAY", "customers can't pay", NOW)
    assert same(
        incident.slot("started_at"),
        datetime(2026, 11, 25, 10, 40, tzinfo=UTC),
        "2026-11-25T11:40:00+01:00",
        NOW,
    )
    assert not same(incident.slot("severity"), "P2", "P1", NOW)


def test_flows_run_plain_yes_in_yaml_is_the_word(tmp_path: Path) -> None:
    path = tmp_path / "yes.yaml"
    path.write_text("name: y\nnow: 2026-11-25 10:00\nturns:\n  - user: yes\n  - user: 42\n")
    flow = load_flow(path, TEMPLATES)
    assert [t.user for t in flow.turns] == ["yes", "42"]
