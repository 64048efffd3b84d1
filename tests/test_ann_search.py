"""The HNSW index finds what brute force finds: recall on odd sizes, scores, filtered search."""

from __future__ import annotations

import pytest
import torch

from knowledge.ann import AnnParams, HnswIndex
from knowledge.encoder import Encoder
from knowledge.index import ExactIndex
from tests.support.vectors import clustered_keys, recall_at


@pytest.mark.parametrize("n", [1, 9, 211, 1999])
def test_ann_search_recall_at_10_matches_brute_force_on_odd_sizes(n: int) -> None:
    keys = clustered_keys(n)
    queries = clustered_keys(37, seed=1)
    index = HnswIndex.build(keys)
    _, found = index.search(queries, 10)
    _, truth = torch.topk(queries @ keys.T, min(10, n), dim=-1)  # brute force oracle
    assert found.shape == truth.shape
    assert recall_at(10, found, truth) >= 0.95


def test_ann_search_scores_are_the_dot_products_best_first() -> None:
    keys = clustered_keys(501)
    queries = clustered_keys(5, seed=2)
    scores, rows = HnswIndex.build(keys).search(queries, 7)
    expected = torch.einsum("qd,qkd->qk", queries, keys[rows])  # (Q, k) exact dot products
    torch.testing.assert_close(scores, expected, atol=1e-5, rtol=1e-5)
    assert bool((scores[:, :-1] >= scores[:, 1:]).all())


def test_ann_search_k_larger_than_index_returns_every_row() -> None:
    keys = clustered_keys(5)
    scores, rows = HnswIndex.build(keys).search(keys[:2], 50)
    assert scores.shape == (2, 5)
    assert sorted(rows[0].tolist()) == list(range(5))


def test_ann_search_small_allowed_set_is_exact() -> None:
    keys = clustered_keys(777)
    queries = clustered_keys(4, seed=3)
    allowed = torch.tensor([3, 50, 51, 400, 776, 12, 99])
    index = HnswIndex.build(keys)
    scores, rows = index.search(queries, 3, allowed)
    exact_scores, exact_rows = ExactIndex(keys).search(queries, 3, allowed)
    assert torch.equal(rows, exact_rows)
    torch.testing.assert_close(scores, exact_scores)


def test_ann_search_large_allowed_set_filters_the_graph_walk() -> None:
    keys = clustered_keys(1201)
    queries = clustered_keys(6, seed=4)
    allowed = torch.arange(0, 1201, 2)  # every even row
    index = HnswIndex.build(keys, AnnParams(exact_below=10))  # force the filtered walk
    _, rows = index.search(queries, 10, allowed)
    assert bool((rows % 2 == 0).all())
    _, truth = ExactIndex(keys).search(queries, 10, allowed)
    assert recall_at(10, rows, truth) >= 0.95


def test_ann_search_build_reports_progress_for_every_row() -> None:
    seen: list[tuple[str, int, int]] = []
    HnswIndex.build(
        clustered_keys(1001), AnnParams(build_chunk=300), progress=lambda *a: seen.append(a)
    )
    assert [done for _, done, _ in seen] == [0, 300, 600, 900, 1001]
    assert {(stage, total) for stage, _, total in seen} == {("linking the graph", 1001)}


def test_ann_search_real_ops_texts_top1_agrees_with_exact(encoder: Encoder) -> None:
    passages = [
        "nginx returns 502 bad gateway when the upstream app server is down",
        "free disk space by removing old logs and rotating them with logrotate",
        "inode exhaustion: df -i shows 100% IUse although blocks are free",
        "mysql replication lag: check Seconds_Behind_Master on the replica",
        "kubernetes pod in CrashLoopBackOff: read kubectl logs --previous",
        "renew the TLS certificate before it expires with certbot renew",
        "the OOM killer ended the java process: raise the memory limit or fix the leak",
        "kafka consumer lag grows when consumers are slower than producers",
        "ntp clock drift: check chronyc tracking and restart chronyd",
        "ssh permission denied (publickey): check authorized_keys permissions",
        "redis evicts keys when maxmemory is reached under allkeys-lru",
        "roll back a bad deploy with kubectl rollout undo",
    ]
    questions = [
        "site shows 502 errors",
        "disk is full on the web server",
        "no inodes left",
        "replica is behind the primary",
        "pod keeps restarting",
        "certificate about to expire",
    ]
    keys = encoder.encode(passages)  # (P, d)
    queries = encoder.encode(questions)  # (Q, d)
    _, found = HnswIndex.build(keys).search(queries, 1)
    _, truth = ExactIndex(keys).search(queries, 1)
    assert torch.equal(found, truth)
