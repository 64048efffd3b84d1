"""Slot tracking: per turn, which slots the user gave values to, and which values.

tracker.py        SlotTracker: the passes of one turn over a template's slots
reading.py        the learned reader's readings turned into candidates
turn.py           the gate: what a turn may change (new values, corrections, offers)
prepare.py        a template's slots with their keys and normalisers, built once
candidate_fit.py  how well a candidate fits its slot's context
cues.py           "the X is Y" mentions and slot label patterns
reader/           the learned slot reader (SGD-trained top layers over the encoder)
normalisers/      typed value extractors, one per slot type
"""

from agents.tickets.tracking.normalisers import (
    Candidate,
    DatetimeExtractor,
    EntityCatalog,
    EnumExtractor,
    ExtractContext,
    ListCatalog,
    show,
)
from agents.tickets.tracking.reader import (
    SlotQuery,
    SlotReader,
    SlotReading,
    reader_folder,
    trained_reader_dir,
)
from agents.tickets.tracking.tracker import SlotTracker

__all__ = [
    "Candidate",
    "DatetimeExtractor",
    "EntityCatalog",
    "EnumExtractor",
    "ExtractContext",
    "ListCatalog",
    "SlotQuery",
    "SlotReader",
    "SlotReading",
    "SlotTracker",
    "reader_folder",
    "show",
    "trained_reader_dir",
]
