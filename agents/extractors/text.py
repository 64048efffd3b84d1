"""Free text: the words of an answer, as the user wrote them."""

from __future__ import annotations

import re

from agents.extractors.base import Candidate, ExtractContext, Findings, Refusal

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


class TextExtractor:
    """Free text is never spotted inside other words: only a whole answer (or a cued span) counts."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        return Findings()

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        start, end = trim_answer(text)
        value = text[start:end]
        if says_nothing(value):
            return Refusal("that answer was empty", 0, len(text))
        return Candidate(value, start, end, 0.9)
