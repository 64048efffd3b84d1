"""Upserts and deletes change the HNSW index in place and keep it row-aligned with the store."""

from __future__ import annotations

from pathlib import Path

import torch

from knowledge.ann import HnswIndex
from knowledge.index import ExactIndex
from tests.support.vectors import clustered_keys, recall_at


def test_ann_incremental_add_appends_rows_that_are_found() -> None:
    keys = clustered_keys(300)
    extra = clustered_keys(41, seed=7)
    index = HnswIndex.build(keys)
    index.add(extra)
    assert len(index) == 341
    _, rows = index.search(extra, 1)
    assert rows[:, 0].tolist() == list(range(300, 341))


def test_ann_incremental_update_moves_a_row_to_its_new_vector() -> None:
    keys = clustered_keys(250)
    index = HnswIndex.build(keys)
    moved = clustered_keys(2, seed=11)
    index.update(torch.tensor([17, 230]), moved)
    _, rows = index.search(moved, 1)
    assert rows[:, 0].tolist() == [17, 230]
    _, rows = index.search(keys[17:18], 1)
    assert rows[0, 0].item() != 17  # the old vector is gone


def test_ann_incremental_remove_shifts_later_rows_down() -> None:
    keys = clustered_keys(120)
    index = HnswIndex.build(keys)
    index.remove(torch.tensor([0, 5, 60]))
    assert len(index) == 117
    _, rows = index.search(keys[[61, 119, 4]], 1)  # old rows 61, 119, 4
    assert rows[:, 0].tolist() == [58, 116, 3]
    scores, _ = index.search(keys[[0, 5, 60]], 1)
    assert bool((scores < 0.9999).all())  # the removed vectors themselves are not found


def test_ann_incremental_mixed_changes_mirror_an_exact_index(tmp_path: Path) -> None:
    """Add, update and remove in turns, save and reopen: results stay those of brute force."""
    keys = clustered_keys(900)
    ann = HnswIndex.build(keys)
    exact = ExactIndex(keys)
    for step in range(3):
        new = clustered_keys(77, seed=20 + step)
        rows = torch.arange(step * 13, 900, 97)
        changed = clustered_keys(rows.numel(), seed=40 + step)
        gone = torch.arange(step, len(exact), 53)
        for index in (ann, exact):
            index.add(new)
            index.update(rows, changed)
            index.remove(gone)
    ann.save(tmp_path)
    reopened = HnswIndex.open(tmp_path, exact.keys)
    assert reopened.rebuilt_because is None and len(reopened) == len(exact)
    queries = clustered_keys(40, seed=99)
    _, truth = exact.search(queries, 10)
    for index in (ann, reopened):
        _, found = index.search(queries, 10)
        assert recall_at(10, found, truth) >= 0.95


def test_ann_incremental_deleted_slots_are_reused_before_growing() -> None:
    keys = clustered_keys(100)
    index = HnswIndex.build(keys)
    index.remove(torch.arange(0, 30))
    index.add(clustered_keys(30, seed=3))
    assert len(index) == 100
    assert index.capacity == 100
