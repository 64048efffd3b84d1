"""One time grammar: a `time` slot and a `datetime` slot read a part of the day the same way."""

from __future__ import annotations

import pytest

from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext
from agents.tickets.tracking.normalisers.dates import TimeExtractor
from agents.tickets.tracking.normalisers.datetimes import DatetimeExtractor
from tests.support.clock import NOW  # Wednesday 2026-11-25 10:00 UTC

CTX = ExtractContext(now=NOW)


def time_slot(text: str) -> str:
    found = TimeExtractor().read(text, CTX)
    assert isinstance(found, Candidate), found
    return str(found.value)


def datetime_slot(text: str, when: str = "any") -> str:
    found = DatetimeExtractor(when).read(text, CTX)  # type: ignore[arg-type]
    assert isinstance(found, Candidate), found
    return str(found.value)


@pytest.mark.parametrize(
    ("hour", "part", "expected"),
    [
        (2, "night", "02:00"),  # the small hours stay before noon
        (11, "night", "23:00"),
        (7, "evening", "19:00"),
        (3, "afternoon", "15:00"),
        (8, "morning", "08:00"),
    ],
)
def test_time_grammar_both_slot_kinds_agree_on_a_part_of_the_day(
    hour: int, part: str, expected: str
) -> None:
    said = f"{hour} at night" if part == "night" else f"{hour} in the {part}"
    assert time_slot(said) == expected
    moment = datetime_slot(
        f"yesterday {part} at {hour}" if part != "night" else f"last night at {hour}"
    )
    assert moment[11:16] == expected


def test_time_grammar_the_small_hours_of_last_night_are_this_morning() -> None:
    assert datetime_slot("last night at 2", "past") == "2026-11-25T02:00:00+00:00"
    assert datetime_slot("last night at 11", "past") == "2026-11-24T23:00:00+00:00"
    assert datetime_slot("friday night at 1", "future") == "2026-11-28T01:00:00+00:00"


def test_time_grammar_a_part_of_the_day_with_its_day_is_one_phrase() -> None:
    assert datetime_slot("yesterday evening at 7", "past") == "2026-11-24T19:00:00+00:00"
    assert datetime_slot("tomorrow morning", "future") == "2026-11-26T09:00:00+00:00"
