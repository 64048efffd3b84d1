"""Which slot a found value belongs to: the value in its own words, as a key, against the slot queries.

A value alone rarely says which slot it fills ("Seattle" could be where a trip starts or
ends; "4" could count anything). The few words around it do: "from Seattle", "to
Seattle", "4 seats", "return on the 8th". Each candidate's key is the embedding of that
phrase; its cosine with each slot query (the slot's description) is the slot's fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import torch

from agents.lexicon import FUNCTION_WORDS
from knowledge.attention import cosine_matrix

_WORD = re.compile(r"[\w'’$-]+")
_CLAUSE_END = re.compile(r"[.,;!?:]\s*$")
# "I found 4 flights", "there are 10 events": a count of results, not of anything asked for.
RESULT_COUNT = re.compile(
    r"\b(?:found|find|got|have|has|are|were|is|see|returned|shows?)\s+(?:about\s+|around\s+|over\s+)?$",
    re.IGNORECASE,
)
LEFT_WORDS = 2  # words before a value that say what it is ("flying to", "leaving from")


def counted_noun(text: str, end: int) -> str | None:
    """The word a number at `end` counts ("4 seats" -> "seats"), or None for a bare number."""
    after = _WORD.search(text, end)
    if (
        after is None
        or _CLAUSE_END.search(text[end : after.start()])
        or after.group(0).lower() in FUNCTION_WORDS
    ):
        return None
    return after.group(0)


def context_phrase(
    text: str, start: int, end: int, *, counted: bool, left_words: int = LEFT_WORDS
) -> str:
    """The value with the words that introduce it; a count also keeps the noun it counts."""
    before = text[:start]
    left: list[str] = []
    for m in reversed(list(_WORD.finditer(before))):
        if len(left) == left_words or _CLAUSE_END.search(before[m.end() :]):
            break
        left.insert(0, m.group(0))
    phrase = " ".join([*left, text[start:end]])
    noun = counted_noun(text, end) if counted else None
    if noun is not None:
        phrase += " " + noun
    return phrase


class FitScorer:
    """Embeds candidate phrases (cached per text) and scores them against slot queries."""

    def __init__(self, embed: Callable[[str], torch.Tensor]) -> None:
        self.embed = embed

    def fit(self, queries: torch.Tensor, phrase: str) -> torch.Tensor:
        """Cosine of the phrase with each slot query: (S, d) x phrase -> (S,)."""
        key = self.embed(phrase)  # (d,)
        return cosine_matrix(key[None, :], queries)[0]  # (1, d) @ (d, S) -> (S,)
