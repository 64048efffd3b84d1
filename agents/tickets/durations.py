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


# Chinese: "两个小时", "半小时", "一个半小时", "30分钟", "三天". A number, an optional measure
# word 个, an optional 半 (and a half), the unit.
_CHINESE_UNITS = {
    "秒钟": 1, "秒": 1, "分钟": 60, "分": 60, "小时": 3600, "钟头": 3600, "天": 86400,
    "日": 86400, "周": 7 * 86400, "星期": 7 * 86400, "礼拜": 7 * 86400, "个月": 30 * 86400,
}  # fmt: skip
CHINESE_NUMBER = r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+"
CHINESE_DURATION = re.compile(
    rf"(?P<q>{CHINESE_NUMBER})?\s*个?\s*(?P<half>半)?\s*"
    rf"(?P<u>{'|'.join(sorted(_CHINESE_UNITS, key=len, reverse=True))})(?P<more>半)?"
)
_CHINESE_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9,
}  # fmt: skip


def chinese_number(text: str) -> float | None:
    """ "23", "二十三", "十", "两", "一百二十" as a number; None for anything else."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, digit = 0, None
    for char in text:
        if char in _CHINESE_DIGITS:
            if digit is not None:
                return None  # "二三" is not a number
            digit = _CHINESE_DIGITS[char]
        elif char in "十百":
            total += (1 if digit is None else digit) * (10 if char == "十" else 100)
            digit = None
        else:
            return None
    return float(total + (digit or 0)) if text else None


def chinese_seconds(m: re.Match[str]) -> int | None:
    """Seconds in a CHINESE_DURATION match: "一个半小时" -> 5400; "半" alone counts 0.5."""
    said = m.group("q")
    quantity = chinese_number(said) if said else (0.0 if m.group("half") else None)
    if quantity is None:
        return None
    half = 0.5 if m.group("half") or m.group("more") else 0.0
    seconds = round((quantity + half) * _CHINESE_UNITS[m.group("u")])
    return seconds or None


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
    if phrase:
        return phrase_seconds(phrase.group(0))
    chinese = CHINESE_DURATION.fullmatch(stripped)
    return chinese_seconds(chinese) if chinese else None


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
