"""best_span: the highest start+end score with start <= end < start + longest, on readable tokens."""

from __future__ import annotations

import itertools

import pytest
import torch

from agents.tickets.tracking.reader.reader import best_span


@pytest.mark.parametrize(
    ("length", "longest", "seed"), [(1, 1, 0), (7, 3, 1), (13, 12, 2), (31, 5, 3)]
)
def test_slot_reader_best_span_matches_brute_force(length: int, longest: int, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    start, end = torch.randn(length, generator=g), torch.randn(length, generator=g)
    readable = torch.rand(length, generator=g) > 0.2
    readable[0] = True
    s, e, score = best_span(start, end, readable, longest)
    pairs = [
        (i, j)
        for i, j in itertools.product(range(length), repeat=2)
        if i <= j < i + longest and readable[i] and readable[j]
    ]
    want = max(pairs, key=lambda p: float(start[p[0]] + end[p[1]]))
    assert (s, e) == want
    assert score == pytest.approx(float(start[want[0]] + end[want[1]]))
