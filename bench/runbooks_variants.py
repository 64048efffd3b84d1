"""Retrieval variants tried on the runbook dev questions (`python -m bench.runbooks --variants`).

Each variant reorders the default (hybrid) file ranking; the scores are the same as
bench/runbooks.py's. Kept only to show what was tried and what it gave: the product keeps
a variant only when it helps on dev.

- maxsim: late interaction as a reranker: the top `RERANK` files are ordered by fusing
  (reciprocal rank) the hybrid order with the MaxSim score of their best passages.
- title2: BM25 over passages whose title and heading are repeated (field weighting).
- entities: files whose title names a technology the question names move up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from agents.qa import technologies
from bench.runbooks import ModeResult, evaluate_ranker
from knowledge.fusion import fuse_reciprocal_rank
from knowledge.kb import KnowledgeBase
from knowledge.late_interaction import maxsim_many
from knowledge.lexical import LexicalIndex

RERANK = 5  # files reranked
PASSAGES_PER_FILE = 2
Ranker = Callable[[str], list[tuple[str, list[str]]]]  # query -> [(file, passage ids)]


def variants(
    kb: KnowledgeBase, questions: list[tuple[str, set[str]]], root: Path, base: Ranker
) -> list[ModeResult]:
    """The score of each variant on `questions`."""
    states: dict[str, torch.Tensor] = {}

    def token_states(record_id: str) -> torch.Tensor:
        if record_id not in states:
            record = kb.get(record_id)
            text = record.key_text() if record is not None else record_id
            states[record_id] = kb.encoder.token_states(text).states
        return states[record_id]

    def maxsim(query: str) -> list[tuple[str, list[str]]]:
        files = base(query)
        head = files[:RERANK]
        q = kb.encoder.token_states(query).states  # (Tq, d)
        best = []
        for _, ids in head:
            scores = maxsim_many(q, [token_states(i) for i in ids[:PASSAGES_PER_FILE]])  # (P,)
            best.append(float(scores.max()))
        order = {f: float(len(head) - i) for i, (f, _) in enumerate(head)}
        late = {f: s for (f, _), s in zip(head, best, strict=True)}
        fused = fuse_reciprocal_rank([order, late])
        head = sorted(head, key=lambda item: fused[item[0]], reverse=True)
        return head + files[RERANK:]

    def entities(query: str) -> list[tuple[str, list[str]]]:
        files = base(query)
        asked = technologies(query)
        if not asked:
            return files

        def named(item: tuple[str, list[str]]) -> bool:
            record = kb.get(item[1][0])
            return record is not None and bool(asked & technologies(record.title))

        return sorted(files, key=lambda item: not named(item))  # stable: order kept within

    results = [
        evaluate_ranker("hybrid+maxsim", maxsim, questions),
        evaluate_ranker("hybrid+entities", entities, questions),
    ]
    saved = kb._lexical  # the experiment swaps the BM25 index for a field-weighted one
    kb._lexical = LexicalIndex(
        [f"{r.title}. {r.heading}. {r.key_text()}" for r in kb.store.records]
    )
    try:
        results.append(evaluate_ranker("hybrid+title2", base, questions))
    finally:
        kb._lexical = saved
    return results
