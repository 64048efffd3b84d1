"""Points in time, absolute and relative: "since 10:30", "tomorrow at 2am", "in 2 hours".

Pieces (a day word, a weekday, a month date, a clock time, "in 2 hours", "20 minutes ago",
an ISO timestamp) are found first; pieces that touch ("tomorrow" + "at 2am") are read as
one phrase. A bare clock time is placed on the day the slot expects: the last such time
for a `when: past` slot ("since 23:00" at 01:00 is yesterday), the next one for `future`.
Phrases none of this reads are handed to dateparser as a last resort.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from agents.lexicon import MONTHS, WEEKDAY_NAMES
from agents.tickets.durations import DURATION_PHRASE, phrase_seconds
from agents.tickets.tracking.normalisers.base import (
    Candidate,
    ExtractContext,
    Findings,
    Refusal,
    first_or_refusal,
)
from agents.tickets.tracking.normalisers.chinese_time import chinese_phrases
from agents.tickets.tracking.normalisers.time_of_day import (
    PART_HOURS,
    Reading,
    after_midnight,
    hour_24,
)

When = Literal["past", "future", "any"]
_SLACK = timedelta(minutes=5)  # "since 10:00" said at 09:58 by a slightly fast clock is fine

_MONTHS = MONTHS
_WEEKDAYS = {name: day for day, name in enumerate(WEEKDAY_NAMES)}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"

_PIECES: list[tuple[str, str]] = [
    ("iso", r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
    ("ago", rf"(?:{DURATION_PHRASE.pattern})\s+ago"),
    ("in", rf"in\s+(?:{DURATION_PHRASE.pattern})"),
    ("now", r"right\s+now|just\s+now|now"),
    ("part", r"(?:this|tomorrow|yesterday|last)\s+(?:morning|afternoon|evening|night)"),
    ("day", r"the\s+day\s+after\s+tomorrow|the\s+day\s+before\s+yesterday|today|tonight|tomorrow|yesterday"),
    ("weekday", rf"(?:(?:next|last|this|coming|on)\s+)?(?:{'|'.join(_WEEKDAYS)})(?:\s+(?:morning|afternoon|evening|night))?"),
    ("mdate", rf"(?:\d{{1,2}}{_ORD}\s+(?:of\s+)?(?:{_MONTH})|(?:{_MONTH})\.?\s+\d{{1,2}}{_ORD})(?:,?\s+\d{{4}})?"),
    ("clock", r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:utc|gmt|z)\b)?|\d{1,2}\s*[ap]\.?m\.?(?:\s*(?:utc|gmt)\b)?|noon|midday|midnight"),
    ("athour", r"(?:at|@)\s*\d{1,2}(?![\d:.\w])"),
]  # fmt: skip
_PIECE = re.compile(
    "|".join(f"(?P<{name}>(?<![\\w:.-])(?:{rx})(?![\\w-]|:\\d))" for name, rx in _PIECES),
    re.IGNORECASE,
)
_GLUE = re.compile(r"^\s*(?:,|at|on|@|from|around|about|by|-)?\s*$", re.IGNORECASE)
_CLOCK = re.compile(
    r"(?:(?P<h>\d{1,2})(?::(?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?P<ampm>[ap])?\.?m?\.?|(?P<word>noon|midday|midnight))",
    re.IGNORECASE,
)


def _clock(text: str, part: str | None) -> time | None:
    t = text.lower().replace("utc", "").replace("gmt", "").replace("z", "").strip()
    t = re.sub(r"^(?:at|@)\s*", "", t)
    m = _CLOCK.fullmatch(t)
    if not m:
        return None
    if m.group("word"):
        return time(0, 0) if m.group("word") == "midnight" else time(12, 0)
    hour, minute, second = int(m.group("h")), int(m.group("m") or 0), int(m.group("s") or 0)
    hour = hour_24(hour, m.group("ampm"), part)  # "tonight at 11", "this evening at 7"
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _read(pieces: list[re.Match[str]], now: datetime) -> Reading:
    r = Reading()
    clock_text: str | None = None
    for m in pieces:
        kind, text = m.lastgroup or "", m.group(0).lower()
        if kind == "iso":
            try:
                parsed = datetime.fromisoformat(text.upper().replace(" ", "T"))
            except ValueError:
                continue
            if len(text) == 10:
                r.day = parsed.date()
            else:
                r.moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=now.tzinfo)
        elif kind in ("ago", "in"):
            phrase = DURATION_PHRASE.search(text)
            seconds = phrase_seconds(phrase.group(0)) if phrase else None
            if seconds:
                sign = -1 if kind == "ago" else 1
                r.moment = now + sign * timedelta(seconds=seconds)
        elif kind == "now":
            r.moment = now
        elif kind == "day":
            offsets = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
            offset = 2 if "after" in text else -2 if "before" in text else offsets[text]
            r.day = now.date() + timedelta(days=offset)
            if text == "tonight":
                r.part = "tonight"
        elif kind == "part":
            first, part = text.split()
            offset = {"tomorrow": 1, "yesterday": -1}.get(first, 0)
            if first == "last" and part == "night":
                offset = -1
            r.day = now.date() + timedelta(days=offset)
            r.part = part
        elif kind == "weekday":
            words = text.split()
            name = next(w for w in words if w in _WEEKDAYS)
            r.weekday = (
                _WEEKDAYS[name],
                words[0] if words[0] in ("next", "last", "coming") else "",
            )
            if words[-1] in PART_HOURS:
                r.part = words[-1]
        elif kind == "mdate":
            nums = [int(n) for n in re.findall(r"\d+", text)]
            month = next(_MONTHS[w] for w in re.findall(r"[a-z]+", text) if w in _MONTHS)
            r.month_day = (month, nums[0], nums[1] if len(nums) > 1 else None)
        elif kind in ("clock", "athour"):
            r.utc = r.utc or any(z in text for z in ("utc", "gmt")) or text.endswith("z")
            clock_text = text
    if clock_text is not None:
        r.clock = _clock(clock_text, r.part)  # after the loop: "at 11 tonight" is 23:00
    return r


def _resolve(r: Reading, now: datetime, when: When) -> datetime | None:
    """The instant a reading means, placed on the day the slot expects."""
    tz = UTC if r.utc else now.tzinfo
    local_now = now.astimezone(tz)
    if r.moment is not None:
        moment = r.moment
        if r.clock is not None and abs(moment - now) >= timedelta(days=1):
            moment = moment.replace(hour=r.clock.hour, minute=r.clock.minute, second=0)
        return moment
    clock = r.clock
    if clock is None and r.part is not None:
        clock = time(PART_HOURS[r.part], 0)
    # "last night at 2" is early this morning: the small hours of a night are its next day.
    night_after = timedelta(days=1 if clock and after_midnight(r.part, clock.hour) else 0)
    if r.weekday is not None:
        weekday, which = r.weekday
        ahead = (weekday - local_now.weekday()) % 7
        behind = (local_now.weekday() - weekday) % 7
        if which in ("next", "coming") or (not which and when == "future"):
            day = local_now.date() + timedelta(days=ahead or 7)
        else:
            day = local_now.date() - timedelta(days=behind or (7 if which == "last" else 0))
        return datetime.combine(day + night_after, clock or time(0, 0), tz)
    if r.month_day is not None:
        month, dom, year = r.month_day
        try:
            day = date(year or local_now.year, month, dom)
        except ValueError:
            return None
        if year is None and when == "past" and day > local_now.date():
            day = day.replace(year=day.year - 1)
        elif year is None and when == "future" and day < local_now.date():
            day = day.replace(year=day.year + 1)
        return datetime.combine(day, clock or time(0, 0), tz)
    if r.day is not None:
        if clock is None and r.day == local_now.date():
            return local_now.replace(second=0, microsecond=0)
        return datetime.combine(r.day + night_after, clock or time(0, 0), tz)
    if clock is not None:
        moment = datetime.combine(local_now.date(), clock, tz)
        if when == "past" and moment > local_now + _SLACK:
            moment -= timedelta(days=1)
        elif when == "future" and moment < local_now - _SLACK:
            moment += timedelta(days=1)
        return moment
    return None


def phrases(text: str) -> list[tuple[int, int, list[re.Match[str]]]]:
    """Runs of touching time pieces: (start, end, pieces)."""
    runs: list[tuple[int, int, list[re.Match[str]]]] = []
    for m in _PIECE.finditer(text):
        if runs and _GLUE.match(text[runs[-1][1] : m.start()]):
            start, _, pieces = runs[-1]
            runs[-1] = (start, m.end(), [*pieces, m])
        else:
            runs.append((m.start(), m.end(), [m]))
    return runs


def show(moment: datetime) -> str:
    """A short human form: "Wed 25 Nov 2026 09:40 +00:00"."""
    return moment.strftime("%a %d %b %Y %H:%M %z").replace(" +0000", " UTC")


class DatetimeExtractor:
    """Points in time for one slot, with its past/future expectation."""

    def __init__(self, when: When = "any") -> None:
        self.when = when

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        chinese = chinese_phrases(text, ctx.now)
        for start, end, pieces in phrases(text):
            if any(s <= start and end <= e for s, e, _ in chinese):
                continue  # "10:30" inside "今天上午10:30": the Chinese phrase says more
            only_now = all(p.lastgroup == "now" for p in pieces)
            moment = _resolve(_read(pieces, ctx.now), ctx.now, self.when)
            if moment is None:
                continue
            self._judge(found, moment, start, end, ctx.now, 0.5 if only_now else 1.0)
        english = [(c.start, c.end) for c in found.candidates] + [
            (r.start, r.end) for r in found.refusals
        ]
        for start, end, reading in chinese:
            if any(s <= start and end <= e for s, e in english):
                continue
            moment = _resolve(reading, ctx.now, self.when)
            if moment is not None:
                strength = 0.5 if reading.moment == ctx.now else 1.0
                self._judge(found, moment, start, end, ctx.now, strength)
        found.candidates.sort(key=lambda c: c.start)
        return found

    def _judge(
        self,
        found: Findings,
        moment: datetime,
        start: int,
        end: int,
        now: datetime,
        strength: float,
    ) -> None:
        if self.when == "past" and moment > now + _SLACK:
            found.refusals.append(
                Refusal(f"{show(moment)} is in the future; give a past time", start, end)
            )
        elif self.when == "future" and moment < now - _SLACK:
            found.refusals.append(
                Refusal(f"{show(moment)} is in the past; give a future time", start, end)
            )
        else:
            value = moment.replace(microsecond=0).isoformat()
            found.candidates.append(Candidate(value, start, end, strength))

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        found = self.find(text, ctx)
        if not found.candidates and not found.refusals:
            moment = _dateparser(text, ctx.now, self.when)
            if moment is not None:
                self._judge(found, moment, 0, len(text), ctx.now, 0.7)
        return first_or_refusal(
            found, text, "a date or time (like 10:30, yesterday 18:00 or in 2 hours)"
        )


def _dateparser(text: str, now: datetime, when: When) -> datetime | None:
    """dateparser's reading of a whole answer, for forms the pieces above do not cover."""
    import dateparser  # slow to load its language data: only when needed

    cleaned = re.sub(
        r"^\s*(?:since|from|at|on|starting|around|about)\s+", "", text.strip(), flags=re.I
    )
    prefer = {"past": "past", "future": "future", "any": "current_period"}[when]
    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "PREFER_DATES_FROM": prefer,
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return None if parsed is None else parsed.replace(tzinfo=now.tzinfo)
