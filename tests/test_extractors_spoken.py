"""Dates and times said apart ("the 6th", "half past 11 in the morning") and names in sentences."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Refusal
from agents.tickets.tracking.normalisers.dates import (
    DateExtractor,
    TimeExtractor,
    find_dates,
    find_times,
)
from agents.tickets.tracking.normalisers.names import NameExtractor, find_names

TODAY = date(2019, 3, 1)  # a Friday
CTX = ExtractContext(now=datetime(2019, 3, 1, 9, 0, tzinfo=UTC))


def _dates(text: str) -> list[tuple[str, str]]:
    return [(text[f.start : f.end], f.value) for f in find_dates(text, TODAY)]


def _times(text: str) -> list[tuple[str, str]]:
    return [(text[f.start : f.end], f.value) for f in find_times(text)]


@pytest.mark.parametrize(
    ("text", "said", "value"),
    [
        ("I'm leaving from Seattle on the 6th.", "the 6th", "2019-03-06"),
        ("departing on the 3rd of March", "3rd of March", "2019-03-03"),
        ("on the 4th of this month", "4th of this month", "2019-03-04"),
        ("let's say March 14th", "March 14th", "2019-03-14"),
        ("next Tuesday works", "next Tuesday", "2019-03-05"),
        ("Thursday next week", "Thursday next week", "2019-03-07"),
        ("the day after tomorrow", "day after tomorrow", "2019-03-03"),
        ("a table for today", "today", "2019-03-01"),
    ],
)
def test_extractors_spoken_dates_keep_the_words_said(text: str, said: str, value: str) -> None:
    assert _dates(text) == [(said, value)]


@pytest.mark.parametrize(
    ("text", "said", "value"),
    [
        ("for 2 people at half past 11 in the morning.", "half past 11 in the morning", "11:30"),
        ("quarter past 5 in the evening", "quarter past 5 in the evening", "17:15"),
        ("make it 8 in the night", "8 in the night", "20:00"),
        ("try for afternoon 12:45", "afternoon 12:45", "12:45"),
        ("at evening 5:30 please", "evening 5:30", "17:30"),
        ("Make it at two pm.", "two pm", "14:00"),
        ("a table at 18:30", "18:30", "18:30"),
        ("one in the afternoon", "one in the afternoon", "13:00"),
    ],
)
def test_extractors_spoken_times_keep_the_words_said(text: str, said: str, value: str) -> None:
    assert _times(text) == [(said, value)]


def test_extractors_spoken_date_and_time_are_two_findings() -> None:
    text = "March 5th at 6 pm"
    assert _dates(text) == [("March 5th", "2019-03-05")]
    assert _times(text) == [("6 pm", "18:00")]


def test_extractors_spoken_counts_are_neither_dates_nor_times() -> None:
    text = "I need 2 rooms for 4 nights, 3 stars"
    assert _dates(text) == [] and _times(text) == []


def test_extractors_spoken_weekday_alone_is_a_weaker_date() -> None:
    (weekday,) = DateExtractor().find("on Monday", CTX).candidates
    (full,) = DateExtractor().find("on March 4th", CTX).candidates
    assert weekday.strength < full.strength


def test_extractors_spoken_time_answer_may_be_a_bare_hour() -> None:
    read = TimeExtractor().read("at 7", CTX)
    assert isinstance(read, Candidate) and read.value == "07:00"
    assert isinstance(TimeExtractor().read("whenever", CTX), Refusal)


def _names(text: str) -> list[str]:
    return [text[n.start : n.end] for n in find_names(text)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Please find restaurants in San Jose. Can you try Sino?", ["San Jose", "Sino"]),
        ("I would like to book at table at Rosie Mccann's for March 2nd.", ["Rosie Mccann's"]),
        ("Please confirm: table for 4 people at The Big 4.", ["The Big 4"]),
        ("at Uncle Yu's At The Vineyard in Livermore", ["Uncle Yu's At The Vineyard", "Livermore"]),
        ("Booking a table at Isushi in Castro Valley.", ["Isushi", "Castro Valley"]),
        ("I want to check in on March 3rd at 11:30 am", []),
        ("I'm leaving from Long Beach, CA on the 6th.", ["Long Beach, CA"]),
        ("In Toronto, Ontario until next Thursday.", ["Toronto, Ontario"]),
        ("We are going to Paris, France on the 1st of March.", ["Paris, France"]),
        ("Seattle, Portland or Boise", ["Seattle", "Portland", "Boise"]),
    ],
)
def test_extractors_spoken_names_in_sentences(text: str, names: list[str]) -> None:
    assert _names(text) == names


def test_extractors_spoken_a_lone_sentence_opener_is_a_less_sure_name() -> None:
    (opener,) = NameExtractor().find("Seattle is my goal.", CTX).candidates
    (inside,) = NameExtractor().find("I am flying to Seattle.", CTX).candidates
    assert opener.value == inside.value == "Seattle"
    assert opener.strength < inside.strength


def test_extractors_spoken_a_lower_case_answer_is_read_whole() -> None:
    read = NameExtractor().read("simply fondue", CTX)
    assert isinstance(read, Candidate) and read.value == "simply fondue"
    assert isinstance(NameExtractor().read("ok thanks", CTX), Refusal)
