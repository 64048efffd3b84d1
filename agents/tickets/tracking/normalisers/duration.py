"""The duration normaliser: lengths of time found in a turn, read by agents.tickets.durations."""

from __future__ import annotations

import re
from datetime import datetime

from agents.tickets.durations import (
    CHINESE_DURATION,
    DURATION_PHRASE,
    ISO_DURATION,
    chinese_seconds,
    describe_duration,
    iso_duration,
    iso_seconds,
    parse_duration,
    phrase_seconds,
)
from agents.tickets.tracking.normalisers.base import (
    Candidate,
    ExtractContext,
    Findings,
    Refusal,
    first_or_refusal,
)
from agents.tickets.tracking.normalisers.datetimes import DatetimeExtractor

_UNTIL = re.compile(r"^\s*(?:until|till|til|through|up\s+to)\s+(.+)$", re.IGNORECASE)
_BEFORE_FOR = re.compile(r"\b(?:for|lasting|takes?|about|around|of)\s*$", re.IGNORECASE)
_BEFORE_IN = re.compile(r"\b(?:in|within)\s*$", re.IGNORECASE)
# "20 minutes ago", "半小时前", "两小时以后" are points in time, not lengths.
_AFTER_AGO = re.compile(r"^\s*(?:(?:ago|back|before|earlier)\b|(?:之|以)?[前后])", re.IGNORECASE)
_CLOCK_BEFORE = re.compile(r"[点點时]\s*$")  # "10点30分": minutes of a clock time


class DurationExtractor:
    """Durations, with an optional longest allowed."""

    def __init__(self, longest: str | None = None) -> None:
        self.longest = parse_duration(longest) if longest else None

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        spans: list[tuple[int, int, int]] = []
        for m in ISO_DURATION.finditer(text):
            seconds = iso_seconds(m)
            if seconds:
                spans.append((m.start(), m.end(), seconds))
        for m in DURATION_PHRASE.finditer(text):
            seconds = phrase_seconds(m.group(0))
            if seconds and not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), seconds))
        for m in CHINESE_DURATION.finditer(text):
            seconds = chinese_seconds(m)
            if _CLOCK_BEFORE.search(text[: m.start()]):
                continue
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
