"""Enum values named only to be ruled out ("not critical") are not read as the value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents.tickets.templates import load_templates
from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext
from agents.tickets.tracking.normalisers.enums import EnumExtractor

SEVERITY = load_templates()["incident"].slot("severity")
CTX = ExtractContext(now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("high, but not critical", "P2"),
        ("not sev1, sev2", "P2"),
        ("it's not a blocker, but urgent", "P2"),
        ("sev2, no, sev1", "P1"),
        ("critical", "P1"),
    ],
)
def test_extractors_enum_negation_rules_a_value_out(said: str, value: str) -> None:
    assert SEVERITY.values is not None
    read = EnumExtractor(SEVERITY.values).read(said, CTX)
    assert isinstance(read, Candidate) and read.value == value
