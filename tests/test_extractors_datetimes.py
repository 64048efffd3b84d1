"""Points in time: absolute, relative, and placed on the day the slot expects."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Refusal
from agents.tickets.tracking.normalisers.datetimes import DatetimeExtractor
from tests.support.clock import NOW

CTX = ExtractContext(now=NOW)


def read(text: str, when: str = "any") -> str:
    found = DatetimeExtractor(when).read(text, CTX)  # type: ignore[arg-type]
    assert isinstance(found, Candidate), found
    return str(found.value)


@pytest.mark.parametrize(
    ("text", "when", "expected"),
    [
        ("since 09:40", "past", "2026-11-25T09:40:00+00:00"),
        ("since 23:00", "past", "2026-11-24T23:00:00+00:00"),
        ("at 09:00", "future", "2026-11-26T09:00:00+00:00"),
        ("tomorrow at 2am", "future", "2026-11-26T02:00:00+00:00"),
        ("in 2 hours", "future", "2026-11-25T12:00:00+00:00"),
        ("20 minutes ago", "past", "2026-11-25T09:40:00+00:00"),
        ("an hour and a half ago", "past", "2026-11-25T08:30:00+00:00"),
        ("yesterday 18:00", "past", "2026-11-24T18:00:00+00:00"),
        ("tonight at 11", "future", "2026-11-25T23:00:00+00:00"),
        ("next monday 22:00", "future", "2026-11-30T22:00:00+00:00"),
        ("saturday 22:00", "past", "2026-11-21T22:00:00+00:00"),
        ("Nov 26 at 2am", "future", "2026-11-26T02:00:00+00:00"),
        ("26th of November 2026 at 14:30", "any", "2026-11-26T14:30:00+00:00"),
        ("2026-11-26T02:00:00Z", "any", "2026-11-26T02:00:00+00:00"),
        ("10:30pm UTC", "past", "2026-11-24T22:30:00+00:00"),
    ],
)
def test_extractors_datetimes_reads_common_forms(text: str, when: str, expected: str) -> None:
    assert read(text, when) == expected


def test_extractors_datetimes_uses_the_clock_zone_for_naive_times() -> None:
    paris = datetime(2026, 11, 25, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    found = DatetimeExtractor("past").read("since 09:40", ExtractContext(now=paris))
    assert isinstance(found, Candidate) and found.value == "2026-11-25T09:40:00+01:00"


def test_extractors_datetimes_finds_the_span_inside_a_sentence() -> None:
    text = "payment-api is throwing 502s since 09:40, sev2"
    (candidate,) = DatetimeExtractor("past").find(text, CTX).candidates
    assert text[candidate.start : candidate.end] == "09:40"


def test_extractors_datetimes_future_time_for_a_past_slot_is_refused() -> None:
    found = DatetimeExtractor("past").read("tomorrow at 2am", CTX)
    assert isinstance(found, Refusal) and "in the future" in found.reason


def test_extractors_datetimes_past_time_for_a_future_slot_is_refused() -> None:
    found = DatetimeExtractor("future").read("yesterday", CTX)
    assert isinstance(found, Refusal) and "in the past" in found.reason


def test_extractors_datetimes_no_time_at_all_is_refused_with_examples() -> None:
    found = DatetimeExtractor("any").read("whenever it suits", CTX)
    assert isinstance(found, Refusal) and "like 10:30" in found.reason


def test_extractors_datetimes_falls_back_to_dateparser_for_other_forms() -> None:
    assert read("last friday evening", "past").startswith("2026-11-20T")
