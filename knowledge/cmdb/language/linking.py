"""Schema linking by attention: each span of the question (Q) attends over the CMDB keys
(K, see keys.py); the attention weights pooled per term (V one-hot) say which type,
attribute or value the span names, and the best key's cosine says whether it names any.

Decisions are remembered per (span, mask): questions keep using the same words.

Chinese questions are read by exact keys first: a span that is a key text attends over the
keys of that text only, since an encoder without Chinese gives many Chinese words one
vector, and even a multilingual one puts short unrelated words close together. A Chinese
span that is no key text links only when one term is clearly nearest (`HAN_MARGIN`); a key
text whose terms the mask rules out links to nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from knowledge.attention import COSINE_SCALE, attend_selected, scaled_scores, top_k
from knowledge.cmdb.language.chinese import join_words
from knowledge.cmdb.language.keys import KeyTable, Mask, Target
from knowledge.encoder import Encoder
from knowledge.sentences import has_han

ACCEPT = 0.80  # cosine a span needs to link to a term
ACCEPT_CODED = 0.90  # spans with digits (sh1, web-999) must be near-exact: names are precise
TIE = 0.01  # value terms this close to the best are alternatives (mysql: host role, db engine)
TOP_KEYS = 16  # keys each span's softmax runs over (the rest carry ~e^-6 of the weight)
HAN_MARGIN = 0.02  # cosine lead an unknown Chinese span's best term needs over the next


@dataclass(frozen=True)
class Mention:
    """A span of words [start, end) linked to a target; `alternatives` tie with it."""

    start: int
    end: int
    text: str
    target: Target
    score: float
    alternatives: tuple[Target, ...] = ()


@dataclass(frozen=True)
class Decision:
    """A span's linking outcome under one mask: best term index, its cosine, tied terms."""

    term: int
    score: float
    ties: tuple[int, ...]


