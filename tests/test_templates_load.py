"""Ticket templates: the shipped ones, a user's folder, and one clear error per bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.tickets.templates import load_template_file, load_templates
from errors import ConfigError

GOOD = """
name: outage_report
title: Outage report
description: report an outage
slots:
  - name: region
    description: the region that is down
    type: enum
    values: [eu, us]
"""


def test_templates_shipped_ones_have_the_slots_the_issue_names() -> None:
    templates = load_templates()
    assert {s.name: (s.type, s.required) for s in templates["incident"].slots} == {
        "service": ("service", True),
        "severity": ("enum", True),
        "symptom": ("text", True),
        "started_at": ("datetime", True),
        "host": ("host", False),
        "impact": ("text", False),
    }
    change = templates["change_request"]
    assert [s.name for s in change.required()] == [
        "change_type", "service", "environment", "window_start", "duration", "description",
        "rollback_plan",
    ]  # fmt: skip
    assert [v.value for v in change.slot("change_type").values or []] == [
        "deploy", "config", "restart", "scale", "patch", "rollback",
    ]  # fmt: skip
    access = templates["access_request"]
    assert access.slot("system").entity_kinds == ["service", "host"]
    assert [v.value for v in access.slot("role").values or []] == [
        "read-only",
        "read-write",
        "admin",
    ]


def test_templates_severity_synonyms_map_to_p1() -> None:
    severity = load_templates()["incident"].slot("severity")
    p1 = next(v for v in severity.values or [] if v.value == "P1")
    assert {"sev1", "critical"} <= set(p1.synonyms)


def test_templates_user_folder_adds_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "outage.yaml").write_text(GOOD)
    (tmp_path / "incident.yaml").write_text(GOOD.replace("outage_report", "incident"))
    templates = load_templates(tmp_path)
    assert "outage_report" in templates and "change_request" in templates
    assert templates["incident"].title == "Outage report"


def test_templates_unknown_slot_type_names_file_field_and_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("type: enum", "type: colour"))
    with pytest.raises(ConfigError) as caught:
        load_template_file(path)
    message = str(caught.value)
    assert str(path) in message and "slots[0] (region).type" in message and "'colour'" in message
    assert "\n" not in message


def test_templates_enum_without_values_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("    values: [eu, us]\n", ""))
    with pytest.raises(ConfigError, match=r"slots\[0\] \(region\): an enum slot needs `values`"):
        load_template_file(path)


def test_templates_repeated_slot_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD + GOOD.split("slots:\n")[1])
    with pytest.raises(ConfigError, match="slot names repeat: region"):
        load_template_file(path)


def test_templates_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nslots: [\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml is not valid YAML at line"):
        load_template_file(path)


def test_templates_missing_user_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_templates(tmp_path / "nope")


def test_templates_two_files_with_one_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(ConfigError, match="both named 'outage_report'"):
        load_templates(tmp_path)


def test_templates_bad_max_duration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        GOOD + "  - {name: d, description: how long, type: duration, max_duration: ages}\n"
    )
    with pytest.raises(ConfigError, match="max_duration` 'ages' is not a duration"):
        load_template_file(path)
