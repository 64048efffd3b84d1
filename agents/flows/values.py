"""Comparing a flow's expected slot values with the tracker's, after normalisation.

Case and spacing never matter; enum synonyms count as their value; datetimes compare as
instants (a naive one is read in the flow clock's zone, a phrase like "tomorrow at 2am"
against the flow clock); durations as lengths ("PT45M" == "45 minutes"); numbers as numbers.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from agents.tickets import SlotSpec, parse_duration
from agents.tickets.tracking.normalisers import (
    Candidate,
    DatetimeExtractor,
    EnumExtractor,
    ExtractContext,
)


def normalise(spec: SlotSpec, value: Any, now: datetime) -> object:
    """A comparable form of `value` for this slot; unreadable values compare as text."""
    if value is None:
        return None
    if spec.type == "datetime":
        return _instant(value, now)
    if spec.type == "duration":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
        seconds = parse_duration(str(value))
        return seconds if seconds is not None else _text(value)
    if spec.type in ("int", "float") and isinstance(value, int | float | str):
        try:
            return float(value)
        except ValueError:
            return _text(value)
    if spec.type == "bool" and isinstance(value, bool):
        return value
    if spec.type == "enum" and spec.values:
        said = str(value).strip()
        found = EnumExtractor(spec.values).find(said, ExtractContext(now=now))
        whole = [c for c in found.candidates if c.end - c.start == len(said)]
        if whole:
            return _text(whole[0].value)
    return _text(value)


def same(spec: SlotSpec, expected: Any, actual: Any, now: datetime) -> bool:
    """Whether two values of a slot mean the same."""
    return normalise(spec, expected, now) == normalise(spec, actual, now)


def _instant(value: Any, now: datetime) -> object:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            read = DatetimeExtractor("any").read(str(value), ExtractContext(now=now))
            if not isinstance(read, Candidate):
                return _text(value)
            moment = datetime.fromisoformat(str(read.value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return moment.timestamp()


def _text(value: Any) -> str:
    return " ".join(str(value).split()).casefold()
