"""Times and durations said in Chinese, read as a service-desk agent would record them."""

from __future__ import annotations

import pytest

from agents.tickets.durations import parse_duration
from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext
from agents.tickets.tracking.normalisers.datetimes import DatetimeExtractor
from agents.tickets.tracking.normalisers.duration import DurationExtractor
from tests.support.clock import NOW  # Wednesday 2026-11-25 10:00 UTC

CTX = ExtractContext(now=NOW)


def moment(text: str, when: str = "any") -> str:
    found = DatetimeExtractor(when).read(text, CTX)  # type: ignore[arg-type]
    assert isinstance(found, Candidate), found
    return str(found.value)


@pytest.mark.parametrize(
    ("text", "when", "expected"),
    [
        ("今天下午3点", "future", "2026-11-25T15:00:00+00:00"),
        ("昨天晚上十点", "past", "2026-11-24T22:00:00+00:00"),
        ("半小时前", "past", "2026-11-25T09:30:00+00:00"),
        ("两个小时后", "future", "2026-11-25T12:00:00+00:00"),
        ("昨晚11点半", "past", "2026-11-24T23:30:00+00:00"),
        ("今天凌晨2点", "past", "2026-11-25T02:00:00+00:00"),
        ("今天早上9点一刻", "past", "2026-11-25T09:15:00+00:00"),
        ("上周五下午", "past", "2026-11-20T15:00:00+00:00"),
        ("明天上午10:30", "future", "2026-11-26T10:30:00+00:00"),
        ("8点20分", "past", "2026-11-25T08:20:00+00:00"),
    ],
)
def test_chinese_time_points_in_time(text: str, when: str, expected: str) -> None:
    assert moment(text, when) == expected


def test_chinese_time_is_found_inside_a_sentence() -> None:
    text = "payment-api 从今天早上 9:40 开始一直报 502，P2"
    found = DatetimeExtractor("past").find(text, CTX)
    assert [c.value for c in found.candidates] == ["2026-11-25T09:40:00+00:00"]
    assert text[found.candidates[0].start : found.candidates[0].end] == "今天早上 9:40"


def test_chinese_time_a_future_time_for_a_past_slot_is_refused() -> None:
    found = DatetimeExtractor("past").read("今天下午3点", CTX)
    assert not isinstance(found, Candidate)
    assert "future" in found.reason


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("两个小时", 7200),
        ("半小时", 1800),
        ("一个半小时", 5400),
        ("30分钟", 1800),
        ("三天", 259200),
    ],
)
def test_chinese_time_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_chinese_time_a_point_in_time_is_not_a_duration() -> None:
    extractor = DurationExtractor()
    assert [c.value for c in extractor.find("持续了两个小时", CTX).candidates] == ["PT2H"]
    assert extractor.find("半小时前开始的", CTX).candidates == []
    assert extractor.find("10点30分开始", CTX).candidates == []  # the minutes of a clock time


@pytest.mark.parametrize("text", ["etl-pipeline 的夜间任务没跑完", "晚间高峰的时候接口变慢"])
def test_chinese_time_a_nightly_job_is_no_point_in_time(text: str) -> None:
    found = DatetimeExtractor("past").read(text, CTX)
    assert not isinstance(found, Candidate), found


def test_chinese_time_a_night_part_with_a_day_is_still_a_time() -> None:
    assert moment("昨天夜间十一点", "past") == "2026-11-24T23:00:00+00:00"
