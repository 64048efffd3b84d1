"""The compressed (IVF-PQ + exact re-rank) index: recall, persistence, changes, the factory."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from errors import ConfigError
from knowledge.ann_compressed import META_FILE, IvfPqIndex, PqParams
from knowledge.index import make_index, open_index
from tests.support.vectors import clustered_keys, recall_at

# Small lists and short k-means keep a build at a few 10⁴ keys to about a second.
FAST = PqParams(pq_m=8, nlist_per_sqrt=0.5, kmeans_iters=5)


@pytest.fixture(scope="module")
def built() -> tuple[torch.Tensor, IvfPqIndex]:
    keys = clustered_keys(20_011)
    return keys, IvfPqIndex.build(keys, FAST)


@pytest.mark.parametrize("n", [1, 9, 211, 20_011, 33_331])
def test_ivfpq_search_recall_at_10_matches_brute_force_on_odd_sizes(n: int) -> None:
    keys = clustered_keys(n, seed=n)
    queries = clustered_keys(37, seed=1)
    index = IvfPqIndex.build(keys, FAST)
    assert index.trained == (n >= FAST.min_train)
    scores, found = index.search(queries, 10)
    _, truth = torch.topk(queries @ keys.T, min(10, n), dim=-1)  # brute force oracle
    assert found.shape == truth.shape
    assert recall_at(10, found, truth) >= 0.9
    # Re-ranked scores are exact dot products of the fp16-stored vectors.
    torch.testing.assert_close(
        scores, (queries[:, None, :] * keys[found]).sum(-1), atol=2e-3, rtol=0
    )
    if not index.trained:
        assert torch.equal(found, truth)


def test_ivfpq_persist_round_trip_gives_identical_results(
    built: tuple[torch.Tensor, IvfPqIndex], tmp_path: Path
) -> None:
    keys, index = built
    queries = clustered_keys(23, seed=4)
    index.save(tmp_path)
    opened = IvfPqIndex.open(tmp_path, keys, FAST)
    assert opened.rebuilt_because is None and opened.nlist == index.nlist
    for a, b in zip(index.search(queries, 10), opened.search(queries, 10), strict=True):
        assert torch.equal(a, b)


def test_ivfpq_persist_other_keys_rebuild_and_say_why(tmp_path: Path) -> None:
    IvfPqIndex.build(clustered_keys(300), FAST).save(tmp_path)
    changed = clustered_keys(300, seed=9)
    opened = IvfPqIndex.open(tmp_path, changed, FAST)
    assert opened.rebuilt_because is not None and "other keys" in opened.rebuilt_because
    _, rows = opened.search(changed[:3], 1)
    assert rows[:, 0].tolist() == [0, 1, 2]


def test_ivfpq_persist_missing_vectors_file_is_a_store_error(tmp_path: Path) -> None:
    from errors import StoreError

    keys = clustered_keys(120)
    IvfPqIndex.build(keys, FAST).save(tmp_path)
    for vectors in tmp_path.glob("ann-pq-vectors-*.f16"):
        vectors.unlink()
    with pytest.raises(StoreError, match=META_FILE):
        IvfPqIndex.open(tmp_path, keys, FAST)


def test_ivfpq_incremental_add_finds_the_new_keys() -> None:
    keys = clustered_keys(12_007)
    index = IvfPqIndex.build(keys, FAST)
    extra = clustered_keys(41, seed=7)
    index.add(extra)
    assert len(index) == 12_048 and index.trained
    _, rows = index.search(extra, 1)
    assert rows[:, 0].tolist() == list(range(12_007, 12_048))


def test_ivfpq_incremental_growing_past_min_train_trains_then_retrains() -> None:
    params = FAST.model_copy(update={"min_train": 2_000, "retrain_growth": 2.0})
    index = IvfPqIndex.build(clustered_keys(1_500), params)
    assert not index.trained
    index.add(clustered_keys(600, seed=2))  # 2 100 rows: trains
    first = index.nlist
    assert index.trained and first > 0
    index.add(clustered_keys(2_500, seed=3))  # 4 600 > 2 × 2 100: retrains with more lists
    assert index.nlist > first
    _, rows = index.search(clustered_keys(2_500, seed=3)[:5], 1)
    assert rows[:, 0].tolist() == list(range(2_100, 2_105))


def test_ivfpq_update_moves_a_row_and_remove_shifts_later_rows(
    built: tuple[torch.Tensor, IvfPqIndex],
) -> None:
    keys, _ = built
    index = IvfPqIndex.build(keys[:15_000], FAST)
    moved = clustered_keys(2, seed=11)
    index.update(torch.tensor([17, 14_000]), moved)
    _, rows = index.search(moved, 1)
    assert rows[:, 0].tolist() == [17, 14_000]
    index.remove(torch.tensor([0, 5, 60]))
    assert len(index) == 14_997
    _, rows = index.search(keys[[61, 14_999, 4]], 1)  # old rows 61, 14 999 and 4
    assert rows[:, 0].tolist() == [58, 14_996, 3]


def test_ivfpq_allowed_rows_restrict_the_candidates(
    built: tuple[torch.Tensor, IvfPqIndex],
) -> None:
    keys, index = built
    queries = clustered_keys(19, seed=6)
    allowed = torch.arange(1, keys.shape[0], 3)
    for exact_below in (0, 100_000):  # through the codes, and as an exact scan
        index.params = FAST.model_copy(update={"exact_below": exact_below})
        _, found = index.search(queries, 10, allowed)
        _, picked = torch.topk(queries @ keys[allowed].T, 10, dim=-1)
        assert set(found.flatten().tolist()) <= set(allowed.tolist())
        assert recall_at(10, found, allowed[picked]) >= 0.9
    index.params = FAST


def test_ivfpq_params_pq_m_must_divide_the_dimension() -> None:
    with pytest.raises(ConfigError, match="pq_m=7"):
        IvfPqIndex.build(clustered_keys(50), PqParams(pq_m=7))


def test_ivfpq_factory_auto_picks_compressed_from_the_threshold(tmp_path: Path) -> None:
    keys = clustered_keys(300)
    assert make_index(keys, compressed_threshold=300).kind == "ivfpq"
    assert make_index(keys, ann_threshold=10, compressed_threshold=301).kind == "hnsw"
    assert make_index(keys, "ann", compressed_threshold=10).kind == "hnsw"  # an override wins
    assert make_index(keys, "compressed").kind == "ivfpq"  # at any size
    saved = make_index(keys, "compressed")
    saved.save(tmp_path)  # from its temp folder into the store's
    reopened = open_index(tmp_path, keys, compressed_threshold=100)
    assert reopened.kind == "ivfpq" and getattr(reopened, "rebuilt_because", "x") is None
