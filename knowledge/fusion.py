"""Fusing rankings: per-file scores from passage scores, and reciprocal rank fusion.

Pure functions: over {id: score} maps (the definition, and what benches compose), and
`rank_runs`, the same over arrays, which `KnowledgeBase.rank` calls once per query.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

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


# ---- the same, over arrays: what a query runs ---------------------------------------------
#
# `KnowledgeBase.rank` fuses a few hundred candidates per query; the dict functions above cost
# more than the index search itself at that size. These give the same scores and the same
# order, ties included (stable sorts where the dict code relies on insertion order).

Run = tuple[np.ndarray, np.ndarray]  # (rows (C,) int64, scores (C,) float64), retriever order


def rank_runs(
    runs: Sequence[Run], sources: np.ndarray, *, fuse: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates best first, as arrays (rows, score, passage score), each (M,).

    `sources` (N,) numbers each row's source file (-1: none, the row is a group of its own).
    One run (`fuse` False): a passage's score is its file's `file_scores` score, its passage
    score its own. Several (`fuse` True): reciprocal rank fusion of the runs' file rankings
    and, for the passage score, of their passage rankings. Ordered by (score, passage score),
    ties in the order `fuse_reciprocal_rank` inserts them. Rows must be unique within a run.
    """
    if not fuse:
        rows, scores = runs[0]
        _, per_group, _, inverse = _file_scores(_group_labels(rows, sources), scores)
        files = per_group[inverse]  # (C,) each passage's file score
        order = np.lexsort((-scores, -files))
        return rows[order], files[order], scores[order]
    labelled = [(rows, scores, _group_labels(rows, sources)) for rows, scores in runs]
    all_groups = _unique(np.concatenate([labels for _, _, labels in labelled]))[0]  # (G,)
    all_rows = _unique(np.concatenate([rows for rows, _, _ in labelled]))[0]  # (M,)
    file_fused = np.zeros(len(all_groups))  # (G,)
    passage_fused = np.zeros(len(all_rows))  # (M,)
    inserted = []
    for rows, scores, labels in labelled:
        groups, per_group, first, _ = _file_scores(labels, scores)
        seen = np.argsort(first)  # the run's groups in order of first appearance
        file_fused[np.searchsorted(all_groups, groups[seen])] += _reciprocal_ranks(per_group[seen])
        passage_fused[np.searchsorted(all_rows, rows)] += _reciprocal_ranks(scores)
        inserted.append(rows[np.argsort(-scores, kind="stable")])
    sequence = np.concatenate(inserted)
    rows = sequence[np.sort(_unique(sequence)[1])]  # (M,) in order of first insertion
    files = file_fused[np.searchsorted(all_groups, _group_labels(rows, sources))]  # (M,)
    passages = passage_fused[np.searchsorted(all_rows, rows)]  # (M,)
    order = np.lexsort((-passages, -files))
    return rows[order], files[order], passages[order]


def _group_labels(rows: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """A label per row: its source number, or -1 - row for a row without a source (unique)."""
    numbers = sources[rows].astype(np.int64)  # (C,)
    return np.where(numbers >= 0, numbers, -1 - rows)


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct values ascending (G,), index of each one's first occurrence (G,), each
    value's position among the distinct ones (C,)): `np.unique`'s, at a fraction of its
    fixed cost on a few hundred values."""
    order = np.argsort(values, kind="stable")  # (C,) equal values keep their order
    ordered = values[order]
    starts = np.empty(len(values), dtype=bool)  # (C,) True where a new value begins
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], order[starts], inverse


def _file_scores(
    labels: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`file_scores` over arrays: (groups (G,), best + SECOND_WEIGHT × second best (G,),
    first element of each group (G,), each element's group position (C,))."""
    groups, first, inverse = _unique(labels)
    order = np.lexsort((-scores, inverse))  # (C,) by group, best first within a group
    ranked = scores[order]
    starts = np.searchsorted(inverse[order], np.arange(len(groups)))  # (G,)
    counts = np.diff(np.append(starts, len(order)))  # (G,)
    best = ranked[starts]
    second = ranked[np.minimum(starts + 1, max(len(order) - 1, 0))]
    return groups, np.where(counts >= 2, best + SECOND_WEIGHT * second, best), first, inverse


def _reciprocal_ranks(scores: np.ndarray) -> np.ndarray:
    """1 / (RRF_K + rank) of each score, rank 1 the best; equal scores keep their order."""
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)
