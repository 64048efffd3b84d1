"""What every typed extractor returns, and what it is handed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from state.models import SlotValue


@dataclass(frozen=True)
class Candidate:
    """A typed value read from characters [start, end) of a text.

    `strength` says how surely the span is such a value, whatever slot it belongs to:
    1.0 a literal match (a catalog name, a synonym, a parsed date), less for a fuzzy or
    shape-only match. Which slot it belongs to is attention's call, not the extractor's.
    """

    value: SlotValue
    start: int
    end: int
    strength: float
    verified: bool = True
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """A span that looks like a value for the slot but cannot be used, and why."""

    reason: str
    start: int
    end: int


@dataclass(frozen=True)
class Findings:
    """Everything one extractor found in one text."""

    candidates: list[Candidate] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True)
class ExtractContext:
    """What extractors may use besides the text: the clock and what is already known."""

    now: datetime
    related: Mapping[str, str] = field(default_factory=dict)  # entity kind -> known name


class Extractor(Protocol):
    """Reads values of one slot's type from text."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        """Every value of this type mentioned anywhere in `text` (spans are char offsets)."""
        ...

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        """The value of a whole answer to this slot's question, or why there is none."""
        ...


def first_or_refusal(found: Findings, text: str, what: str) -> Candidate | Refusal:
    """The strongest candidate, else the first refusal, else a generic refusal naming `what`."""
    if found.candidates:
        return max(found.candidates, key=lambda c: (c.strength, c.end - c.start))
    if found.refusals:
        return found.refusals[0]
    return Refusal(f"I could not read {what} from {text.strip()!r}", 0, len(text))
