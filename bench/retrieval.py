"""Retrieval at scale: dense attention, sparse top-k, our default index, FAISS flat, sentence-transformers.

    python -m bench.retrieval                       # N = 10⁴, 10⁵, 10⁶ (the issue's sizes)
    python -m bench.retrieval --sizes 10000 --queries 50   # a quick look

Keys are encoded ops texts extended to N (bench/corpus.py says how and why); the
values are the keys themselves (V = K, d_v = 384), so dense attention reads N values
and sparse attention reads k. Every top-k method ends with the same softmax over its
k scores and the same value read-out, so outputs are comparable. Recall@10 is against
exact top-10 by fp32 dot product.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import faiss
import torch

from bench.common import console, peak_rss_mb, print_footer, table, write_result
from bench.corpus import (
    Corpus,
    default_sources,
    extend_keys,
    load_corpus,
    nearest_neighbours,
    neighbour_stats,
)
from bench.retrieval_methods import DTYPES, METHODS, MethodResult, compare_dtypes, run_method
from knowledge.ann import AnnParams
from knowledge.encoder import Encoder
from knowledge.index import ANN_THRESHOLD

NEIGHBOURS = 10  # real neighbours each synthetic key may lie towards (bench/corpus.py)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    encoder = Encoder()
    corpus = load_corpus(encoder, default_sources(), n_queries=args.queries)
    console.print(
        f"real keys: {corpus.base_texts} encoded ops texts; queries: {corpus.query_texts} "
        "(runbook dev questions + held-out texts)"
    )
    del encoder
    # The real keys' neighbour table is the same for every N: computed once.
    extended = max(args.sizes) > corpus.base.shape[0]
    near = nearest_neighbours(corpus.base, NEIGHBOURS) if extended else None
    runs: list[dict[str, Any]] = []
    for n in args.sizes:
        runs.append(run_size(n, corpus, near, args))
        gc.collect()
    path = write_result("retrieval", vars(args), {"runs": runs, "peak_rss_mib": peak_rss_mb()})
    print_targets(runs)
    print_footer(path)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__)
    parser.add_argument("--sizes", type=_ints, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200, help="query vectors (batch-1 runs)")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--methods", type=_names, default=list(METHODS))
    parser.add_argument("--dtypes", type=_names, default=list(DTYPES), help="'' for none")
    parser.add_argument("--budget-s", type=float, default=30.0, help="max seconds per timing")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--ann-threshold", type=int, default=ANN_THRESHOLD, help="keys from which auto is ANN"
    )
    parser.add_argument("--ann-m", type=int, default=AnnParams().m)
    parser.add_argument("--ann-ef-construction", type=int, default=AnnParams().ef_construction)
    parser.add_argument("--ann-ef-search", type=_ints, default=[AnnParams().ef_search])
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="load the HNSW graph saved by an earlier run for the same keys (build time then "
        "is that run's)",
    )
    return parser.parse_args()


def _names(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


def _ints(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",")]


def run_size(
    n: int, corpus: Corpus, near: torch.Tensor | None, args: argparse.Namespace
) -> dict[str, Any]:
    """Every method at one N; prints its table and returns its JSON part."""
    start = time.perf_counter()
    keys = extend_keys(corpus.base, n, near=near)  # (N, d) fp32 unit
    made_s = time.perf_counter() - start
    stats = neighbour_stats(corpus.base, keys)
    queries = corpus.queries  # (Q, d)
    _, truth = torch.topk(queries @ keys.T, args.k, dim=-1)  # exact fp32 top-k, (Q, k)
    console.print(
        f"\n[bold]N = {n:,}[/] keys ({made_s:.1f} s to make; nearest-real-key cosine: real "
        f"{stats['real_to_nearest_real']:.3f}, synthetic "
        f"{stats.get('synthetic_to_nearest_real', float('nan')):.3f})"
    )
    results: list[MethodResult] = []
    for method in args.methods:
        results.extend(run_method(method, keys, queries, truth, args))
        gc.collect()
    dtype_rows = compare_dtypes(keys, queries, truth, args)
    dense = next((r for r in results if r.method == "dense"), None)
    print_table(n, results, dense)
    print_dtypes(n, dtype_rows)
    return {
        "n": n,
        "neighbour_cosine": stats,
        "methods": [_as_json(r, dense) for r in results],
        "exact_dtypes": dtype_rows,
    }


def _as_json(r: MethodResult, dense: MethodResult | None) -> dict[str, Any]:
    return {
        "method": r.method,
        "detail": r.detail,
        "build_s": r.build_s,
        "memory_mib": r.memory_mib,
        "recall_at_k": r.recall_at_k,
        "batch1": r.batch1.as_dict(),
        "batch32": r.batch32.as_dict(),
        "speedup_vs_dense_batch1": dense.batch1.p50_ms / r.batch1.p50_ms if dense else None,
        "speedup_vs_dense_batch32": dense.batch32.p50_ms / r.batch32.p50_ms if dense else None,
    }


def print_table(n: int, results: list[MethodResult], dense: MethodResult | None) -> None:
    rows = [
        [
            r.method,
            r.detail,
            r.batch1.p50_ms,
            r.batch1.p99_ms,
            r.batch1.min_ms,
            r.batch32.p50_ms / 32,
            r.batch32.p99_ms / 32,
            r.recall_at_k,
            r.memory_mib,
            r.build_s,
            dense.batch1.p50_ms / r.batch1.p50_ms if dense else None,
            dense.batch32.p50_ms / r.batch32.p50_ms if dense else None,
        ]
        for r in results
    ]
    columns = [
        "method",
        "detail",
        "b1 p50 ms",
        "b1 p99 ms",
        "b1 min ms",
        "b32 p50 ms/q",
        "b32 p99 ms/q",
        "recall@10",
        "MiB",
        "build s",
        "× dense b1",
        "× dense b32",
    ]
    console.print(table(f"retrieval, N = {n:,}", columns, rows))


def print_dtypes(n: int, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    best1 = min(rows, key=lambda r: r["batch1"]["p50_ms"])["dtype"]
    best32 = min(rows, key=lambda r: r["batch32"]["p50_ms"])["dtype"]
    body = [
        [
            r["dtype"],
            r["batch1"]["p50_ms"],
            r["batch1"]["p99_ms"],
            r["batch32"]["p50_ms"] / 32,
            r["recall_at_k"],
            r["memory_mib"],
        ]
        for r in rows
    ]
    console.print(
        table(
            f"exact path key dtype, N = {n:,} (fastest: batch 1 {best1}, batch 32 {best32})",
            ["keys", "b1 p50 ms", "b1 p99 ms", "b32 p50 ms/q", "recall@10", "MiB"],
            body,
        )
    )


def print_targets(runs: list[dict[str, Any]]) -> None:
    """The issue's 10⁶-key targets, met or missed."""
    big = max(runs, key=lambda r: r["n"])
    by = {m["method"]: m for m in big["methods"]}
    defaults = [m for m in big["methods"] if m["method"] == "default"]
    if not defaults:
        return
    good = [m for m in defaults if m["recall_at_k"] >= 0.95]
    best = (
        min(good, key=lambda m: float(m["batch1"]["p50_ms"]))
        if good
        else max(defaults, key=lambda m: float(m["recall_at_k"]))
    )
    lines = [f"targets at N = {big['n']:,}, batch 1 ({best['detail']}):"]
    lines.append(f"  recall@10 {best['recall_at_k']:.3f} (target ≥ 0.95)")
    for name, goal in (("dense", 50.0), ("faiss_flat", 10.0)):
        if name in by:
            ratio = by[name]["batch1"]["p50_ms"] / best["batch1"]["p50_ms"]
            mark = "met" if ratio >= goal else "MISSED"
            lines.append(f"  {ratio:,.1f}× faster than {name} (target ≥ {goal:.0f}×): {mark}")
    console.print("\n".join(lines))


if __name__ == "__main__":
    main()
