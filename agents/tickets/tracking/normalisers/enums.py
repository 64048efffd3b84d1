"""Enum values: literal value/synonym mentions, typo-tolerant, then by embedding for answers."""

from __future__ import annotations

import re
from collections.abc import Callable

import torch
from rapidfuzz import fuzz

from agents.tickets.templates import EnumValue
from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Findings, Refusal
from knowledge.attention import cosine_matrix

_SEPARATORS = str.maketrans({"-": " ", "_": " ", "/": " "})
_WORD = re.compile(r"[a-z0-9]+")
_MIN_FUZZY_LEN = 5
_FUZZY_RATIO = 88.0
_EMBED_MIN = 0.55  # cosine an answer needs to a value's names to mean it
_EMBED_MARGIN = 0.05  # over the runner-up value, or the answer is ambiguous
# "not critical", "isn't a blocker", "never urgent": the value named is the one ruled out.
_NEGATED_BEFORE = re.compile(r"(?:\b(?:not|no|never)|n't)\s+(?:(?:a|an|really|that)\s+)?$")
_NEGATED_WORD = re.compile(r"(?:\b(?:not|no|never)|n't)\s+(?:(?:a|an|really|that)\s+)?[a-z0-9]+")
# "admin" in "admin-portal" is part of a name, not the value admin.
_NAME_JOINER = re.compile(r"[-_.][A-Za-z0-9]")
_CLAUSE = re.compile(r"[^,;.!?]+")
_CLAUSE_WORDS = 5  # "hmm I'd say medium": a distinctive word answers only in a short clause


def normalise(text: str) -> str:
    """Lower case with -, _ and / as spaces; same length, so offsets still hold."""
    return text.lower().translate(_SEPARATORS)


class EnumExtractor:
    """Finds which of a fixed set of values a text names."""

    def __init__(
        self,
        values: list[EnumValue],
        *,
        embed: Callable[[str], torch.Tensor] | None = None,
        name_keys: torch.Tensor | None = None,
    ) -> None:
        """`name_keys` (one row per name of every value, in `names()` order) enable embedding."""
        self.values = values
        self.embed = embed
        self.name_keys = name_keys
        self.owners = [i for i, v in enumerate(values) for _ in v.names()]
        by_length = sorted(
            ((normalise(n).split(), i) for i, v in enumerate(values) for n in v.names()),
            key=lambda item: -len(" ".join(item[0])),
        )
        gap = r"\s+"
        self._literal = re.compile(
            "|".join(
                rf"(?P<v{k}_{i}>(?<![a-z0-9]){gap.join(map(re.escape, words))}(?![a-z0-9]))"
                for k, (words, i) in enumerate(by_length)
                if words
            )
        )
        # A word that occurs in the names of exactly one value ("high" in "high priority"):
        # enough to pick that value when it is the whole answer, never inside a sentence.
        owners_of: dict[str, set[int]] = {}
        for words, i in by_length:
            for word in words:
                owners_of.setdefault(word, set()).add(i)
        self._distinctive = {w: next(iter(o)) for w, o in owners_of.items() if len(o) == 1}
        self._single_words = {
            " ".join(words): i
            for words, i in by_length
            if len(words) == 1 and len(words[0]) >= _MIN_FUZZY_LEN
        }

    def names(self) -> list[str]:
        """Every name of every value, in the order `name_keys` rows must follow."""
        return [n for v in self.values for n in v.names()]

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        plain = normalise(text)
        taken: list[tuple[int, int]] = []
        for m in self._literal.finditer(plain):
            if _inside_name(text, m.start(), m.end()):
                continue
            if _NEGATED_BEFORE.search(plain[: m.start()]):
                taken.append(m.span())
                continue
            index = int((m.lastgroup or "v0_0").rsplit("_", 1)[1])
            found.candidates.append(Candidate(self.values[index].value, m.start(), m.end(), 1.0))
            taken.append(m.span())
        for m in _WORD.finditer(plain):
            if (
                len(m.group(0)) < _MIN_FUZZY_LEN
                or any(s < m.end() and m.start() < e for s, e in taken)
                or _inside_name(text, m.start(), m.end())
            ):
                continue
            best, score = _closest(m.group(0), self._single_words)
            if best is not None and score >= _FUZZY_RATIO:
                found.candidates.append(Candidate(self.values[best].value, m.start(), m.end(), 0.6))
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        found = self.find(text, ctx)
        if found.candidates:
            # The strongest mention; among equals the last ("P2, no, P1" means P1).
            return max(found.candidates, key=lambda c: (c.strength, c.start))
        hit = self._distinctive_answer(text)
        if hit is not None:
            return Candidate(self.values[hit].value, 0, len(text), 0.8)
        by_embedding = self._by_embedding(text)
        if by_embedding is not None:
            return by_embedding
        allowed = ", ".join(v.value for v in self.values)
        return Refusal(f"{text.strip()!r} is not one of {allowed}", 0, len(text))

    def _distinctive_answer(self, text: str) -> int | None:
        """The one value whose distinctive words an answer uses, each in a short clause
        ("high", "hmm I'd say medium, it's not blocking anyone"); None if none or several."""
        hits: set[int] = set()
        for clause in _CLAUSE.findall(_NEGATED_WORD.sub(" ", normalise(text))):
            words = _WORD.findall(clause)
            found = {self._distinctive[w] for w in words if w in self._distinctive}
            if found and len(words) > _CLAUSE_WORDS:
                return None  # named inside a longer sentence: not surely the answer
            hits |= found
        return hits.pop() if len(hits) == 1 else None

    def _by_embedding(self, text: str) -> Candidate | None:
        if self.embed is None or self.name_keys is None or not text.strip():
            return None
        sims = cosine_matrix(self.embed(text.strip())[None, :], self.name_keys)[0]  # (names,)
        per_value = torch.full((len(self.values),), -1.0)
        for row, owner in enumerate(self.owners):
            per_value[owner] = torch.maximum(per_value[owner], sims[row])
        top = torch.topk(per_value, min(2, len(self.values)))
        best, runner_up = (
            float(top.values[0]),
            float(top.values[-1]) if len(self.values) > 1 else -1.0,
        )
        if best < _EMBED_MIN or best - runner_up < _EMBED_MARGIN:
            return None
        value = self.values[int(top.indices[0])].value
        return Candidate(value, 0, len(text), 0.6)


def _inside_name(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is joined to more name by - _ or . ("admin-portal")."""
    return bool(_NAME_JOINER.match(text, end)) or (
        start >= 2 and text[start - 1] in "-_." and text[start - 2].isalnum()
    )


def _closest(word: str, choices: dict[str, int]) -> tuple[int | None, float]:
    best: int | None = None
    best_score = 0.0
    for name, index in choices.items():
        score = fuzz.ratio(word, name)
        if score > best_score:
            best, best_score = index, score
    return best, best_score
