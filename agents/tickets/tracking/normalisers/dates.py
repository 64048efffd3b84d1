"""Calendar dates and clock times, apart: "the 6th", "Monday next week", "half past 11 in the morning".

For `date` and `time` slots (a `datetime` slot reads both at once, in datetimes.py):
"March 5th at 6 pm" is a date ("2019-03-05") and a time ("18:00"), each with its own
span. Dates resolve against the clock to the next such day; times are 24-hour "HH:MM".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from agents.lexicon import MONTHS, WEEKDAYS
from agents.tickets.tracking.normalisers.base import (
    Candidate,
    ExtractContext,
    Findings,
    Refusal,
    first_or_refusal,
)
from agents.tickets.tracking.normalisers.time_of_day import (
    HOUR_WORDS,
    PARTS_OF_DAY,
    hour_24,
    hour_value,
)

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])"
_ORD = r"(?:st|nd|rd|th)"
_DAY_ORD = rf"(?:{_DAYNUM}{_ORD}|{'|'.join(_ORDINAL_WORDS)})"
_PART = PARTS_OF_DAY

_DATE_RX = re.compile(
    "|".join(
        f"(?P<{name}>{rx})"
        for name, rx in (
            ("iso", r"\d{4}-\d{2}-\d{2}"),
            ("md", rf"(?:{_MONTH})\.?\s+{_DAYNUM}{_ORD}?(?:,?\s+\d{{4}})?"),
            ("dm", rf"(?:the\s+)?{_DAYNUM}{_ORD}?\s+(?:of\s+)?(?:{_MONTH})(?:,?\s+\d{{4}})?"),
            ("dthis", rf"(?:the\s+)?{_DAY_ORD}\s+of\s+(?:this|the|next)\s+month"),
            ("wnext", rf"(?:{_WEEKDAY})\s+(?:of\s+)?(?:next|this|the\s+following)\s+week"),
            (
                "nextw",
                rf"(?:(?:next|this|coming|this\s+coming|the\s+coming|following)\s+)(?:{_WEEKDAY})",
            ),
            ("rel", r"(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|yesterday"),
            ("dord", rf"the\s+{_DAY_ORD}"),
            ("wd", rf"(?:{_WEEKDAY})"),
        )
    ),
    re.IGNORECASE,
)

_CLOCK = r"(?:[01]?\d|2[0-3])(?::[0-5]\d)"
_HOUR = rf"(?:1[0-2]|0?[1-9]|{'|'.join(HOUR_WORDS)})"
_AMPM = r"(?:[ap]\.?\s?m(?:\.(?=[a-z\d]))?)(?![a-z])"
_OCLOCK = r"o['\"’]?\s?clock"
_SUFFIX = rf"(?:\s+(?:in\s+the\s+|at\s+)(?:{_PART}))"
_TIME_RX = re.compile(
    rf"(?:(?P<prefix>{_PART})\s+)?"
    rf"(?P<core>"
    rf"(?P<half>(?:half|quarter)\s+(?:past|to|after)\s+{_HOUR})"
    rf"|(?P<clock>{_CLOCK})"
    rf"|(?P<hour>{_HOUR})(?=\s*(?:{_AMPM}|{_OCLOCK}|{_SUFFIX}))"
    rf"|(?P<named>noon|midnight|midday)"
    rf")"
    rf"(?:\s*(?P<ampm>{_AMPM}))?(?:\s*{_OCLOCK})?(?P<suffix>{_SUFFIX})?",
    re.IGNORECASE,
)
# A bare hour after a part of day ("afternoon 12") or "at" ("at 8") is a time too.
_PREFIXED_HOUR = re.compile(rf"(?P<prefix>{_PART})\s+(?P<hour>{_HOUR})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """A date ("2019-03-06") or time ("11:30") and the characters it was read from."""

    value: str
    start: int
    end: int


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def find_dates(text: str, today: date) -> list[Found]:
    """Every calendar date said in `text`, resolved against `today` (the next such day)."""
    out: list[Found] = []
    for m in _DATE_RX.finditer(text):
        if not _bounded(text, m.start(), m.end()):
            continue
        kind = m.lastgroup or ""
        day = _resolve(kind, m.group(0).lower(), today)
        if day is None:
            continue
        start = m.start()
        said = m.group(0)
        # "the 4th of this month" is said "4th of this month"; "the 6th" keeps its "the".
        if kind != "dord" and said.lower().startswith("the "):
            start += len(said) - len(said[4:].lstrip())
        out.append(Found(day.isoformat(), start, m.end()))
    return out


def _ordinal(words: str) -> int | None:
    m = re.search(rf"(\d+){_ORD}?", words)
    if m:
        return int(m.group(1))
    for word, n in _ORDINAL_WORDS.items():
        if re.search(rf"\b{word}\b", words):
            return n
    return None


def _month_of(words: str) -> int | None:
    for word in re.findall(r"[a-z]+", words):
        if word in MONTHS:
            return MONTHS[word]
    return None


def _weekday_of(words: str) -> int | None:
    for word in re.findall(r"[a-z]+", words):
        if word in WEEKDAYS:
            return WEEKDAYS[word]
    return None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(kind: str, words: str, today: date) -> date | None:
    if kind == "iso":
        try:
            return date.fromisoformat(words)
        except ValueError:
            return None
    if kind in ("md", "dm"):
        month, day = _month_of(words), _ordinal(re.sub(r"\d{4}", "", words))
        year_m = re.search(r"\d{4}", words)
        if month is None or day is None:
            return None
        year = int(year_m.group(0)) if year_m else today.year
        found = _safe(year, month, day)
        if found is not None and year_m is None and found < today - timedelta(days=180):
            found = _safe(year + 1, month, day)
        return found
    if kind in ("dthis", "dord"):
        day = _ordinal(words)
        if day is None:
            return None
        month, year = today.month, today.year
        if "next month" in words or (kind == "dord" and day < today.day):
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        return _safe(year, month, day)
    if kind == "rel":
        if "after" in words:
            return today + timedelta(days=2)
        offset = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
        return today + timedelta(days=next(v for k, v in offset.items() if k in words))
    weekday = _weekday_of(words)
    if weekday is None:
        return None
    ahead = (weekday - today.weekday()) % 7
    if kind in ("wnext", "nextw") and "next" in words:
        # "next Tuesday" / "Tuesday next week": the one in the coming calendar week.
        monday_next = today + timedelta(days=7 - today.weekday())
        return monday_next + timedelta(days=weekday)
    return today + timedelta(days=ahead)


def find_times(text: str) -> list[Found]:
    """Every clock time said in `text`, as 24-hour "HH:MM"."""
    out: list[Found] = []
    for m in _TIME_RX.finditer(text):
        if not _bounded(text, m.start(), m.end()):
            continue
        value = _clock_value(m)
        if value is not None:
            out.append(Found(value, m.start(), m.end()))
    for m in _PREFIXED_HOUR.finditer(text):
        if any(f.start <= m.start() < f.end for f in out) or not _bounded(text, m.start(), m.end()):
            continue
        hour = hour_value(m.group("hour"))
        if hour is not None:
            out.append(
                Found(_fmt(_shift(hour, 0, None, m.group("prefix").lower())), m.start(), m.end())
            )
    return sorted(out, key=lambda f: f.start)


def _shift(hour: int, minute: int, ampm: str | None, part: str | None) -> tuple[int, int]:
    return hour_24(hour, ampm, part), minute


def _fmt(hm: tuple[int, int]) -> str:
    return f"{hm[0] % 24:02d}:{hm[1]:02d}"


def _clock_value(m: re.Match[str]) -> str | None:
    part = (m.group("prefix") or "").lower() or None
    if m.group("suffix"):
        part = m.group("suffix").split()[-1].lower()
    ampm = m.group("ampm")
    if m.group("named"):
        return "00:00" if m.group("named").lower() == "midnight" else "12:00"
    if m.group("clock"):
        h, mi = (int(x) for x in m.group("clock").split(":"))
        if h > 12 and ampm:
            return None
        return _fmt(_shift(h, mi, ampm, part) if h <= 12 else (h, mi))
    if m.group("half"):
        words = m.group("half").lower().split()
        hour = hour_value(words[-1])
        if hour is None:
            return None
        minutes = 30 if words[0] == "half" else 15
        if words[1] == "to":
            hour, minutes = (hour - 1) % 12 or 12, 60 - minutes
        return _fmt(_shift(hour, minutes, ampm, part))
    hour = hour_value(m.group("hour"))
    if hour is None:
        return None
    return _fmt(_shift(hour, 0, ampm, part))


# A weekday alone or "the 6th" is less surely a date slot's value than "March 6th".
_WEAK_DATE = re.compile(rf"^(?:the\s+{_DAY_ORD}|(?:{_WEEKDAY}))$", re.IGNORECASE)


class DateExtractor:
    """Calendar days, absolute or relative, as ISO dates."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        for f in find_dates(text, ctx.now.date()):
            strength = 0.9 if _WEAK_DATE.match(text[f.start : f.end]) else 1.0
            found.candidates.append(Candidate(f.value, f.start, f.end, strength))
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        return first_or_refusal(self.find(text, ctx), text, "a date")


class TimeExtractor:
    """Times of day as 24-hour "HH:MM"."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        for f in find_times(text):
            found.candidates.append(Candidate(f.value, f.start, f.end, 1.0))
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        found = self.find(text, ctx)
        if not found.candidates:
            # An answer to "what time?" may be a bare hour: "6", "at 7".
            m = re.fullmatch(rf"\W*(?:at\s+|around\s+|about\s+)?({_HOUR})\W*", text, re.IGNORECASE)
            hour = hour_value(m.group(1)) if m else None
            if m and hour is not None:
                return Candidate(_fmt((hour, 0)), m.start(1), m.end(1), 0.7)
        return first_or_refusal(found, text, "a time of day")
