"""The Q&A agent: question -> top passages -> the 1-3 sentences that answer it, with citations.

Two attention passes. The first is the knowledge base's search (the question against the
passage keys, fused with BM25). The second attends from the question over the sentences of
those passages, each sentence keyed with its runbook title and heading so that "restart it"
under "Nginx 502 > Fix" carries its context. When even the best sentence is too far from
the question, the agent says it does not know and suggests a ticket instead of guessing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch
from pydantic import BaseModel, ConfigDict, Field

from agents.qa_intent import section_bias
from errors import InputError
from knowledge.attention import attend, cosine_matrix, top_k
from knowledge.kb import Hit, KnowledgeBase
from knowledge.keycache import KeyCache
from knowledge.sentences import split_sentences

PASSAGES = 8  # passages whose sentences the second pass reads
MAX_SENTENCES = 3
TEMPERATURE = 0.05  # softmax scale 1/τ over cosines: 0.05 apart is a factor e in weight
KEEP_RATIO = 0.35  # a further sentence joins the answer at this fraction of the best weight
KEY_WORDS = 60  # words of a sentence that go into its key (a long code block is cut)
THRESHOLD = 0.40  # below this confidence the agent says it does not know
GATE = 0.25  # best passage cosine below which the sentences are not even read
UNKNOWN = (
    "I don't know: nothing in the knowledge base answers this closely enough. "
    "Please open a ticket (for example an incident) so an engineer can look into it."
)


class Citation(BaseModel):
    """Where a part of an answer comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    heading: str
    lines: tuple[int, int] | None
    score: float = Field(description="cosine of the question and the cited sentence's key")
    id: str = Field(description="the passage record id")


class Answer(BaseModel):
    """The agent's reply to one question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    text: str
    known: bool = Field(description="False when the agent says it does not know")
    confidence: float = Field(
        description="0..1: cosine of the question and the best sentence (or passage, when "
        "no passage came near enough to read its sentences)"
    )
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[str] = Field(default_factory=list, description="the chosen sentences")


@dataclass(frozen=True)
class _Sentence:
    text: str
    hit: int  # index into the hits
    position: int  # order within the passage


class QAAgent:
    """Answers questions from a `KnowledgeBase`, citing the passages it used."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        passages: int = PASSAGES,
        threshold: float = THRESHOLD,
        key_cache: KeyCache | None = None,
    ) -> None:
        self.kb = kb
        self.passages = passages
        self.threshold = threshold
        # Sentence keys are static per passage: encode once, keep on disk (the static K/V cache).
        self.key_cache = key_cache or KeyCache(kb.encoder, None)

    def answer(self, question: str, query: torch.Tensor | None = None) -> Answer:
        """Answer `question`; `query` is its encoding when the caller already has it."""
        question = question.strip()
        if not question:
            raise InputError('the question is empty; ask something, e.g. "nginx returns 502"')
        hits = self.kb.search(question, k=self.passages)
        q = query if query is not None else self.kb.encoder.encode_one(question)  # (d,)
        # Cheap first look: if no passage is even near the question, skip reading sentences.
        dense = self.kb.search_vector(q, k=1, within=[h.id for h in hits])
        nearest = dense[0].score if dense else 0.0
        if nearest < GATE:
            confidence = round(max(0.0, nearest), 4)
            return Answer(question=question, text=UNKNOWN, known=False, confidence=confidence)
        sentences = [
            _Sentence(text, i, n)
            for i, hit in enumerate(hits)
            for n, text in enumerate(split_sentences(hit.text))
        ]
        if not sentences:
            return Answer(question=question, text=UNKNOWN, known=False, confidence=0.0)
        keys = self._sentence_keys(hits, sentences)  # (S, d)
        cosines = cosine_matrix(q[None, :], keys)[0]  # (1, d) · (d, S) -> (S,)
        # The second attention pass: which sentences does the question attend to?
        bias = section_bias(question, [hits[s.hit].heading for s in sentences])  # (S,) or None
        _, weights = attend(q[None, :], keys, keys, scale=1.0 / TEMPERATURE, bias=bias)  # (1, S)
        chosen = _choose(weights[0])
        confidence = max(0.0, min(1.0, float(cosines[chosen[0]])))
        if confidence < self.threshold:
            return Answer(question=question, text=UNKNOWN, known=False, confidence=confidence)
        picked = sorted(chosen, key=lambda i: (sentences[i].hit, sentences[i].position))
        citations: dict[str, Citation] = {}
        for i in picked:
            hit = hits[sentences[i].hit]
            cited = citations.get(hit.id)
            if cited is None or cited.score < float(cosines[i]):
                citations[hit.id] = Citation(
                    source=hit.source,
                    heading=hit.heading,
                    lines=hit.lines,
                    score=round(float(cosines[i]), 4),
                    id=hit.id,
                )
        texts = [sentences[i].text for i in picked]
        return Answer(
            question=question,
            text="\n".join(texts),
            known=True,
            confidence=round(confidence, 4),
            citations=sorted(citations.values(), key=lambda c: c.score, reverse=True),
            sentences=texts,
        )

    def _sentence_keys(self, hits: list[Hit], sentences: list[_Sentence]) -> torch.Tensor:
        """Unit keys (S, d) of the sentences, one cached key set per passage (disk + memory)."""
        parts = []
        for i, hit in enumerate(hits):
            texts = [_key_text(hit, s.text) for s in sentences if s.hit == i]
            if texts:
                name = "sentences-" + hashlib.sha256(hit.id.encode()).hexdigest()[:16]
                parts.append(self.key_cache.keys(name, texts))  # (S_i, d)
        return torch.cat(parts)  # sentences are grouped by hit in hit order, as built


def _key_text(hit: Hit, sentence: str) -> str:
    """A sentence's key: its runbook title and heading give it context; long code is cut."""
    context = [p for p in dict.fromkeys((hit.title, hit.heading)) if p]
    return ". ".join([*context, " ".join(sentence.split()[:KEY_WORDS])])


def _choose(weights: torch.Tensor) -> list[int]:
    """The best sentence, plus up to two more that draw a comparable share of attention."""
    best, idx = top_k(weights, MAX_SENTENCES)  # (≤3,), (≤3,)
    keep = [int(i) for w, i in zip(best, idx, strict=True) if w >= KEEP_RATIO * best[0]]
    return keep
