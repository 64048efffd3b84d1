"""Edits a user can ask of the ticket workflow: "change X to Y" (cancel and start over are in agents.lexicon)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from agents.tickets.templates import SlotSpec, TicketTemplate

_EDIT = re.compile(
    r"^\W*(?:please\s+)?(?:change|set|update|make|correct)\s+(?:the\s+)?(?P<slot>.+?)\s+"
    r"(?:to|=|:|as|into)\s+(?P<value>.+?)\W*$",
    re.IGNORECASE,
)
_FUZZY_SLOT = 85.0


@dataclass(frozen=True)
class Edit:
    """ "change severity to P1": the slot named and the words for its new value."""

    slot: str
    value_text: str


def parse_edit(text: str, template: TicketTemplate) -> Edit | None:
    """An explicit edit of a slot the template has; None when the words name no slot."""
    m = _EDIT.match(text)
    if not m:
        return None
    spec = _slot_named(m.group("slot"), template)
    return None if spec is None else Edit(spec.name, m.group("value"))


def _slot_named(words: str, template: TicketTemplate) -> SlotSpec | None:
    """The slot whose name the words say ("severity", "the start time" -> started_at)."""
    said = " ".join(words.lower().replace("_", " ").replace("-", " ").split())
    said = re.sub(r"^(?:the|its|it's|my|our)\s+", "", said)
    best: tuple[float, SlotSpec | None] = (0.0, None)
    for spec in template.slots:
        label = spec.label.lower()
        if said == label or said == spec.name.lower():
            return spec
        score = fuzz.ratio(said, label)
        if score > best[0]:
            best = (score, spec)
    return best[1] if best[0] >= _FUZZY_SLOT else None
