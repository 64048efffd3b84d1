"""Routing accuracy on a labelled message set: accuracy and a confusion matrix."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from agents.routing import Router, message_prior
from knowledge.encoder import Encoder


@dataclass(frozen=True)
class RoutingScore:
    """How a router did on labelled messages."""

    total: int
    correct: int
    labels: tuple[str, ...]
    confusion: dict[tuple[str, str], int]  # (gold, predicted) -> count
    mistakes: tuple[tuple[str, str, str], ...]  # (text, gold, predicted)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def score_routing(router: Router, encoder: Encoder, path: Path) -> RoutingScore:
    """Route every {"text", "label"} line of a JSONL file and compare with the label."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    confusion: Counter[tuple[str, str]] = Counter()
    mistakes: list[tuple[str, str, str]] = []
    vectors = encoder.encode([row["text"] for row in rows])
    for row, vector in zip(rows, vectors, strict=True):
        predicted = router.route(vector, prior=message_prior(row["text"], router.cards)).agent
        confusion[(row["label"], predicted)] += 1
        if predicted != row["label"]:
            mistakes.append((row["text"], row["label"], predicted))
    labels = tuple(router.agents)
    correct = sum(n for (gold, pred), n in confusion.items() if gold == pred)
    return RoutingScore(len(rows), correct, labels, dict(confusion), tuple(mistakes))
