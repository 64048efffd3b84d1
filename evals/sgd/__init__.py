"""Schema-Guided Dialogue evaluation: load SGD, adapt its schemas to ticket templates, replay, score.

data.py       the SGD split: services, dialogues, frames
adapter.py    an SGD service as a ticket template
replay.py     every dialogue replayed through the slot tracker
scorer.py     joint goal accuracy, as the official script defines it
published.py  the published reference numbers
"""

from evals.sgd.data import Dialogue, Frame, SchemaSlot, Service, Split, load_split
from evals.sgd.published import PUBLISHED
from evals.sgd.replay import EvalResult, ScoredFrame, evaluate_split
from evals.sgd.scorer import ALL_SERVICES, FrameScore, SlotKind, Summary, score_frame, summarise

__all__ = [
    "ALL_SERVICES",
    "PUBLISHED",
    "Dialogue",
    "EvalResult",
    "Frame",
    "FrameScore",
    "SchemaSlot",
    "ScoredFrame",
    "Service",
    "SlotKind",
    "Split",
    "Summary",
    "evaluate_split",
    "load_split",
    "score_frame",
    "summarise",
]
