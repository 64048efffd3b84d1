"""Typed value extractors, one per slot type, behind one factory.

base.py       Candidate, Refusal, Findings, ExtractContext, the Extractor protocol
datetimes.py  points in time, absolute and relative
duration.py   lengths of time
numbers.py    int, float, bool
patterns.py   email, ip, url
enums.py      enum values: synonyms, typos, embeddings
entities.py   host/service names against an EntityCatalog
text.py       free text answers
factory.py    build_extractor(slot): the extractor for a slot's type
"""
