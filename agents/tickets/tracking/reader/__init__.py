"""The learned slot reader: slot queries attend over the dialogue's tokens, read status and span.

reader.py  SlotReader (load the shipped or a trained reader; read a turn), SlotQuery, SlotReading
net.py     ReaderNet: the trained top layers over the encoder's token states
batch.py   dialogue contexts as token batches ([slot ; system turn ; user turn])
weights/   the shipped weights and their card (see weights/README.md)
"""

from agents.tickets.tracking.reader.batch import SYSTEM, USER, Context, collate, contexts_from
from agents.tickets.tracking.reader.net import ReaderNet, TopLayer
from agents.tickets.tracking.reader.reader import (
    CARD_FILE,
    WEIGHTS_FILE,
    SlotQuery,
    SlotReader,
    SlotReading,
    best_span,
    reader_folder,
    shipped_weights_dir,
    trained_reader_dir,
    value_text,
)

__all__ = [
    "CARD_FILE",
    "SYSTEM",
    "USER",
    "WEIGHTS_FILE",
    "Context",
    "ReaderNet",
    "SlotQuery",
    "SlotReader",
    "SlotReading",
    "TopLayer",
    "best_span",
    "collate",
    "contexts_from",
    "reader_folder",
    "shipped_weights_dir",
    "trained_reader_dir",
    "value_text",
]
