"""Typed normalisers (value extractors), one per slot type, behind one factory.

base.py       Candidate, Refusal, Findings, ExtractContext, the Extractor protocol
datetimes.py  points in time, absolute and relative
dates.py      calendar days and times of day, apart ("the 6th", "half past 11")
duration.py   lengths of time (the grammar itself is agents.tickets.durations)
numbers.py    int, float, bool
patterns.py   email, ip, url
enums.py      enum values: synonyms, typos, embeddings
entities.py   host/service names against an EntityCatalog
text.py       free text answers
names.py      names of places, venues, people, titles ("San Jose", "Ace Hotel London")
factory.py    build_extractor(slot): the extractor for a slot's type
"""

from agents.tickets.tracking.normalisers.base import (
    Candidate,
    ExtractContext,
    Extractor,
    Findings,
    Refusal,
)
from agents.tickets.tracking.normalisers.datetimes import DatetimeExtractor, show
from agents.tickets.tracking.normalisers.entities import EntityCatalog, ListCatalog
from agents.tickets.tracking.normalisers.enums import EnumExtractor
from agents.tickets.tracking.normalisers.factory import build_extractor
from agents.tickets.tracking.normalisers.text import says_nothing

__all__ = [
    "Candidate",
    "DatetimeExtractor",
    "EntityCatalog",
    "EnumExtractor",
    "ExtractContext",
    "Extractor",
    "Findings",
    "ListCatalog",
    "Refusal",
    "build_extractor",
    "says_nothing",
    "show",
]
