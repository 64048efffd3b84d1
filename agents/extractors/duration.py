"""Lengths of time: "2h", "90 minutes", "a week", "1h30m", "an hour and a half", "PT45M".

Stored as ISO 8601 durations (weeks as days: "a week" is "P7D"), compared as seconds.
"""

from __future__ import annotations

import re
from datetime import datetime

from agents.extractors.base import Candidate, ExtractContext, Findings, Refusal, first_or_refusal
from agents.extractors.numbers import NUMBER_WORDS, number_value

_UNITS: dict[str, int] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1),
    (("m", "min", "mins", "minute", "minutes"), 60),
    (("h", "hr", "hrs", "hour", "hours"), 3600),
    (("d", "day", "days"), 86400),
    (("w", "wk", "wks", "week", "weeks"), 7 * 86400),
    (("fortnight", "fortnights"), 14 * 86400),
    (("month", "months"), 30 * 86400),
):
    _UNITS.update(dict.fromkeys(_names, _seconds))
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_QUANTITY = rf"\d+(?:\.\d+)?|(?:{NUMBER_WORDS}|a\s+couple\s+of|a\s+few|half\s+an?|an?)\b"
_PART = rf"(?:{_QUANTITY})\s*(?:{_UNIT})(?![a-z])(?:\s+and\s+a\s+half)?"
# Parts joined by spaces or "and": "1 hour and 30 minutes", "1h30m". Not by a comma: "in 1
# hour, 20m window" lists two values.
DURATION_PHRASE = re.compile(
    rf"(?<![\w.-])(?:{_PART})(?:\s*(?:and)?\s*(?:{_PART}))*", re.IGNORECASE
)
_ONE_PART = re.compile(
    rf"(?P<q>{_QUANTITY})\s*(?P<u>{_UNIT})(?![a-z])(?P<half>\s+and\s+a\s+half)?", re.IGNORECASE
)
_ISO = re.compile(
    r"(?<![\w-])P(?=\d|T\d)(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?(?![\w-])",
    re.IGNORECASE,
)
_UNTIL = re.compile(r"^\s*(?:until|till|til|through|up\s+to)\s+(.+)$", re.IGNORECASE)
_BEFORE_FOR = re.compile(r"\b(?:for|lasting|takes?|about|around|of)\s*$", re.IGNORECASE)
_BEFORE_IN = re.compile(r"\b(?:in|within)\s*$", re.IGNORECASE)
_AFTER_AGO = re.compile(r"^\s*(?:ago|back|before|earlier)\b", re.IGNORECASE)


def _quantity(text: str) -> float | None:
    q = " ".join(text.lower().split())
    fixed = {"a": 1.0, "an": 1.0, "a couple of": 2.0, "a few": 3.0, "half a": 0.5, "half an": 0.5}
    return fixed.get(q, number_value(q))


def phrase_seconds(phrase: str) -> int | None:
    """Seconds in a phrase DURATION_PHRASE matched, or None."""
    total = 0.0
    for m in _ONE_PART.finditer(phrase):
        quantity = _quantity(m.group("q"))
        if quantity is None:
            return None
        unit = _UNITS[m.group("u").lower()]
        total += (quantity + (0.5 if m.group("half") else 0.0)) * unit
    return round(total) if total > 0 else None


def _iso_seconds(m: re.Match[str]) -> int | None:
    parts = {k: int(v) for k, v in m.groupdict().items() if v}
    if not parts:
        return None
    return (
        parts.get("w", 0) * 7 * 86400
        + parts.get("d", 0) * 86400
        + parts.get("h", 0) * 3600
        + parts.get("m", 0) * 60
        + parts.get("s", 0)
    )


def parse_duration(text: str) -> int | None:
    """Seconds in a text that is only a duration ("PT45M", "for 2 days"), else None."""
    stripped = text.strip().removeprefix("for ").strip()
    iso = _ISO.fullmatch(stripped)
    if iso:
        return _iso_seconds(iso)
    phrase = DURATION_PHRASE.fullmatch(stripped)
    return phrase_seconds(phrase.group(0)) if phrase else None


def iso_duration(seconds: int) -> str:
    """ISO 8601 for a number of seconds: 2700 -> "PT45M", 604800 -> "P7D"."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    out = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return out if out != "P" else "PT0S"


def describe_duration(seconds: int) -> str:
    """Words for a duration: 5400 -> "1 h 30 min"."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = ((days, "d"), (hours, "h"), (minutes, "min"), (secs, "s"))
    return " ".join(f"{n} {u}" for n, u in units if n) or "0 s"


class DurationExtractor:
    """Durations, with an optional longest allowed."""

    def __init__(self, longest: str | None = None) -> None:
        self.longest = parse_duration(longest) if longest else None

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        spans: list[tuple[int, int, int]] = []
        for m in _ISO.finditer(text):
            seconds = _iso_seconds(m)
            if seconds:
                spans.append((m.start(), m.end(), seconds))
        for m in DURATION_PHRASE.finditer(text):
            seconds = phrase_seconds(m.group(0))
            if seconds and not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), seconds))
        for start, end, seconds in spans:
            if _AFTER_AGO.match(text[end:]):
                continue  # "20 minutes ago" is a point in time
            before = text[:start]
            # "in 2 hours" is usually when, not how long; "for 2 hours" surely how long.
            strength = (
                0.4 if _BEFORE_IN.search(before) else 1.0 if _BEFORE_FOR.search(before) else 0.9
            )
            if self.longest is not None and seconds > self.longest:
                found.refusals.append(
                    Refusal(
                        f"{text[start:end]} is longer than the {describe_duration(self.longest)} allowed",
                        start,
                        end,
                    )
                )
                continue
            found.candidates.append(Candidate(iso_duration(seconds), start, end, strength))
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        found = self.find(text, ctx)
        until = _UNTIL.match(text)
        if not found.candidates and not found.refusals and until:
            self._until(found, text, until, ctx)
        return first_or_refusal(found, text, "a length of time (like 30 minutes, 2h or a week)")

    def _until(self, found: Findings, text: str, until: re.Match[str], ctx: ExtractContext) -> None:
        """ "until friday": the time from now to then."""
        from agents.extractors.datetimes import DatetimeExtractor  # datetimes imports us

        end = DatetimeExtractor("future").read(until.group(1), ctx)
        if isinstance(end, Refusal):
            found.refusals.append(Refusal(end.reason, 0, len(text)))
            return
        seconds = int((datetime.fromisoformat(str(end.value)) - ctx.now).total_seconds())
        if seconds <= 0:
            return
        if self.longest is not None and seconds > self.longest:
            reason = f"that is longer than the {describe_duration(self.longest)} allowed"
            found.refusals.append(Refusal(reason, 0, len(text)))
            return
        found.candidates.append(Candidate(iso_duration(seconds), 0, len(text), 0.8))
