"""The duration grammar: "2h", "90 minutes", "a week", "1h30m", "an hour and a half", "PT45M".

Pure text -> seconds and back, with no extractor state, so that templates (a slot's longest
allowed duration), the ticket view and the duration normaliser all read durations alike.
Stored as ISO 8601 durations (weeks as days: "a week" is "P7D"), compared as seconds.
"""

from __future__ import annotations

import re

from agents.lexicon import NUMBER_WORDS, number_value

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
ISO_DURATION = re.compile(
    r"(?<![\w-])P(?=\d|T\d)(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?(?![\w-])",
    re.IGNORECASE,
)


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


def iso_seconds(m: re.Match[str]) -> int | None:
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
    iso = ISO_DURATION.fullmatch(stripped)
    if iso:
        return iso_seconds(iso)
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
