"""Typed value extractors, one per slot type, behind one factory.

base.py       Candidate, Refusal, Findings, ExtractContext, the Extractor protocol
datetimes.py  points in time, absolute and relative
dates.py      calendar days and times of day, apart ("the 6th", "half past 11")
duration.py   lengths of time
numbers.py    int, float, bool
patterns.py   email, ip, url
enums.py      enum values: synonyms, typos, embeddings
entities.py   host/service names against an EntityCatalog
text.py       free text answers
names.py      names of places, venues, people, titles ("San Jose", "Ace Hotel London")
factory.py    build_extractor(slot): the extractor for a slot's type
"""
