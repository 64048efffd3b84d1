"""The Q&A agent: question -> top passages -> a procedure or 1-3 sentences, with citations.

A fix or diagnose question is answered with the steps of the matching section of the top
runbook, in order (agents/answer_shape.py); any other with the sentences it attends to.
Either way the answer is checked against what the question names (agents/grounding.py).

Two attention passes. The first is the knowledge base's search (the question against the
passage keys, fused with BM25). The second attends from the question over the sentences of
those passages, each sentence keyed with its runbook title and heading so that "restart it"
under "Nginx 502 > Fix" carries its context. When even the best sentence is too far from
the question, the agent says it does not know and suggests a ticket instead of guessing.
That sentence is in the asker's language (`language`); runbook text is cited as written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field

from agents.qa.grounding import Runbook, caveat, missing_note
from agents.qa.intent import question_intent, section_bias, section_kind
from agents.qa.shape import Step, keep_steps, section_steps
from errors import InputError
from knowledge.attention import COSINE_SCALE, attend, cosine_matrix, top_k
from knowledge.glossary import shipped_glossary
from knowledge.kb import Hit, KnowledgeBase
from knowledge.keycache import KeyCache
from knowledge.sentences import split_sentences
from knowledge.store import Record
from state.models import Language

PASSAGES = 8  # passages whose sentences the second pass reads
MAX_SENTENCES = 3
KEEP_RATIO = 0.35  # a further sentence joins the answer at this fraction of the best weight
KEY_WORDS = 60  # words of a sentence that go into its key (a long code block is cut)
THRESHOLD = 0.40  # below this confidence the agent says it does not know
GATE = 0.25  # best passage cosine below which the sentences are not even read
PROCEDURE_INTENTS = ("fix", "diagnose")  # questions answered with a section's steps
UNKNOWN = (
    "I don't know: nothing in the knowledge base answers this closely enough. "
    "Please open a ticket (for example an incident) so an engineer can look into it."
)
UNKNOWN_ZH = (
    "这个问题我不知道：知识库里没有足够相关的内容。请提个工单（比如故障单），让工程师来处理。"
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
    """The agent's reply to one question; `text` is Markdown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    text: str
    known: bool = Field(description="False when the agent says it does not know")
    confidence: float = Field(
        description="0..1: cosine of the question and the best sentence or step (or passage, "
        "when no passage came near enough to read its sentences)"
    )
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[str] = Field(
        default_factory=list, description="the chosen sentences, or the procedure's steps"
    )
    shape: Literal["steps", "sentences", "unknown"] = Field(
        default="sentences", description="steps: a section's procedure; sentences: 1-3 of them"
    )
    caveat: str | None = Field(
        default=None, description="set when the cited runbook is about another technology"
    )


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
        self._titles: tuple[int, list[str]] = (-1, [])

    def answer(
        self, question: str, query: torch.Tensor | None = None, *, language: Language = "en"
    ) -> Answer:
        """Answer `question`; `query` is its encoding when the caller already has it.

        `language` is the one the asker reads: the words of an answer that is no runbook's.
        """
        question = question.strip()
        if not question:
            raise InputError('the question is empty; ask something, e.g. "nginx returns 502"')
        hits = self.kb.search(question, k=self.passages)
        # The search read a Chinese question with the English words of its ops terms; the
        # answer's sentences are weighed against the same words (English runbooks).
        expanded = shipped_glossary().expand(question)
        if expanded != question or query is None:
            query = self.kb.encoder.encode_one(expanded)
        q = query  # (d,)
        # Cheap first look: if no passage is even near the question, skip reading sentences.
        dense = self.kb.search_vector(q, k=1, within=[h.id for h in hits])
        nearest = dense[0].score if dense else 0.0
        if nearest < GATE:
            return _in_language(_unknown(question, max(0.0, nearest)), language)
        answer = None
        intent = question_intent(question)
        if intent in PROCEDURE_INTENTS:
            answer = self._procedure(question, q, hits, intent)
        if answer is None:
            answer = self._sentences(question, q, hits)
        return _in_language(self._grounded(answer, hits), language)

    # ---- procedures ----------------------------------------------------------------------

    def _procedure(
        self, question: str, q: torch.Tensor, hits: list[Hit], intent: str
    ) -> Answer | None:
        """The steps of the top runbook's section for `intent`, or None when it has none."""
        section = self._section(hits, intent)
        steps = section_steps(section)
        if not steps:
            return None
        top = section[0]
        name = "steps-" + hashlib.sha256(f"{top.source}\0{top.heading}".encode()).hexdigest()[:16]
        texts = [_key_text(top.title, top.heading, s.text) for s in steps]
        keys = self.key_cache.keys(name, texts)  # (S, d)
        cosines = cosine_matrix(q[None, :], keys)[0]  # (1, d) · (d, S) -> (S,)
        _, weights = attend(q[None, :], keys, keys, scale=COSINE_SCALE)  # (1, S)
        kept = keep_steps(weights[0], steps)
        confidence = max(0.0, min(1.0, max(float(cosines[i]) for i in kept)))
        if confidence < self.threshold:
            return None
        by_record: dict[str, list[int]] = {}
        for i in kept:
            by_record.setdefault(steps[i].record, []).append(i)
        citations = [
            Citation(
                source=top.source,
                heading=top.heading,
                lines=_span([steps[i].lines for i in rows]),
                score=round(max(float(cosines[i]) for i in rows), 4),
                id=record,
            )
            for record, rows in by_record.items()
        ]
        where = " › ".join(p for p in (top.title, top.heading) if p)
        body = [steps[i].text for i in kept]
        text = f"**{where}** [1]"
        for n, i in enumerate(kept):
            # Adjacent items of one list stay one Markdown list; anything else is a block.
            tight = n > 0 and kept[n - 1] == i - 1 and _is_item(steps[i - 1]) and _is_item(steps[i])
            text += ("\n" if tight else "\n\n") + steps[i].text
        return Answer(
            question=question,
            text=text,
            known=True,
            confidence=round(confidence, 4),
            citations=citations,
            sentences=body,
            shape="steps",
        )

    def _section(self, hits: list[Hit], intent: str) -> list[Record]:
        """The passages of the top runbook's section of the wanted kind, in file order."""
        source = hits[0].source
        passages = self.kb.passages_of(source) if source else []
        ranked = [h.heading for h in hits if h.source == source]
        headings = list(dict.fromkeys(p.heading for p in passages))
        wanted = [h for h in headings if section_kind(h) == intent]
        if not wanted:
            return []
        # A section the search ranked; else the file's only one of that kind (a FAQ has
        # many "How do I check ..." entries: an unranked one would be a guess).
        heading = next((h for h in ranked if h in wanted), wanted[0] if len(wanted) == 1 else None)
        return [p for p in passages if heading is not None and p.heading == heading]

    # ---- sentences -----------------------------------------------------------------------

    def _sentences(self, question: str, q: torch.Tensor, hits: list[Hit]) -> Answer:
        """The 1-3 sentences of the top passages that the question attends to most."""
        sentences = [
            _Sentence(text, i, n)
            for i, hit in enumerate(hits)
            for n, text in enumerate(split_sentences(hit.text))
        ]
        if not sentences:
            return _unknown(question, 0.0)
        keys = self._sentence_keys(hits, sentences)  # (S, d)
        cosines = cosine_matrix(q[None, :], keys)[0]  # (1, d) · (d, S) -> (S,)
        # The second attention pass: which sentences does the question attend to?
        bias = section_bias(question, [hits[s.hit].heading for s in sentences])  # (S,) or None
        _, weights = attend(q[None, :], keys, keys, scale=COSINE_SCALE, bias=bias)  # (1, S)
        chosen = _choose(weights[0])
        confidence = max(0.0, min(1.0, float(cosines[chosen[0]])))
        if confidence < self.threshold:
            return _unknown(question, confidence)
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
            texts = [_key_text(hit.title, hit.heading, s.text) for s in sentences if s.hit == i]
            if texts:
                name = "sentences-" + hashlib.sha256(hit.id.encode()).hexdigest()[:16]
                parts.append(self.key_cache.keys(name, texts))  # (S_i, d)
        return torch.cat(parts)  # sentences are grouped by hit in hit order, as built

    # ---- grounding -----------------------------------------------------------------------

    def _grounded(self, answer: Answer, hits: list[Hit]) -> Answer:
        """The answer with a caveat when its runbook is about another technology."""
        if not answer.known:
            note = missing_note(answer.question, self._catalog())
            if note is None:
                return answer
            return answer.model_copy(update={"caveat": note, "text": f"{note} {answer.text}"})
        if not answer.citations:
            return answer
        source = answer.citations[0].source
        passages = self.kb.passages_of(source) if source else []
        cited = [p for p in passages if p.id in {c.id for c in answer.citations}]
        title = passages[0].title if passages else ""
        runbook = Runbook(
            title=title,
            subject=" ".join([title, *(p.heading for p in cited)]),
            cited_text="\n".join([answer.text, *(p.text for p in cited)]),
            whole_text="\n".join(f"{p.heading}\n{p.text}" for p in passages),
        )
        note = caveat(answer.question, runbook, self._catalog())
        if note is None:
            return answer
        return answer.model_copy(update={"caveat": note, "text": f"{note}\n\n{answer.text}"})

    def _catalog(self) -> list[str]:
        """The KB's runbook titles, re-read when the KB changed size."""
        if self._titles[0] != len(self.kb):
            self._titles = (len(self.kb), self.kb.titles())
        return self._titles[1]


