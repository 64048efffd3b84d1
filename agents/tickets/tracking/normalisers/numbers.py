"""Numbers as people write them ("2", "1.5", "two", "a dozen"), and int/float/bool extractors."""

from __future__ import annotations

import re

from agents.lexicon import FALSE_WORDS, NUMBER_WORDS, TRUE_WORDS, number_value
from agents.tickets.tracking.normalisers.base import (
    Candidate,
    ExtractContext,
    Findings,
    Refusal,
    first_or_refusal,
)

# A number standing alone: not part of a time (10:30), a name (web-01), a version (1.2.3).
_NUMBER = re.compile(
    rf"(?<![\w.:/@-])(?:(?P<digits>[-+]?\d+(?:\.\d+)?)|(?P<word>{NUMBER_WORDS}))(?![\w:/@-]|\.\d)",
    re.IGNORECASE,
)


class NumberExtractor:
    """Integers or decimals, within optional bounds."""

    def __init__(
        self, *, integer: bool, minimum: float | None = None, maximum: float | None = None
    ) -> None:
        self.integer = integer
        self.minimum = minimum
        self.maximum = maximum

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        for m in _NUMBER.finditer(text):
            number = number_value(m.group(0))
            if number is None:
                continue
            if self.integer and not number.is_integer():
                found.refusals.append(Refusal(f"{m.group(0)} is not a whole number", *m.span()))
                continue
            problem = self._out_of_bounds(number)
            if problem:
                found.refusals.append(Refusal(problem, *m.span()))
                continue
            value: int | float = int(number) if self.integer else number
            # Digits are surely a number; number words often are not ("one of them").
            strength = 0.8 if m.group("digits") else 0.6
            found.candidates.append(Candidate(value, m.start(), m.end(), strength))
        return found

    def _out_of_bounds(self, number: float) -> str | None:
        if self.minimum is not None and number < self.minimum:
            return f"{number:g} is below the minimum of {self.minimum:g}"
        if self.maximum is not None and number > self.maximum:
            return f"{number:g} is above the maximum of {self.maximum:g}"
        return None

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        what = "a whole number" if self.integer else "a number"
        return first_or_refusal(self.find(text, ctx), text, what)


class BoolExtractor:
    """Yes/no answers; only a whole answer counts, a stray "no" in a sentence does not."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        return Findings()

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        for pattern, value in ((TRUE_WORDS, True), (FALSE_WORDS, False)):
            m = pattern.match(text)
            if m:
                return Candidate(value, m.start(1), m.end(1), 1.0)
        return Refusal(f"please answer yes or no (not {text.strip()!r})", 0, len(text))
