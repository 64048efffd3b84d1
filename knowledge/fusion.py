"""Fusing rankings: per-file scores from passage scores, and reciprocal rank fusion.

Pure functions over {id: score} maps; `KnowledgeBase.rank` calls them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

RRF_K = 60  # the usual reciprocal-rank-fusion constant: damps the weight of the very top ranks
SECOND_WEIGHT = 0.2  # how much a file's second-best passage adds to its best
K = TypeVar("K", bound=Hashable)


def file_scores(scores: dict[int, float], group: dict[int, str]) -> dict[str, float]:
    """Score of each group (source file): its best passage + SECOND_WEIGHT × its second best."""
    best: dict[str, list[float]] = {}
    for row, score in scores.items():
        top = best.setdefault(group[row], [])
        top.append(score)
        if len(top) > 2:
            top.remove(min(top))
    return {
        g: max(top) + (SECOND_WEIGHT * min(top) if len(top) == 2 else 0.0)
        for g, top in best.items()
    }


def fuse_reciprocal_rank(runs: Sequence[Mapping[K, float]]) -> dict[K, float]:
    """Reciprocal rank fusion: fused(x) = Σ over runs that rank x of 1 / (RRF_K + rank of x)."""
    fused: dict[K, float] = {}
    for run in runs:
        ordered = sorted(run.items(), key=lambda item: item[1], reverse=True)
        for rank, (key, _) in enumerate(ordered, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
    return fused
