"""Free text: the words of an answer, as the user wrote them."""

from __future__ import annotations

import re

from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Findings, Refusal

# Words that open an answer without being part of it ("well, it's 502s on checkout").
_OPENERS = re.compile(
    r"^(?:(?:well|so|ok|okay|um|uh|hmm|basically|sorry|yes|yeah|sure|it'?s|it\s+is|"
    r"they\s+are|that'?s|that\s+is|the\s+\w+\s+is|i\s+think)[\s,:-]+)+",
    re.IGNORECASE,
)
_MEANINGLESS = re.compile(
    r"^(?:[\W_]*|(?:the|a|an|it|is|it's|that|this|and|or|no|yes|ok|okay|sorry|actually|"
    r"make|set|change|to|of|please|thanks|now|instead|then|just|i|mean|meant|oops|wait)"
    r"(?:[\s,.!?'-]+|$))*$",
    re.IGNORECASE,
)


def trim_answer(text: str) -> tuple[int, int]:
    """The span of `text` left once openers and trailing punctuation are trimmed."""
    start = len(text) - len(text.lstrip())
    lead = _OPENERS.match(text[start:])
    if lead and lead.end() < len(text[start:].rstrip()):
        start += lead.end()
    end = len(text.rstrip().rstrip(".!;,"))
    return start, max(start, end)


def says_nothing(text: str) -> bool:
    """Whether text is only filler ("sorry, it's", "ok then"), with nothing to record."""
    return bool(_MEANINGLESS.match(text.strip()))


# Why something is needed, said inside a longer request: "... because she maintains the
# dashboards", "..., to recover the crashed replica", "... for 2 days to debug a leak".
_BECAUSE = re.compile(r"\b(?:because|so\s+that|in\s+order\s+to|as\s+(?=she|he|they|we|i)\b)\s*")
_TO_CLAUSE = re.compile(
    r"(?:[,;:]\s*|\b(?:hours?|days?|weeks?|months?|\d+\s*[hdw])\s+)(?=to\s+[a-z]+\b)",
    re.IGNORECASE,
)
_NOT_A_PURPOSE = re.compile(r"to\s+(?:the|a|an|my|our|his|her|their|it|prod|staging|dev)\b", re.I)


class TextExtractor:
    """Free text is never spotted inside other words: only a whole answer or, for a slot
    that holds a reason (`purpose`), a clause the words "because" / ", to ..." open."""

    def __init__(self, *, purpose: bool = False) -> None:
        self.purpose = purpose

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        if not self.purpose:
            return Findings()
        found = Findings()
        for cue in (_BECAUSE, _TO_CLAUSE):
            m = cue.search(text)
            if m is None or _NOT_A_PURPOSE.match(text[m.end() :]):
                continue
            start, end = trim_answer(text[m.end() :])
            if end > start and not says_nothing(text[m.end() + start : m.end() + end]):
                value = text[m.end() + start : m.end() + end]
                found.candidates.append(Candidate(value, m.end() + start, m.end() + end, 1.0))
                break
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        start, end = trim_answer(text)
        value = text[start:end]
        if says_nothing(value):
            return Refusal("that answer was empty", 0, len(text))
        return Candidate(value, start, end, 0.9)
