"""Points in time said in Chinese: "今天下午3点", "昨天晚上十点", "半小时前", "周五晚上8点半".

Each phrase is read into the same `Reading` the English pieces give, so datetimes.py places
it on the clock by the same rules: a bare time on the day the slot expects, the small hours
of a night on its next day. Only phrases with a Chinese character count, so English text
reads exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from agents.tickets.durations import (
    CHINESE_DURATION,
    CHINESE_NUMBER,
    chinese_number,
    chinese_seconds,
)
from agents.tickets.tracking.normalisers.time_of_day import Reading, hour_24
from knowledge.sentences import has_han

_DAYS = {
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1,
    "后天": 2,
}  # fmt: skip
_DAYS_WITH_PART = {
    "昨晚": (-1, "night"), "昨夜": (-1, "night"), "今早": (0, "morning"), "今晚": (0, "night"),
    "明早": (1, "morning"), "明晚": (1, "night"),
}  # fmt: skip
# Parts of the day, named as time_of_day.py names them (which decides am/pm).
_PARTS = {
    "凌晨": "small hours", "半夜": "small hours", "清晨": "morning", "早上": "morning",
    "早晨": "morning", "上午": "morning", "中午": "noon", "下午": "afternoon",
    "傍晚": "evening", "晚间": "evening", "晚上": "night", "夜里": "night", "夜间": "night",
}  # fmt: skip
# Parts of the day that mostly describe a thing ("夜间任务", "晚间高峰"): a time only with a
# day or a clock ("昨天夜间", "晚间8点").
_ATTRIBUTIVE_PARTS = frozenset({"夜间", "晚间"})
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WHICH_WEEK = {"上": "last", "下": "next"}


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NUM = CHINESE_NUMBER
_PHRASE = re.compile(
    rf"(?P<rel>(?:{CHINESE_DURATION.pattern})\s*(?:之|以)?(?P<dir>[前后]))"
    rf"|(?P<now>刚才|刚刚|现在)"
    rf"|(?:(?P<day>{_alternatives(_DAYS)})|(?P<daypart>{_alternatives(_DAYS_WITH_PART)})"
    rf"|(?P<week>(?P<which>[上下这本])?个?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天]))"
    rf"|(?P<md>(?P<mon>{_NUM})月(?P<dom>{_NUM})[日号]))?"
    rf"\s*(?P<part>{_alternatives(_PARTS)})?\s*"
    rf"(?P<clock>(?P<h>{_NUM})\s*[点點时](?:\s*(?P<quarter>一刻|三刻)|\s*(?P<halfpast>半)"
    rf"|\s*(?P<m>{_NUM})\s*分?)?钟?|(?P<hh>\d{{1,2}})[:：](?P<mm>\d{{2}}))?"
)


def chinese_phrases(text: str, now: datetime) -> list[tuple[int, int, Reading]]:
    """(start, end, reading) of every Chinese time phrase in `text`."""
    if not has_han(text):
        return []  # English turns skip the phrase scan (it tries every position)
    out: list[tuple[int, int, Reading]] = []
    for m in _PHRASE.finditer(text):
        said = m.group(0)
        if not said.strip() or not has_han(said):
            continue
        reading = _read(m, now)
        if reading is not None:
            start = m.start() + len(said) - len(said.lstrip())
            out.append((start, m.start() + len(said.rstrip()), reading))
    return out


def _read(m: re.Match[str], now: datetime) -> Reading | None:
    r = Reading()
    if m.group("rel"):
        seconds = chinese_seconds(m)
        if seconds is None:
            return None
        r.moment = now + timedelta(seconds=seconds if m.group("dir") == "后" else -seconds)
        return r
    if m.group("now"):
        r.moment = now
        return r
    if m.group("day"):
        r.day = now.date() + timedelta(days=_DAYS[m.group("day")])
    elif m.group("daypart"):
        offset, r.part = _DAYS_WITH_PART[m.group("daypart")]
        r.day = now.date() + timedelta(days=offset)
    elif m.group("week"):
        r.weekday = (_WEEKDAYS[m.group("wd")], _WHICH_WEEK.get(m.group("which") or "", ""))
    elif m.group("md"):
        month, dom = chinese_number(m.group("mon")), chinese_number(m.group("dom"))
        if month is None or dom is None:
            return None
        r.month_day = (int(month), int(dom), None)
    if m.group("part"):
        if m.group("part") in _ATTRIBUTIVE_PARTS and r == Reading() and not m.group("clock"):
            return None  # "夜间任务" is a nightly job, not a time
        r.part = _PARTS[m.group("part")]
    if m.group("clock"):
        r.clock = _clock(m, r.part)
        if r.clock is None:
            return None
    return r


def _clock(m: re.Match[str], part: str | None) -> time | None:
    if m.group("hh"):
        hour, minute = int(m.group("hh")), int(m.group("mm"))
    else:
        said = chinese_number(m.group("h"))
        if said is None:
            return None
        hour = int(said)
        minute = 30 if m.group("halfpast") else 0
        if m.group("quarter"):
            minute = 15 if m.group("quarter") == "一刻" else 45
        elif m.group("m"):
            minutes = chinese_number(m.group("m"))
            if minutes is None:
                return None
            minute = int(minutes)
    if part == "night" and hour == 12:
        hour = 0  # "晚上12点" is midnight (its next day, like any small hour of a night)
    elif part == "noon" and hour >= 10:
        part = None  # "中午11点" is before noon, "中午1点" after
    hour = hour_24(hour, None, part)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
