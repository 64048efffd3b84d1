"""The HNSW index persists beside the store: a matching save is loaded, a stale one rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from errors import StoreError
from knowledge.ann import GRAPH_FILE, META_FILE, AnnParams, HnswIndex
from tests.support.vectors import clustered_keys


def test_ann_persist_round_trip_loads_without_rebuilding(tmp_path: Path) -> None:
    keys = clustered_keys(603)
    queries = clustered_keys(9, seed=5)
    built = HnswIndex.build(keys)
    built.save(tmp_path)
    seen: list[tuple[str, int, int]] = []
    opened = HnswIndex.open(tmp_path, keys, progress=lambda *a: seen.append(a))
    assert opened.rebuilt_because is None and seen == []  # loaded, not built
    assert len(opened) == 603
    for a, b in zip(built.search(queries, 10), opened.search(queries, 10), strict=True):
        assert torch.equal(a, b)


def test_ann_persist_fp16_copy_of_the_keys_still_matches(tmp_path: Path) -> None:
    keys = clustered_keys(101)
    HnswIndex.build(keys).save(tmp_path)
    assert HnswIndex.open(tmp_path, keys.half()).rebuilt_because is None


def test_ann_persist_other_keys_rebuild_and_say_why(tmp_path: Path) -> None:
    HnswIndex.build(clustered_keys(200)).save(tmp_path)
    changed = clustered_keys(200, seed=9)
    opened = HnswIndex.open(tmp_path, changed)
    assert opened.rebuilt_because is not None and "other keys" in opened.rebuilt_because
    _, rows = opened.search(changed[:3], 1)
    assert rows[:, 0].tolist() == [0, 1, 2]  # serves the new keys


def test_ann_persist_other_row_count_rebuilds(tmp_path: Path) -> None:
    keys = clustered_keys(200)
    HnswIndex.build(keys).save(tmp_path)
    opened = HnswIndex.open(tmp_path, keys[:150])
    assert opened.rebuilt_because is not None and "200" in opened.rebuilt_because
    assert len(opened) == 150


def test_ann_persist_missing_index_builds_one(tmp_path: Path) -> None:
    opened = HnswIndex.open(tmp_path, clustered_keys(50))
    assert opened.rebuilt_because == "no saved index"


def test_ann_persist_query_settings_apply_to_a_loaded_graph(tmp_path: Path) -> None:
    keys = clustered_keys(300)
    HnswIndex.build(keys, AnnParams(m=8, ef_search=40)).save(tmp_path)
    opened = HnswIndex.open(tmp_path, keys, AnnParams(m=32, ef_search=200))
    assert opened.params.ef_search == 200 and opened.params.m == 8  # graph keeps its degree


def test_ann_persist_damaged_graph_file_is_a_store_error(tmp_path: Path) -> None:
    keys = clustered_keys(120)
    HnswIndex.build(keys).save(tmp_path)
    (tmp_path / GRAPH_FILE).write_bytes(b"\x00" * 64)
    with pytest.raises(StoreError, match=META_FILE):
        HnswIndex.open(tmp_path, keys)