class Linker:
    """Links word spans of a question to CMDB terms by attention over a `KeyTable`."""

    def __init__(self, table: KeyTable, encoder: Encoder, cache_size: int = 4096) -> None:
        self.table = table
        self.encoder = encoder
        self._vectors: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._scores: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._decisions: OrderedDict[tuple[str, tuple[object, ...]], Decision] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def vectors(self, spans: Sequence[str]) -> torch.Tensor:
        """Unit vectors (S, d) for span texts: a key's own vector when the text is a key
        (same text, same encoding), else encoded in one batch and remembered."""
        missing = [s for s in dict.fromkeys(spans) if s not in self.table.text_vector]
        with self._lock:
            missing = [s for s in missing if s not in self._vectors]
        if missing:
            encoded = self.encoder.encode(missing)  # (M, d)
            with self._lock:
                for text, vector in zip(missing, encoded, strict=True):
                    self._vectors[text] = vector
                _trim(self._vectors, self._cache_size)
        with self._lock:
            rows = [self.table.text_vector.get(s, self._vectors.get(s)) for s in spans]
        return torch.stack([r for r in rows if r is not None])  # (S, d)

    def scores(self, spans: Sequence[str]) -> torch.Tensor:
        """Cosines (S, N) of each span with every key; key texts and spans seen before are
        looked up, the rest encoded and scored in one batch."""
        missing = [s for s in dict.fromkeys(spans) if s not in self.table.text_scores]
        with self._lock:
            missing = [s for s in missing if s not in self._scores]
        if missing:
            fresh = scaled_scores(self.vectors(missing), self.table.keys, scale=1.0)  # (M, N)
            with self._lock:
                for text, row in zip(missing, fresh, strict=True):
                    self._scores[text] = row
                _trim(self._scores, self._cache_size)
        with self._lock:
            rows = [self.table.text_scores.get(s, self._scores.get(s)) for s in spans]
        return torch.stack([r for r in rows if r is not None])  # (S, N)

    def attend_terms(
        self, cos: torch.Tensor, allowed: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Attention of each span over the allowed keys ((N,) or per span (S, N)), pooled
        per term.

        Returns (weights (S, T) each term receives, best cosine (S, T) of each term's keys).
        Sparse: the softmax runs over each span's `TOP_KEYS` best allowed keys only.
        """
        allowed = allowed if allowed.dim() == 2 else allowed[None, :]  # (S, N) or (1, N)
        masked = cos.masked_fill(~allowed, -1.0)  # (S, N); cosines live in [-1, 1]
        best, idx = top_k(masked * COSINE_SCALE, TOP_KEYS)  # (S, k), (S, k)
        best = best.masked_fill(best <= -COSINE_SCALE, -1e4)  # disallowed keys: no weight
        weights, _, _ = attend_selected(best, idx, self.table.values)  # (S, T)
        per_target = torch.full((cos.shape[0], len(self.table.targets)), -1.0)
        index = self.table.key_target.expand(cos.shape[0], -1)  # (S, N)
        per_target.scatter_reduce_(1, index, masked, reduce="amax")  # (S, T)
        return weights, per_target

    def decide(
        self, texts: Sequence[str], mask: Mask, *, exact_first: bool = False
    ) -> list[Decision]:
        """Each text's best term under `mask`, its cosine, and the value terms tied with it.
        `exact_first` (Chinese questions; always for Chinese texts): see the module doc."""
        key = (*mask.key, "exact") if exact_first else mask.key
        with self._lock:
            known = {t: self._decisions[(t, key)] for t in texts if (t, key) in self._decisions}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            chosen = [self._allowed_for(t, mask, exact_first) for t in missing]
            allowed = torch.stack([keys for keys, _ in chosen])  # (M, N)
            exacts = [read_exactly for _, read_exactly in chosen]
            weights, per_target = self.attend_terms(self.scores(missing), allowed)  # (M, N)
            best_terms = torch.argmax(weights, dim=-1).tolist()  # (M,)
            is_value = [t.kind == "value" for t in self.table.targets]
            for m, text in enumerate(missing):
                best = best_terms[m]
                term_cos = per_target[m].tolist()
                ties = tuple(
                    k
                    for k, cos in enumerate(term_cos)
                    if is_value[best] and is_value[k] and k != best and cos >= term_cos[best] - TIE
                )
                score = term_cos[best]
                exact = exact_first or has_han(text)
                if exact and self.table.same_text(text) is not None and not exacts[m]:
                    score = -1.0  # a known word where its terms cannot apply names no other
                elif has_han(text) and self.table.same_text(text) is None:
                    rest = [c for k, c in enumerate(term_cos) if k != best]
                    if rest and score - max(rest) < HAN_MARGIN:
                        score = -1.0  # no term is clearly nearest: leave it unmapped
                known[text] = Decision(best, score, ties)
            with self._lock:
                for text in missing:
                    self._decisions[(text, key)] = known[text]
                while len(self._decisions) > self._cache_size:
                    self._decisions.popitem(last=False)
        return [known[t] for t in texts]

    def _allowed_for(self, text: str, mask: Mask, exact_first: bool) -> tuple[torch.Tensor, bool]:
        """The keys `text` attends over, and whether they are the keys of that very text
        (a key text read exactly)."""
        if exact_first or has_han(text):
            same = self.table.same_text(text)
            if same is not None and bool((same & mask.keys).any()):
                return same & mask.keys, True  # (N,)
        return mask.keys, False  # (N,)

    def link(
        self, spans: list[tuple[int, int, str]], mask: Mask, *, exact_first: bool = False
    ) -> list[Mention]:
        """Best non-overlapping mentions among candidate spans (start, end, text)."""
        if not spans or not mask.any():
            return []
        decisions = self.decide([t for _, _, t in spans], mask, exact_first=exact_first)
        candidates: list[Mention] = []
        for (start, end, text), decision in zip(spans, decisions, strict=True):
            threshold = ACCEPT_CODED if any(ch.isdigit() for ch in text) else ACCEPT
            if decision.score < threshold:
                continue
            target = self.table.targets[decision.term]
            ties = tuple(self.table.targets[k] for k in decision.ties)
            candidates.append(Mention(start, end, text, target, decision.score, ties))
        candidates.sort(key=lambda m: (-round(m.score, 3), -(m.end - m.start), m.start))
        taken: list[Mention] = []
        used: set[int] = set()
        for mention in candidates:
            span = set(range(mention.start, mention.end))
            if not span & used:
                taken.append(mention)
                used |= span
        return sorted(taken, key=lambda m: m.start)

    def best_attr(self, text: str, mask: Mask) -> tuple[Target, float] | None:
        """The attribute `text` names among the masked keys (numeric, unit-compatible)."""
        if not mask.any():
            return None
        decision = self.decide([text], mask)[0]
        return self.table.targets[decision.term], decision.score


def _trim(cache: OrderedDict[str, torch.Tensor], size: int) -> None:
    while len(cache) > size:
        cache.popitem(last=False)


def candidate_spans(
    words: Sequence[str], free: Sequence[bool], max_len: int = 3, exact: set[str] | None = None
) -> list[tuple[int, int, str]]:
    """N-grams over runs of free words; an n-gram holding a word that is itself a key
    is skipped (the exact word wins anyway), which keeps encoding to unknown words.
    Chinese words join without spaces ("上海" "1" "区" -> "上海1区")."""
    exact = exact or set()
    spans: list[tuple[int, int, str]] = []
    for i in range(len(words)):
        for n in range(1, max_len + 1):
            j = i + n
            if j > len(words) or not all(free[i:j]):
                break
            text = join_words(list(words[i:j]))
            if n > 1 and text not in exact and any(w in exact for w in words[i:j]):
                continue
            spans.append((i, j, text))
    return spans
