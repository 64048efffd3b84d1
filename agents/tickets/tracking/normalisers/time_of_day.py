"""The one time-of-day grammar: hour words, parts of the day and the 24-hour rule.

Every slot that reads a clock time (`time` in dates.py, `datetime` in datetimes.py) turns
"7 in the evening", "tonight at 11", "2 at night" or "12 am" into a 24-hour hour here, so
the two readers cannot disagree about what a part of the day means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

HOUR_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

# The hour a part of the day stands for when no clock time is said ("yesterday evening").
PART_HOURS = {
    "small hours": 3, "morning": 9, "noon": 12, "afternoon": 15, "evening": 19, "night": 22,
    "tonight": 21,
}  # fmt: skip
PARTS_OF_DAY = "morning|afternoon|evening|night|noon"

_AFTER_NOON = frozenset({"afternoon", "evening", "night", "tonight", "noon"})
_SMALL_HOURS = frozenset({"night", "tonight"})
# "2 at night" is 02:00, "11 at night" 23:00: before this hour a night time is after midnight.
_NIGHT_ENDS = 5


@dataclass
class Reading:
    """What one time phrase said (in any language), before it is placed on the clock."""

    day: date | None = None
    clock: time | None = None
    moment: datetime | None = None  # an exact instant (ISO, "in 2 h", "ago", "now")
    weekday: tuple[int, str] | None = None  # (0=Monday, "next"/"last"/"")
    part: str | None = None  # "evening", "tonight": the hour if none is said, and am/pm
    month_day: tuple[int, int, int | None] | None = None  # (month, day, year)
    utc: bool = False


def hour_24(hour: int, ampm: str | None = None, part: str | None = None) -> int:
    """`hour` as said with "am"/"pm" (or "a"/"p") or with a part of the day, on a 24-hour clock.

    An hour above 12 is already on a 24-hour clock and is kept as it is.
    """
    if hour > 12:
        return hour
    if ampm:
        return hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    if part in _AFTER_NOON and hour < 12:
        return hour if part in _SMALL_HOURS and hour < _NIGHT_ENDS else hour + 12
    return hour


def after_midnight(part: str | None, hour: int) -> bool:
    """Whether `hour` of the night `part` names is on the next calendar day ("Friday night at 1")."""
    return part in _SMALL_HOURS and hour < _NIGHT_ENDS


def hour_value(token: str) -> int | None:
    """An hour said as digits ("7") or as a word ("seven")."""
    token = token.lower()
    return int(token) if token.isdigit() else HOUR_WORDS.get(token)