def _in_language(answer: Answer, language: Language) -> Answer:
    """The answer with its not-knowing sentence in `language` (a runbook's words stay)."""
    if answer.known or language == "en":
        return answer
    return answer.model_copy(update={"text": answer.text.replace(UNKNOWN, UNKNOWN_ZH)})


def _unknown(question: str, confidence: float) -> Answer:
    return Answer(
        question=question,
        text=UNKNOWN,
        known=False,
        confidence=round(confidence, 4),
        shape="unknown",
    )


def _key_text(title: str, heading: str, text: str) -> str:
    """A sentence's or step's key: its runbook title and heading give it context; long code is cut."""
    context = [p for p in dict.fromkeys((title, heading)) if p]
    return ". ".join([*context, " ".join(text.split()[:KEY_WORDS])])


def _is_item(step: Step) -> bool:
    return step.kind == "item"


def _span(spans: list[tuple[int, int] | None]) -> tuple[int, int] | None:
    known = [s for s in spans if s is not None]
    return (min(s[0] for s in known), max(s[1] for s in known)) if known else None


def _choose(weights: torch.Tensor) -> list[int]:
    """The best sentence, plus up to two more that draw a comparable share of attention."""
    best, idx = top_k(weights, MAX_SENTENCES)  # (≤3,), (≤3,)
    keep = [int(i) for w, i in zip(best, idx, strict=True) if w >= KEEP_RATIO * best[0]]
    return keep
