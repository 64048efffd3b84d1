"""The slot reader inside the tracker: which slots a turn speaks to, and their read values.

The reader (Q = each slot's name and description, K = V = the turn's tokens) says per
slot whether this turn gives it a new value. The tracker uses that three ways:
  - admission: a typed candidate may fill a slot only if the reader says the turn gives
    that slot a value ("comes" in "the service comes back on its own" is no service);
  - spans: a slot the reader reads but no extractor found takes the reader's words,
    normalised by the slot's own parser ("the search api", "because she maintains ...");
  - the gate: a filled slot is overwritten only when the reader reads a new value for it
    in the user's words, or the user corrects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.tickets.templates import ENTITY_TYPES, SlotSpec, TicketTemplate
from agents.tickets.tracking.normalisers import Candidate, ExtractContext, Extractor, Refusal
from agents.tickets.tracking.reader import SlotQuery, SlotReader, SlotReading

_CLOSED_TYPES = ("enum", "bool")
# A system's name by its shape: words joined by - _ or . (`orders-db`, `web-01`), not `p99`.
NAME_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)+")
USE_BEFORE = re.compile(
    r"\b(?:access|permissions?|rights?|login)\s+(?:to|on|for)\s+(?:the\s+)?$", re.IGNORECASE
)
KIND_AFTER = re.compile(
    r"\s+(?:service|host|server|system|api|app|application|cluster|database|db|box|node)\b",
    re.IGNORECASE,
)
# An unknown name answered stands nearly alone: "billing, I think", not a sentence that
# happens to hold a word ("someone has to approve refunds").
ANSWER_AROUND = 4
LITERAL_TYPES = ("enum", "bool", "int", "float", "date", "time", "datetime", "duration", "email")


def template_queries(template: TicketTemplate) -> list[SlotQuery]:
    """The reader's query for every slot of a template (closed slots with their values)."""
    out = []
    for spec in template.slots:
        values: tuple[str, ...] = ()
        if spec.type == "enum" and spec.values:
            values = tuple(v.value for v in spec.values)
        elif spec.type == "bool":
            values = ("True", "False")
        out.append(SlotQuery(spec.name, spec.query_text(), values))
    return out


@dataclass(frozen=True)
class TurnReadings:
    """The reader's view of one turn: each slot's reading and which ones it admits."""

    readings: dict[str, SlotReading]
    threshold: float

    def says_value(self, slot: str) -> bool:
        """Whether the turn gives `slot` a value (in the user's or the offered words)."""
        r = self.readings.get(slot)
        return r is not None and r.status == "value" and r.confidence >= self.threshold

    def admits(
        self,
        slot: str,
        slot_type: str,
        value: object,
        *,
        verified: bool = False,
        answer: bool = False,
        before: str = "",
        after: str = "",
    ) -> bool:
        """Whether a typed candidate may fill `slot`. Sure of themselves: literal types
        (dates, counts, enums), names found in the catalog or shaped like one
        (`orders-db`, `web-01`) or named by their kind or use ("the billing service",
        "access to billing": `before` and `after` are the text around the words), and what
        is left of the answer to the slot's own question; other words ("comes", "p99",
        "name") need the reader to read a value for that slot in this turn. (Requiring the reader's own span as well lost more than it
        won on SGD dev: its origin / destination cities are often swapped, where the typed
        candidates' context fit is right.)"""
        if slot_type in LITERAL_TYPES or verified:
            return True
        if answer and (
            slot_type not in ENTITY_TYPES
            or (len(str(value).split()) <= 2 and len(f"{before} {after}".split()) <= ANSWER_AROUND)
        ):
            return True  # a name answered is a word or two, not "debug invoice totals"
        if slot_type in ENTITY_TYPES and (
            NAME_SHAPE.fullmatch(str(value)) or KIND_AFTER.match(after) or USE_BEFORE.search(before)
        ):
            return True
        return self.says_value(slot)

    def user_value(self, slot: str) -> bool:
        """Whether the user's own words give `slot` a new value this turn."""
        r = self.readings.get(slot)
        return self.says_value(slot) and r is not None and r.from_user

    def dontcare(self, slot: str) -> bool:
        """Whether the user said any value will do for `slot`."""
        r = self.readings.get(slot)
        return r is not None and r.status == "dontcare" and r.confidence >= self.threshold


def read_turn(reader: SlotReader, template: TicketTemplate, system: str, user: str) -> TurnReadings:
    """Every slot's reading of the turn, in one batch."""
    readings = reader.read(template_queries(template), system, user)
    return TurnReadings({r.name: r for r in readings}, reader.threshold)


def span_candidate(
    spec: SlotSpec,
    reading: SlotReading,
    extractor: Extractor,
    text: str,
    ctx: ExtractContext,
) -> Candidate | Refusal | None:
    """The reader's words for a slot, parsed by the slot's type; located in `text`."""
    words = reading.value
    if not words:
        return None
    read = extractor.read(words, ctx)
    if spec.type in _CLOSED_TYPES:
        # the reader's own choice among the allowed values, parsed when the parser can
        return read if isinstance(read, Candidate) else Candidate(words, 0, 0, reading.confidence)
    if isinstance(read, Refusal):
        return read
    at = text.casefold().find(words.casefold())
    if at < 0:
        return Candidate(read.value, 0, 0, read.strength, read.verified, read.suggestions)
    return Candidate(
        read.value,
        at + read.start,
        at + read.end,
        read.strength,
        read.verified,
        read.suggestions,
    )
