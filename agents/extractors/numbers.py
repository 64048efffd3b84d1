"""Numbers as people write them ("2", "1.5", "two", "a dozen"), and int/float/bool extractors."""

from __future__ import annotations

import re

from agents.extractors.base import Candidate, ExtractContext, Findings, Refusal, first_or_refusal

WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "ninety": 90, "hundred": 100, "dozen": 12,
}  # fmt: skip
NUMBER_WORDS = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
# A number standing alone: not part of a time (10:30), a name (web-01), a version (1.2.3).
_NUMBER = re.compile(
    rf"(?<![\w.:/@-])(?:(?P<digits>[-+]?\d+(?:\.\d+)?)|(?P<word>{NUMBER_WORDS}))(?![\w:/@-]|\.\d)",
    re.IGNORECASE,
)
_TRUE = re.compile(
    r"^\s*(yes|yep|yeah|y|true|sure|correct|enabled?|on|please do|of course|affirmative)\b",
    re.IGNORECASE,
)
_FALSE = re.compile(
    r"^\s*(no|nope|nah|n|false|disabled?|off|not really|negative)\b",
    re.IGNORECASE,
)


def number_value(token: str) -> float | None:
    """The number a token says ("2", "1.5", "two"), or None."""
    word = WORD_NUMBERS.get(token.lower())
    if word is not None:
        return float(word)
    try:
        return float(token)
    except ValueError:
        return None


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
        for pattern, value in ((_TRUE, True), (_FALSE, False)):
            m = pattern.match(text)
            if m:
                return Candidate(value, m.start(1), m.end(1), 1.0)
        return Refusal(f"please answer yes or no (not {text.strip()!r})", 0, len(text))
