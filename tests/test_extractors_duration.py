"""Lengths of time in words, compact units and ISO 8601."""

from __future__ import annotations

import pytest

from agents.tickets.durations import iso_duration, parse_duration
from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Refusal
from agents.tickets.tracking.normalisers.duration import DurationExtractor
from tests.support.clock import NOW

CTX = ExtractContext(now=NOW)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2h", "PT2H"),
        ("90 minutes", "PT1H30M"),
        ("a week", "P7D"),
        ("1h30m", "PT1H30M"),
        ("an hour and a half", "PT1H30M"),
        ("2 hours and 30 minutes", "PT2H30M"),
        ("half an hour", "PT30M"),
        ("a couple of days", "P2D"),
        ("1.5 hours", "PT1H30M"),
        ("PT45M", "PT45M"),
        ("P7D", "P7D"),
        ("two weeks", "P14D"),
    ],
)
def test_extractors_duration_reads_common_forms(text: str, iso: str) -> None:
    found = DurationExtractor().read(text, CTX)
    assert isinstance(found, Candidate) and found.value == iso


def test_extractors_duration_ago_is_not_a_duration() -> None:
    assert DurationExtractor().find("20 minutes ago", CTX).candidates == []


def test_extractors_duration_in_two_hours_is_a_weak_duration() -> None:
    (weak,) = DurationExtractor().find("in 2 hours", CTX).candidates
    (sure,) = DurationExtractor().find("for 2 hours", CTX).candidates
    assert weak.strength < sure.strength


def test_extractors_duration_longer_than_allowed_is_refused() -> None:
    found = DurationExtractor("P2D").read("3 days", CTX)
    assert isinstance(found, Refusal) and "longer than the 2 d allowed" in found.reason


def test_extractors_duration_iso_and_words_agree() -> None:
    assert parse_duration("PT45M") == parse_duration("45 minutes") == 2700
    assert iso_duration(604800) == "P7D" and iso_duration(0) == "PT0S"
    assert parse_duration("soon") is None


def test_extractors_duration_until_a_time_is_the_time_left() -> None:
    found = DurationExtractor().read("until friday", CTX)  # NOW is Wednesday 10:00
    assert isinstance(found, Candidate) and found.value == "P1DT14H"


def test_extractors_duration_a_comma_separates_two_values() -> None:
    """ "in 1 hour, 20m window": a start in an hour and a 20-minute window, not 1h20m."""
    found = DurationExtractor().find("hotfix in 1 hour, 20m window", CTX).candidates
    assert sorted(c.value for c in found) == ["PT1H", "PT20M"]
