"""`make_index` / `open_index` choose exact or HNSW by size and switch as a store grows."""

from __future__ import annotations

from pathlib import Path

import torch

from knowledge.attention import sparse_attend
from knowledge.index import ExactIndex, attend_top_k, make_index, open_index
from tests.support.vectors import clustered_keys


def test_ann_factory_auto_is_exact_below_the_threshold_and_hnsw_above() -> None:
    keys = clustered_keys(60)
    assert make_index(keys, ann_threshold=61).kind == "exact"
    assert make_index(keys, ann_threshold=60).kind == "hnsw"


def test_ann_factory_growing_past_the_threshold_builds_the_graph_once(tmp_path: Path) -> None:
    keys = clustered_keys(40)
    seen: list[tuple[str, int, int]] = []
    index = make_index(keys, ann_threshold=50, progress=lambda *a: seen.append(a))
    index.add(clustered_keys(9, seed=1))
    assert index.kind == "exact" and seen == []
    extra = clustered_keys(3, seed=2)
    index.add(extra)
    assert index.kind == "hnsw" and seen[-1] == ("linking the graph", 52, 52)
    _, rows = index.search(extra, 1)
    assert rows[:, 0].tolist() == [49, 50, 51]
    all_keys = torch.cat([keys, clustered_keys(9, seed=1), extra])
    index.save(tmp_path)
    reopened = open_index(tmp_path, all_keys, ann_threshold=50)
    assert reopened.kind == "hnsw"
    assert getattr(reopened, "rebuilt_because", "missing") is None  # loaded, not rebuilt


def test_ann_factory_explicit_kinds_ignore_the_size(tmp_path: Path) -> None:
    keys = clustered_keys(30)
    assert open_index(tmp_path, keys, "ann").kind == "hnsw"
    assert make_index(clustered_keys(300), "exact", ann_threshold=10).kind == "exact"


def test_ann_factory_attend_top_k_reads_values_at_the_found_rows() -> None:
    keys = clustered_keys(257)
    values = torch.randn(257, 5)
    queries = clustered_keys(4, seed=3)
    out, weights, rows = attend_top_k(ExactIndex(keys), queries, values, 6)
    expected_out, expected_weights, expected_rows = sparse_attend(queries, keys, values, 6)
    assert torch.equal(rows, expected_rows)
    torch.testing.assert_close(weights, expected_weights)
    torch.testing.assert_close(out, expected_out)
    _, _, ann_rows = attend_top_k(make_index(keys, "ann"), queries, values, 6)
    assert torch.equal(ann_rows[:, 0], expected_rows[:, 0])
